"""The ``mentorbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from sqlalchemy.engine import make_url

from bot.config import ConfigError, Settings, load_settings
from bot.db import migrate
from bot.db.encryption import DataKeyError, KeyRing
from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.reports.export import Period

EXIT_CONFIG = 2
EXIT_UNREACHABLE = 69  # sysexits' EX_UNAVAILABLE: try again later, nothing to fix in the config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot", description="A Discord bot for distance peer mentoring."
    )
    parser.add_argument("--config", type=Path, default=None, help="config file (default: ./config.toml)")
    # Every subcommand takes --config too (after its name); SUPPRESS keeps one given before it.
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="config file (default: ./config.toml)"
    )
    commands = _Subcommands(parser.add_subparsers(dest="command", required=True), config)

    run = commands.add_parser("run", help="migrate the database and run the bot")
    run.add_argument("--no-migrate", action="store_true", help="do not migrate the database first")

    db = commands.add_parser("db", help="manage the database schema")
    db_commands = _Subcommands(db.add_subparsers(dest="db_command", required=True), config)
    up = db_commands.add_parser("upgrade", help="migrate up (default: to the latest revision)")
    up.add_argument("revision", nargs="?", default="head")
    down = db_commands.add_parser(
        "downgrade", help="migrate down to a revision ('base' empties the database)"
    )
    down.add_argument("revision")
    db_commands.add_parser("current", help="show the database's revision")

    commands.add_parser(
        "web", help="run the coordinator dashboard alone (sign in with Discord; see the [web] section)"
    )

    commands.add_parser("check-config", help="validate the configuration and exit")

    data = commands.add_parser("data", help="members' data: keys and deletion")
    data_commands = _Subcommands(data.add_subparsers(dest="data_command", required=True), config)
    data_commands.add_parser("new-key", help="print a fresh data key for MENTORBOT_DATA_KEYS")
    data_commands.add_parser(
        "rotate-key", help="re-encrypt every encrypted field with the newest key (clear ones too)"
    )
    purge = data_commands.add_parser("purge-guild", help="delete everything stored about one server now")
    purge.add_argument("guild_id", type=int, help="the server's id")
    purge.add_argument("--yes", action="store_true", help="really delete (without it: only show what)")

    report = commands.add_parser(
        "report", help="write a server's program reports (CSVs and charts) or its research export to a folder"
    )
    report.add_argument("--guild", type=_guild_id, required=True, metavar="ID", help="the server's id")
    report.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write into")
    report.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="first day (default: 90 days back)")
    report.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="last day, included (default: now)")
    report.add_argument(
        "--research",
        action="store_true",
        help="write only research.csv: counts of members who opted in, under keyed pseudonyms "
        "(needs MENTORBOT_RESEARCH_KEY)",
    )
    return parser


class _Subcommands:
    """Subparsers that all inherit the ``--config`` option."""

    def __init__(self, action: argparse._SubParsersAction, config: argparse.ArgumentParser) -> None:
        self._action = action
        self._config = config

    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser:
        return self._action.add_parser(name, parents=[self._config], **kwargs)


def _guild_id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**63:
        raise argparse.ArgumentTypeError(f"not a server id: {text!r} (a server id is a number)")
    return int(text)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day: {text!r} (write it as YYYY-MM-DD)") from None


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        if args.command in ("run", "web", "check-config"):
            settings.bot_token()  # fail before migrating anything
        if args.command == "web" or (args.command == "run" and settings.web.enabled):
            settings.web.require_sign_in()
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
        elif (missing := migrate.missing_sqlite_file(url)) is not None:
            print(f"(no database at {missing}: run 'mentorbot db upgrade')")  # and create none
        else:
            print(migrate.current(url) or "(empty database: run 'mentorbot db upgrade')")
        return 0
    if args.command == "web":
        return _web(settings)
    reads_database = args.command == "report" or getattr(args, "data_command", None) in (
        "rotate-key",
        "purge-guild",
    )
    if reads_database and (problem := _unmigrated(settings.database.url)) is not None:
        print(f"mentorbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "data":
        return _data(settings, args)
    if args.command == "report":
        return _report(settings, args)
    print(f"configuration OK (database: {_redacted(settings.database.url)})")
    return 0


def _unmigrated(url: str) -> str | None:
    """Say why the database cannot be read yet (no file, or not at the latest schema), or None."""
    if (missing := migrate.missing_sqlite_file(url)) is not None:
        return f"there is no database at {missing}: run 'mentorbot db upgrade' first"
    if asyncio.run(migrate.behind_async(url)):
        return "the database is not at the latest schema: run 'mentorbot db upgrade' first"
    return None


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


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports.export import Period  # matplotlib and the models only for this command

    end = datetime.combine(args.until + timedelta(days=1), time(), UTC) if args.until else datetime.now(UTC)
    start = datetime.combine(args.since, time(), UTC) if args.since else end - timedelta(days=90)
    if start >= end:
        print("mentorbot: --since must be before --until", file=sys.stderr)
        return EXIT_CONFIG
    key = settings.privacy.research_key
    if args.research and key is None:
        print(
            "mentorbot: the research export needs a key for its pseudonyms: set MENTORBOT_RESEARCH_KEY "
            "(or privacy.research_key in the config) to a long random string, and keep it for later exports",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        written = asyncio.run(
            _report_async(settings, args, Period(start, end), key.get_secret_value() if key else None)
        )
    except DataKeyError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if written is None:
        print(f"mentorbot: nothing is known about server {args.guild}: check the id", file=sys.stderr)
        return EXIT_CONFIG
    print(f"wrote {len(written)} files to {args.out}:")
    for path in written:
        print(f"  {path}")
    return 0


async def _report_async(
    settings: Settings, args: argparse.Namespace, period: Period, key: str | None
) -> list[Path] | None:
    from bot.db.engine import Database
    from bot.reports.export import UnknownGuild, export_reports, export_research

    db = Database.from_url(settings.database.url, keys=settings.privacy.key_ring())
    try:
        if key is not None and args.research:
            return await export_research(db, args.guild, period, args.out, key)
        return await export_reports(db, args.guild, period, args.out)
    except UnknownGuild:
        return None
    finally:
        await db.dispose()


def _run(settings: Settings, *, migrate: bool) -> int:
    from bot.runtime import DiscordUnreachable, run_until_signalled  # discord.py's heavier parts

    try:
        asyncio.run(run_until_signalled(settings, migrate=migrate))
    except DiscordUnreachable as exc:
        print(
            f"mentorbot: {exc}; check the network, or discord.api_base_url "
            f"(connect timeout: discord.connect_timeout_seconds)",
            file=sys.stderr,
        )
        return EXIT_UNREACHABLE
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
    except ConfigError as exc:  # the dashboard's address is taken (web.enabled)
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print("mentorbot: Discord refused a privileged intent; this bot needs none.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _web(settings: Settings) -> int:
    from bot.web.server import run_dashboard_until_signalled

    try:
        asyncio.run(run_dashboard_until_signalled(settings))
    except discord.LoginFailure:
        print("mentorbot: Discord rejected the bot token: set MENTORBOT_TOKEN again.", file=sys.stderr)
        return EXIT_CONFIG
    except DataKeyError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ConfigError as exc:  # the dashboard's address is taken
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        pass
    return 0


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
