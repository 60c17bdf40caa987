import asyncio

from bot.db.models import Group
from bot.scheduling import SchedulingEngine
from bot.services.activity import ActivityService
from bot.services.rescue import GroupRescue

HOME = 500


async def test_a_message_while_the_sweep_runs_still_starts_the_rescue_over(db, clock):
    async with db.transaction() as session:
        session.add(
            Group(
                guild_id=1,
                name="Quiet pair",
                name_key="quiet pair",
                kind="one_to_one",
                home_channel_id=HOME,
                created_by=1,
                created_at=clock.now(),
            )
        )
    rescue, activity = GroupRescue(SchedulingEngine(db, clock)), ActivityService(db, clock)
    clock.advance(days=30)

    async with db.transaction() as session:
        await rescue.sweep(session, clock.now())  # the pair is quiet: stage 1
        message = asyncio.create_task(activity.message_in(1, HOME))  # someone speaks meanwhile
        await asyncio.wait({message}, timeout=0.3)
    await message

    async with db.transaction() as session:
        group = await session.get(Group, 1)
    assert (group.last_activity_at, group.rescue_stage, group.rescue_at) == (clock.now(), 0, None)
