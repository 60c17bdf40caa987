from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.scheduling import SchedulingEngine
from bot.services.actors import Actor
from bot.services.goals import GoalService
from bot.services.goals import nudges as goal_nudges
from bot.services.groups import GroupService
from bot.services.settings import SettingsService
from tests.support.homes import RecordingHomes

GUILD, ALICE = 1, Actor(10)


async def test_a_milestone_named_twice_is_ticked_off_where_it_stands_in_the_list(db, clock):
    settings, engine = SettingsService(db), SchedulingEngine(db, clock)
    goals = GoalService(
        db, clock, settings, GroupService(db, clock, settings, engine, RecordingHomes()), engine
    )
    goal = await goals.set_goal(GUILD, ALICE, title="Submit the R01")
    await goals.add_milestone(GUILD, ALICE, str(goal.id), "Draft")
    added = await goals.add_milestone(GUILD, ALICE, str(goal.id), "Draft")
    moved = await goals.move_milestone(GUILD, ALICE, str(goal.id), str(added.milestones[1].id), 1)

    ticked = await goals.check_milestone(GUILD, ALICE, str(goal.id), "draft")

    assert [m.id for m in ticked.milestones] == [m.id for m in moved.milestones]
    assert [m.done for m in ticked.milestones] == [True, False]


async def test_the_sweep_nudges_each_quiet_goal_once_across_slices_and_repeated_runs(db, clock, monkeypatch):
    monkeypatch.setattr(goal_nudges, "SLICE", 2)
    settings, engine = SettingsService(db), SchedulingEngine(db, clock)
    goals = GoalService(
        db, clock, settings, GroupService(db, clock, settings, engine, RecordingHomes()), engine
    )
    for n in range(5):
        await goals.set_goal(GUILD, Actor(10 + n), title=f"Goal {n}")
    nudges = goal_nudges.GoalNudges(db, clock, settings, engine, stale_after_days=10)
    clock.advance(days=11)

    await nudges.run_sweep()
    clock.advance(minutes=20)
    await nudges.run_sweep()  # the next sweep (or a second process): no second nudge

    async with db.transaction() as session:
        keys = list(await session.scalars(select(OutboxMessage.dedupe_key)))
    assert sorted(k.split(":")[0] for k in keys if k.startswith("goal-nudge")) == ["goal-nudge"] * 5
