import asyncio

from sqlalchemy import select

from bot.db.models import Group
from bot.scheduling import SchedulingEngine
from bot.scheduling.shards import ShardScope
from bot.services import rescue as rescue_module
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
    rescue, activity = GroupRescue(db, clock, SchedulingEngine()), ActivityService(db, clock)
    clock.advance(days=30)

    async with db.transaction() as session:
        await rescue.sweep(session, clock.now())  # the pair is quiet: stage 1
        message = asyncio.create_task(activity.message_in(1, HOME))  # someone speaks meanwhile
        await asyncio.wait({message}, timeout=0.3)
    await message

    async with db.transaction() as session:
        group = await session.get(Group, 1)
    assert (group.last_activity_at, group.rescue_stage, group.rescue_at) == (clock.now(), 0, None)


async def test_the_sweep_moves_every_quiet_group_of_its_shards_in_slices(db, clock, monkeypatch):
    monkeypatch.setattr(rescue_module, "GROUP_SLICE", 2)
    mine, theirs = (1_300_000_000_000 << 22), ((1_300_000_000_001) << 22)  # shards 0 and 1 of 2
    async with db.transaction() as session:
        for n, guild_id in enumerate([mine] * 5 + [theirs] * 2):
            session.add(
                Group(
                    guild_id=guild_id,
                    name=f"Group {n}",
                    name_key=f"group {n}",
                    kind="peer",
                    created_by=1,
                    created_at=clock.now(),
                )
            )
    rescue = GroupRescue(db, clock, SchedulingEngine(ShardScope.of(2, [0])))
    clock.advance(days=30)
    await rescue.run_sweep()
    await rescue.run_sweep()  # again within the period: nobody moves a second step

    async with db.transaction() as session:
        stages = sorted((g.guild_id == mine, g.rescue_stage) for g in await session.scalars(select(Group)))
    assert stages == [(False, 0)] * 2 + [(True, 1)] * 5
