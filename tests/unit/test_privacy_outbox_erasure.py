"""An erasure searches the outbox for messages to or naming the member before its unit of work,
so a big server's round does not hold the database meanwhile; what came since is searched inside."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.db.models import OutboxMessage
from bot.messaging import Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.services.privacy.rules import Erasure, erase, scan_outbox

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ALICE, BOB = 21, 22


async def post(db, key: str, target: Target, text: str) -> None:
    async with db.transaction() as session:
        message = OutgoingMessage(cards=(Card(description=text),))
        await enqueue(session, key=key, target=target, message=message, now=NOW, guild_id=1)


async def keys(db) -> set[str]:
    async with db.reading() as session:
        return set((await session.scalars(select(OutboxMessage.dedupe_key))).all())


async def test_messages_naming_her_go_also_those_queued_between_the_search_and_the_erasure(db):
    await post(db, "dm-alice", Target("dm", ALICE), "Your check-in")
    await post(db, "welcome", Target("channel", 500), f"Welcome <@{ALICE}>!")
    await post(db, "dm-bob", Target("dm", BOB), "Your check-in")
    await post(db, "in-flight", Target("channel", 500), f"Cheers to <@{ALICE}>")
    async with db.transaction() as session:  # a send in flight is left to finish
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.dedupe_key == "in-flight").values(status="sending")
        )

    erasure = Erasure(1, ALICE, -5, NOW)
    async with db.reading() as session:
        await scan_outbox(session, erasure)
    assert len(erasure.outbox_found) == 3
    await post(db, "meanwhile", Target("channel", 500), f"<@{ALICE}> reached a milestone")
    async with db.transaction() as session:
        await erase(session, erasure)

    assert await keys(db) == {"dm-bob", "in-flight"}
    assert erasure.counts["outbox: deleted"] == 3
