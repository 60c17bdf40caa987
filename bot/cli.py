"""The ``mentorbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import discord
from sqlalchemy.engine import make_url

from bot.config import ConfigError, Settings, load_settings
from bot.db import migrate
from bot.db.encryption import DataKeyError, KeyRing
from bot.logs import configure_logging

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot", description="A Discord bot for distance peer mentoring."
    )
    parser.add_argument("--config", type=Path, default=None, help="config file (default: ./config.toml)")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="migrate the database and run the bot")
    run.add_argument("--no-migrate", action="store_true", help="do not migrate the database first")

    db = commands.add_parser("db", help="manage the database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser("upgrade", help="migrate up (default: to the latest revision)")
    up.add_argument("revision", nargs="?", default="head")
    down = db_commands.add_parser(
        "downgrade", help="migrate down to a revision ('base' empties the database)"
    )
    down.add_argument("revision")
    db_commands.add_parser("current", help="show the database's revision")

    commands.add_parser("check-config", help="validate the configuration and exit")

    data = commands.add_parser("data", help="members' data: keys and deletion")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    data_commands.add_parser("new-key", help="print a fresh data key for MENTORBOT_DATA_KEYS")
    data_commands.add_parser(
        "rotate-key", help="re-encrypt every encrypted field with the newest key (clear ones too)"
    )
    purge = data_commands.add_parser("purge-guild", help="delete everything stored about one server now")
    purge.add_argument("guild_id", type=int, help="the server's id")
    purge.add_argument("--yes", action="store_true", help="really delete (without it: only show what)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        if args.command == "run":
            settings.bot_token()  # fail before migrating anything
    except ConfigError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.logging.level)

    if args.command == "run":
        return _run(settings, migrate=not args.no_migrate)
    if args.command == "db":
        url = settings.database.url
        if args.db_command == "upgrade":
            migrate.upgrade(url, args.revision)
        elif args.db_command == "downgrade":
            migrate.downgrade(url, args.revision)
        else:
            print(migrate.current(url) or "(empty database: run 'mentorbot db upgrade')")
        return 0
    if args.command == "data":
        return _data(settings, args)
    print(f"configuration OK (database: {_redacted(settings.database.url)})")
    return 0


def _data(settings: Settings, args: argparse.Namespace) -> int:
    if args.data_command == "new-key":
        print(KeyRing.new_key())
        return 0
    try:
        return asyncio.run(_data_async(settings, args))
    except DataKeyError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG


async def _data_async(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db.engine import Database
    from bot.db.keys import rotate
    from bot.services.privacy import guild_data, purge_guild

    db = Database.from_url(settings.database.url, keys=settings.privacy.key_ring())
    try:
        if args.data_command == "rotate-key":
            done = await rotate(db)
            for column, count in done.items():
                print(f"{column}: {count} values written with the newest key")
            print("done: every encrypted field now uses the newest key; older keys can be removed.")
            return 0
        counts, left_at, known = await guild_data(db, args.guild_id)
        if not counts:
            print(f"nothing is stored about server {args.guild_id}")
            return 0
        for table, count in sorted(counts.items()):
            print(f"{table}: {count} rows")
        if known and left_at is None:
            print(f"note: the bot is recorded as still in server {args.guild_id}; remove it there first")
        if not args.yes:
            print("nothing deleted: run again with --yes to delete all of the above", file=sys.stderr)
            return 1
        deleted = await purge_guild(db, args.guild_id)
        print(f"deleted {sum(deleted.values())} rows about server {args.guild_id}")
        return 0
    finally:
        await db.dispose()


def _run(settings: Settings, *, migrate: bool) -> int:
    from bot.runtime import run_until_signalled  # imports discord.py's heavier parts only when running

    try:
        asyncio.run(run_until_signalled(settings, migrate=migrate))
    except discord.LoginFailure:
        print(
            "mentorbot: Discord rejected the bot token: reset it on the Developer Portal's Bot page "
            "and set MENTORBOT_TOKEN again.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except DataKeyError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print("mentorbot: Discord refused a privileged intent; this bot needs none.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
