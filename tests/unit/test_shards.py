"""Several processes, one database: each handles the servers of its own shards."""


from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.messaging import OutgoingMessage, Target
from bot.messaging.outbox import OutboxDispatcher, enqueue
from bot.scheduling.shards import ShardScope
from tests.support.notifier import RecordingNotifier


def guild_on(shard: int, count: int = 3, n: int = 1) -> int:
    """Return a server id that Discord puts on ``shard`` of ``count`` (ids are big, like real ones)."""
    return ((1_200_000_000_000 + n * count + shard) << 22) | 1234


def test_a_server_belongs_to_the_shard_discord_puts_it_on():
    scope = ShardScope.of(3, [1, 2])
    assert not scope.owns(guild_on(0))
    assert scope.owns(guild_on(1)) and scope.owns(guild_on(2))
    assert not scope.owns(None)  # work of no server is shard 0's
    assert ShardScope.of(3, [0]).owns(None)


def test_one_process_with_every_shard_owns_everything():
    for scope in (ShardScope(), ShardScope.of(None, None), ShardScope.of(2, None), ShardScope.of(2, [1, 0])):
        assert scope.is_everything
        assert all(scope.owns(guild_on(s, 2)) for s in (0, 1)) and scope.owns(None)


async def test_the_sql_condition_agrees_with_discord_on_both_databases(db, clock):
    servers = [guild_on(shard, 3, n) for shard in range(3) for n in range(4)] + [None]
    async with db.transaction() as session:
        for i, guild_id in enumerate(servers):
            await enqueue(
                session,
                key=f"k{i}",
                target=Target("channel", 1),
                message=OutgoingMessage(content="hi"),
                now=clock.now(),
                guild_id=guild_id,
            )
    for ids in ([0], [1], [0, 2], [2]):
        scope = ShardScope.of(3, ids)
        async with db.transaction() as session:
            found = set(
                await session.scalars(
                    select(OutboxMessage.guild_id).where(scope.clause(OutboxMessage.guild_id))
                )
            )
        assert found == {g for g in servers if scope.owns(g)}, ids


async def test_each_process_sends_only_its_servers_messages(db, clock):
    mine, theirs = guild_on(0, 2), guild_on(1, 2)
    async with db.transaction() as session:
        for key, guild_id in (("mine", mine), ("theirs", theirs), ("nobody's", None)):
            await enqueue(
                session,
                key=key,
                target=Target("channel", 7),
                message=OutgoingMessage(content=key),
                now=clock.now(),
                guild_id=guild_id,
            )
    first, second = RecordingNotifier(), RecordingNotifier()
    await OutboxDispatcher(db, clock, first, scope=ShardScope.of(2, [0])).dispatch_due()
    await OutboxDispatcher(db, clock, second, scope=ShardScope.of(2, [1])).dispatch_due()
    assert sorted(m.content for _, m, _ in first.sent) == ["mine", "nobody's"]
    assert [m.content for _, m, _ in second.sent] == ["theirs"]
