"""The bot as real OS processes sharing one database and one (fake) Discord: a crash mid-round and
two processes at once still deliver each check-in exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db.engine import Database
from tests.e2e.test_cli import clean_env
from tests.fake_discord import FakeDiscord
from tests.support.bot import TOKEN
from tests.support.rounds import add_members, dm_counts, outbox_statuses, schedule_missed_round, seed_group

REPO = Path(__file__).resolve().parents[2]


class BotProcess:
    """One `python -m bot run` against the fake; its log goes to a file shown when a test fails."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.name = name
        self.process = process
        self.log = log

    def output(self) -> str:
        return f"--- {self.name} (exit {self.process.returncode}) ---\n{self.log.read_text(errors='replace')}"


@contextlib.asynccontextmanager
async def bot_processes() -> AsyncIterator[list[BotProcess]]:
    """Yield a list that :func:`start` fills; stop whatever still runs at the end (SIGTERM)."""
    started: list[BotProcess] = []
    try:
        yield started
    except BaseException:
        for bot in started:
            print(bot.output())
        raise
    finally:
        for bot in started:
            if bot.process.returncode is None:
                bot.process.send_signal(signal.SIGTERM)
        for bot in started:
            try:
                await asyncio.wait_for(bot.process.wait(), 15)
            except TimeoutError:
                bot.process.kill()
                await bot.process.wait()


async def start(
    started: list[BotProcess],
    fake: FakeDiscord,
    database_url: str,
    workdir: Path,
    *,
    stale_claim_seconds: float = 2,
    shard_count: int | None = None,
    shard_ids: list[int] | None = None,
    nonce_memory_seconds: float | None = None,
) -> BotProcess:
    """Start `python -m bot run` with a config pointing at ``fake`` and ``database_url``."""
    name = f"bot{len(started) + 1}"
    discord: dict[str, object] = {"api_base_url": fake.api_base_url}
    if nonce_memory_seconds is not None:
        discord["nonce_memory_seconds"] = nonce_memory_seconds
    if shard_count is not None:
        discord |= {"shard_count": shard_count, "shard_ids": shard_ids}
    config = {
        "discord": discord,
        "database": {"url": database_url},
        "scheduler": {"dispatch_interval_seconds": 0.5, "stale_claim_seconds": stale_claim_seconds},
        "logging": {"level": "INFO"},
    }
    path = workdir / f"{name}.toml"
    path.write_text(_toml(config))
    log = workdir / f"{name}.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(path),
            "run",
            "--no-migrate",  # the test's database is migrated; two processes must not race to do it
            cwd=REPO,
            env=clean_env(MENTORBOT_TOKEN=TOKEN, PYTHONPATH=str(REPO)),
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
    bot = BotProcess(name, process, log)
    started.append(bot)
    return bot


def _toml(config: dict[str, dict[str, object]]) -> str:
    # JSON strings, numbers and lists of numbers are valid TOML values.
    return "".join(
        f"[{section}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
        for section, values in config.items()
    )


async def until(check, within: float, *bots: BotProcess) -> None:
    """Wait for ``check()``; fail early, with its log, when a bot process dies meanwhile."""

    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        for bot in bots:
            if bot.process.returncode is not None:
                raise AssertionError(f"{bot.name} exited early\n{bot.output()}")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.1)  # the fake serves the bots from this loop meanwhile


@pytest.fixture
async def fast_fake():
    """A fake without the global limit: two processes each pace themselves at 48/s."""
    server = FakeDiscord(token=TOKEN, global_rate_limit=None)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def database(database_url):
    db = Database.from_url(database_url)
    yield db
    await db.dispose()


def postgresql_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("two processes at once need PostgreSQL (SQLite is one machine, one process)")


def message_posts_by_nonce(fake: FakeDiscord) -> Counter[str]:
    return Counter(
        r.json["nonce"]
        for r in fake.requests_to("POST", "/channels/{channel_id}/messages")
        if r.status == 200 and r.json and r.json.get("nonce")
    )


async def test_two_processes_given_the_same_shards_send_each_check_in_once(
    fast_fake, database_url, database, tmp_path
):
    postgresql_only(database_url)
    fake = fast_fake
    owner = fake.add_user("olivia")
    guild = fake.add_guild("Peer Mentoring", owner=owner)
    members = add_members(fake, guild, 300)
    now = datetime.now(UTC)
    dms = {u.id: fake.dm_channel(u).id for u in members}
    group_id = await seed_group(database, guild.id, members, at=now, dm_channels=dms)
    await schedule_missed_round(database, now, {guild.id: group_id})

    async with bot_processes() as started:
        # A claim outlives the round here: any double send would come from a double claim.
        first = await start(started, fake, database_url, tmp_path, stale_claim_seconds=60)
        second = await start(started, fake, database_url, tmp_path, stale_claim_seconds=60)

        async def all_sent() -> bool:
            return (await outbox_statuses(database)) == {"sent": 300}

        await until(all_sent, 60, first, second)

    assert dm_counts(fake, members) == {1: 300}
    assert set(message_posts_by_nonce(fake).values()) == {1}  # the claims, not the nonces, kept it once
    # Both processes took part (each identified), and neither sent what the other had claimed.
    assert len(fake.identify_payloads) >= 2
    assert fake.unknown_requests == []


async def test_two_processes_on_their_own_shards_each_deliver_their_servers_round(
    fast_fake, database_url, database, tmp_path
):
    postgresql_only(database_url)
    fake = fast_fake
    owner = fake.add_user("olivia")
    guilds = [fake.add_guild(f"Campus {s}", owner=owner, shard_id=s, shard_count=2) for s in (0, 1)]
    members = {g.id: add_members(fake, g, 100, prefix=f"{g.name}-") for g in guilds}
    now = datetime.now(UTC)
    groups = {}
    for guild in guilds:
        dms = {u.id: fake.dm_channel(u).id for u in members[guild.id]}
        groups[guild.id] = await seed_group(database, guild.id, members[guild.id], at=now, dm_channels=dms)
    await schedule_missed_round(database, now, groups)
    first, second = guilds

    async def all_sent(guild) -> bool:
        return (await outbox_statuses(database, guild.id)) == {"sent": 100}

    async with bot_processes() as started:
        shard0 = await start(started, fake, database_url, tmp_path, shard_count=2, shard_ids=[0])
        await until(lambda: all_sent(first), 30, shard0)
        # Both rounds fell due together: the shard-0 process planned and sent only its own server's.
        assert (await outbox_statuses(database, second.id)) == {}
        assert dm_counts(fake, members[second.id]) == {0: 100}

        shard1 = await start(started, fake, database_url, tmp_path, shard_count=2, shard_ids=[1])
        await until(lambda: all_sent(second), 30, shard0, shard1)

    for guild in guilds:
        assert dm_counts(fake, members[guild.id]) == {1: 100}, guild.name
    assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
    assert fake.unknown_requests == []


async def test_a_process_killed_mid_round_is_replaced_and_every_check_in_arrives_once(
    fake, database_url, database, tmp_path
):
    owner = fake.add_user("olivia")
    guild = fake.add_guild("Peer Mentoring", owner=owner)
    members = add_members(fake, guild, 1000)
    now = datetime.now(UTC)
    dms = {u.id: fake.dm_channel(u).id for u in members}
    group_id = await seed_group(database, guild.id, members, at=now, dm_channels=dms)
    await schedule_missed_round(database, now, {guild.id: group_id})

    def delivered() -> int:
        return sum(len(fake.world.dm_channels[u.id].messages) for u in members)

    async with bot_processes() as started:
        doomed = await start(started, fake, database_url, tmp_path)

        async def mid_round() -> bool:
            return delivered() >= 300

        await until(mid_round, 60, doomed)
        # Killed while Discord has made some messages but their answers are still on the way:
        # the process dies without recording them as sent.
        in_flight = fake.hold_answers("POST", "/channels/{channel_id}/messages")
        await fake.hub.wait_for(lambda: in_flight.waiting >= 3, 5, "messages in flight")
        os.kill(doomed.process.pid, signal.SIGKILL)
        assert await doomed.process.wait() == -signal.SIGKILL
        in_flight.release()
        assert delivered() < 1000

        replacement = await start(started, fake, database_url, tmp_path)

        async def all_sent() -> bool:
            return (await outbox_statuses(database)) == {"sent": 1000}

        await until(all_sent, 60, replacement)

    assert dm_counts(fake, members) == {1: 1000}
    # The messages made but not recorded were sent again, and Discord answered with the first one.
    resent = Counter(message_posts_by_nonce(fake).values())
    assert set(resent) == {1, 2} and resent[2] >= in_flight.waiting
    assert fake.unknown_requests == []
