"""The `mentorbot` command line as a user runs it, in a separate process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
from yarl import URL

from bot import cli
from tests.support.bot import TOKEN

MENTORBOT = Path(sys.executable).with_name("mentorbot")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env.update(extra)
    return env


async def run_cli(*args: str, cwd: Path, env: dict[str, str], limit: float = 60) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(MENTORBOT),
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), limit)
    return process.returncode, out.decode(), err.decode()


async def test_without_a_token_run_prints_one_line_and_exits_2(tmp_path):
    code, _, err = await run_cli("run", cwd=tmp_path, env=clean_env())
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "MENTORBOT_TOKEN" in err
    assert not (tmp_path / "mentorbot.db").exists()  # nothing was touched


async def test_a_malformed_token_is_refused_without_being_echoed(tmp_path):
    code, _, err = await run_cli("run", cwd=tmp_path, env=clean_env(MENTORBOT_TOKEN="hunter2-secret"))
    assert code == 2
    assert "malformed" in err and "hunter2-secret" not in err


async def test_check_config_names_the_bad_key(tmp_path):
    (tmp_path / "config.toml").write_text("[discord]\ndev_guild = 1\n")
    code, _, err = await run_cli("check-config", cwd=tmp_path, env=clean_env())
    assert code == 2
    assert "discord.dev_guild: unknown key" in err


async def test_db_commands_migrate_up_and_down(tmp_path, empty_database_url):
    (tmp_path / "config.toml").write_text(f"[database]\nurl = {empty_database_url!r}\n")
    env = clean_env()
    assert (await run_cli("db", "upgrade", cwd=tmp_path, env=env))[0] == 0
    code, out, _ = await run_cli("db", "current", cwd=tmp_path, env=env)
    assert code == 0 and "(head)" in out
    assert (await run_cli("db", "downgrade", "base", cwd=tmp_path, env=env))[0] == 0
    code, out, _ = await run_cli("db", "current", cwd=tmp_path, env=env)
    assert "(head)" not in out


async def test_run_comes_online_and_stops_cleanly_on_sigterm(tmp_path, fake, world):
    (tmp_path / "config.toml").write_text(f'[discord]\napi_base_url = "{fake.api_base_url}"\n')
    process = await asyncio.create_subprocess_exec(
        str(MENTORBOT),
        "run",
        cwd=tmp_path,
        env=clean_env(MENTORBOT_TOKEN=TOKEN),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_until_ready(timeout=30)
        assert {c["name"] for c in fake.global_commands} >= {"help", "profile"}
        reply = await fake.slash(world.alice, world.guild, "help")
        assert reply.ephemeral
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 15)
    log = err.decode()
    assert process.returncode == 0, log
    assert "stopped" in log
    assert TOKEN not in log
    assert (tmp_path / "mentorbot.db").exists()
    assert fake.unknown_requests == []


async def test_web_without_its_sign_in_settings_names_them_and_exits_2(tmp_path):
    code, _, err = await run_cli("web", cwd=tmp_path, env=clean_env(MENTORBOT_TOKEN=TOKEN))
    assert code == 2
    assert "web.client_id" in err and "MENTORBOT_WEB_CLIENT_SECRET" in err and "web.session_secret" in err


async def test_web_serves_the_dashboard_alone_and_stops_on_sigterm(tmp_path, fake, empty_database_url):
    (tmp_path / "config.toml").write_text(
        f'[discord]\napi_base_url = "{fake.api_base_url}"\n'
        f"[database]\nurl = {empty_database_url!r}\n"
        f"[web]\nport = 0\nclient_id = {fake.application_id}\n"
    )
    env = clean_env(
        MENTORBOT_TOKEN=TOKEN,
        MENTORBOT_WEB_CLIENT_SECRET=fake.oauth.client_secret,
        MENTORBOT_WEB_SESSION_SECRET="s" * 40,
    )
    assert (await run_cli("db", "upgrade", cwd=tmp_path, env=env))[0] == 0
    process = await asyncio.create_subprocess_exec(
        str(MENTORBOT), "web", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        line = ""
        while "dashboard listening" not in line:
            line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
            assert line, "mentorbot web ended before listening"
        url = line.rsplit("(open ", 1)[1].rstrip(")\n")
        async with aiohttp.ClientSession() as http:
            front = await http.get(url)
            assert front.status == 200 and "Sign in with Discord" in await front.text()
            login = await http.get(f"{url}/login", allow_redirects=False)
            target = URL(login.headers["Location"])
            assert target.path == "/oauth2/authorize"
            assert target.query["redirect_uri"] == f"{url}/oauth/callback"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, err.decode()
    assert TOKEN not in err.decode()


async def test_web_on_a_taken_port_names_the_keys_and_exits_2(tmp_path, fake, empty_database_url):
    taken = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = taken.sockets[0].getsockname()[1]
    (tmp_path / "config.toml").write_text(
        f'[discord]\napi_base_url = "{fake.api_base_url}"\n'
        f"[database]\nurl = {empty_database_url!r}\n"
        f"[web]\nport = {port}\nclient_id = {fake.application_id}\n"
    )
    env = clean_env(
        MENTORBOT_TOKEN=TOKEN,
        MENTORBOT_WEB_CLIENT_SECRET=fake.oauth.client_secret,
        MENTORBOT_WEB_SESSION_SECRET="s" * 40,
    )
    try:
        assert (await run_cli("db", "upgrade", cwd=tmp_path, env=env))[0] == 0
        code, _, err = await run_cli("web", cwd=tmp_path, env=env)
    finally:
        taken.close()
    assert code == 2
    assert f"web.host, web.port: the dashboard cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


async def test_config_is_taken_before_or_after_every_subcommand(tmp_path, capsys, monkeypatch):
    config = tmp_path / "elsewhere.toml"
    config.write_text("[discord]\ndev_guild = 1\n")  # an unknown key: proves this file was read
    # As a user runs it, for the README's example...
    for args in (["--config", str(config), "run"], ["run", "--config", str(config)]):
        code, _, err = await run_cli(*args, cwd=tmp_path, env=clean_env(MENTORBOT_TOKEN=TOKEN))
        assert code == 2 and "discord.dev_guild: unknown key" in err, (args, err)
    # ...and, in this process (quicker), for every other subcommand.
    monkeypatch.chdir(tmp_path)
    commands = [
        ["web"],
        ["check-config"],
        ["db", "current"],
        ["db", "upgrade"],
        ["db", "downgrade", "base"],
        ["data", "new-key"],
        ["data", "rotate-key"],
        ["data", "purge-guild", "1"],
        ["report", "--guild", "1", "--out", str(tmp_path / "out")],
    ]
    for command in commands:
        for args in (["--config", str(config), *command], [*command, "--config", str(config)]):
            assert cli.main(args) == 2, args
            err = capsys.readouterr().err
            assert "discord.dev_guild: unknown key" in err, (args, err)


async def test_check_config_without_a_token_says_it_is_missing(tmp_path):
    code, out, err = await run_cli("check-config", cwd=tmp_path, env=clean_env())
    assert code == 2
    assert "MENTORBOT_TOKEN" in err and "OK" not in out
    code, out, _ = await run_cli("check-config", cwd=tmp_path, env=clean_env(MENTORBOT_TOKEN=TOKEN))
    assert code == 0 and "configuration OK" in out


def one_error_line(err: str) -> str:
    """Return the one error line among the start-up's log lines (the migration logs come first)."""
    assert "Traceback" not in err, err
    [line] = [line for line in err.splitlines() if line.startswith("mentorbot:")]
    return line


async def test_a_refused_connection_to_discord_is_one_line_and_a_failure(tmp_path):
    closed = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()  # nothing listens on this port any more
    (tmp_path / "config.toml").write_text(f'[discord]\napi_base_url = "http://127.0.0.1:{port}/api/v10"\n')
    code, _, err = await run_cli("run", cwd=tmp_path, env=clean_env(MENTORBOT_TOKEN=TOKEN))
    assert code != 0
    address = f"http://127.0.0.1:{port}/api/v10"
    assert one_error_line(err).startswith(f"mentorbot: cannot reach Discord at {address}")


async def test_a_discord_that_never_answers_gives_up_after_the_connect_timeout(tmp_path):
    accepted: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(lambda r, w: accepted.append(w), "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    (tmp_path / "config.toml").write_text(
        f'[discord]\napi_base_url = "http://127.0.0.1:{port}/api/v10"\nconnect_timeout_seconds = 1\n'
    )
    try:
        code, _, err = await run_cli("run", cwd=tmp_path, env=clean_env(MENTORBOT_TOKEN=TOKEN))
    finally:
        silent.close()
        for writer in accepted:
            writer.close()
    assert accepted, "the bot never connected"
    assert code != 0
    line = one_error_line(err)
    assert "did not answer" in line and "discord.connect_timeout_seconds" in line


async def test_db_current_creates_no_database_file(tmp_path):
    code, out, _ = await run_cli("db", "current", cwd=tmp_path, env=clean_env())
    assert code == 0 and "mentorbot db upgrade" in out
    assert not (tmp_path / "mentorbot.db").exists()


async def test_purge_and_report_on_an_unmigrated_database_say_to_upgrade(tmp_path, empty_database_url):
    (tmp_path / "config.toml").write_text(f"[database]\nurl = {empty_database_url!r}\n")
    for args in (
        ["data", "purge-guild", "1"],
        ["report", "--guild", "1", "--out", str(tmp_path / "out")],
    ):
        code, _, err = await run_cli(*args, cwd=tmp_path, env=clean_env())
        assert code == 2, (args, err)
        assert "run 'mentorbot db upgrade'" in err and "Traceback" not in err, (args, err)
    # No file at all (the default SQLite path) is said the same way, and none is created.
    elsewhere = tmp_path / "fresh"
    elsewhere.mkdir()
    code, _, err = await run_cli("data", "purge-guild", "1", cwd=elsewhere, env=clean_env())
    assert code == 2 and "run 'mentorbot db upgrade'" in err
    assert not (elsewhere / "mentorbot.db").exists()
