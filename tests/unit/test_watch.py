from datetime import timedelta

from sqlalchemy import select

from bot.db.models import ConversationPromptSchedule, Group, WatchRecord
from bot.scheduling import SchedulingEngine
from bot.scheduling.shards import ShardScope
from bot.services.activity import ActivityService
from bot.services.rescue import GroupRescue
from bot.services.watch import Watch

HOME, LOUNGE = 500, 600


async def notes(db) -> dict[str, object]:
    async with db.reading() as session:
        return dict((await session.execute(select(WatchRecord.scope, WatchRecord.seen_at))).all())


async def started(db, clock, scope: ShardScope | None = None) -> Watch:
    watch = Watch(db, clock, SchedulingEngine(scope))
    await watch.begin()
    return watch


async def test_a_first_start_has_nothing_to_look_back_over_and_a_later_one_its_time_away(db, clock):
    first = await started(db, clock)
    assert first.away() is None
    assert first.watched() == ShardScope()  # every server's quiet is known: nothing went unseen
    first.caught_up(0, 1)
    await first.note()
    stopped = clock.now()

    clock.advance(days=3)
    again = await started(db, clock)

    assert again.away() == (stopped, clock.now())


async def test_the_note_waits_until_every_shard_of_the_process_caught_up(db, clock):
    process = await started(db, clock, ShardScope.of(4, [0, 1]))
    process.caught_up(0, 4)
    await process.note()
    assert await notes(db) == {}  # stopped now, its next start must look back over all of it

    process.caught_up(1, 4)
    await process.note()
    assert await notes(db) == {"4:0": clock.now(), "4:1": clock.now()}


async def test_shards_divided_differently_look_back_from_the_oldest_note(db, clock):
    one = await started(db, clock)
    one.caught_up(0, 1)
    await one.note()
    oldest = clock.now()
    clock.advance(hours=1)
    other = await started(db, clock, ShardScope.of(4, [3]))
    other.caught_up(3, 4)
    await other.note()
    clock.advance(hours=1)

    resharded = await started(db, clock, ShardScope.of(8, [5]))

    assert resharded.away() == (oldest, clock.now())


async def test_the_rescue_waits_for_a_shard_to_catch_up(db, clock):
    async with db.transaction() as session:
        session.add(
            Group(
                guild_id=1, name="Quiet", name_key="quiet", kind="peer", created_by=1, created_at=clock.now()
            )
        )
    before = await started(db, clock)
    before.caught_up(0, 1)
    await before.note()
    clock.advance(days=30)  # the bot was down since
    scheduler = SchedulingEngine()
    watch = Watch(db, clock, scheduler)
    await watch.begin()
    rescue = GroupRescue(db, clock, scheduler, watch=watch)

    await rescue.run_sweep()
    async with db.reading() as session:
        assert (await session.get(Group, 1)).rescue_stage == 0  # it may have talked while the bot was down

    watch.caught_up(0, 1)
    await rescue.run_sweep()
    async with db.reading() as session:
        assert (await session.get(Group, 1)).rescue_stage == 1


async def test_messages_written_while_away_move_homes_and_lounges_forward_never_back(db, clock):
    began = clock.now()
    async with db.transaction() as session:
        for n, (home, stage) in enumerate([(HOME, 1), (HOME + 1, 2), (HOME + 2, 0)]):
            session.add(
                Group(
                    guild_id=1,
                    name=f"Group {n}",
                    name_key=f"group {n}",
                    kind="peer",
                    home_channel_id=home,
                    created_by=1,
                    created_at=began,
                    last_activity_at=began + timedelta(days=n * 10),
                    rescue_stage=stage,
                    rescue_at=began,
                )
            )
        session.add(
            ConversationPromptSchedule(
                guild_id=1,
                channel_id=LOUNGE,
                every_days=1,
                anchor_day=began.date(),
                zone="UTC",
                window_start=9 * 60,
                window_end=17 * 60,
                created_by=1,
                created_at=began,
            )
        )
    written = began + timedelta(days=15)

    await ActivityService(db, clock).written_while_away({HOME: written, HOME + 2: written, LOUNGE: written})

    async with db.reading() as session:
        groups = (await session.scalars(select(Group).order_by(Group.id))).all()
        lounge = await session.scalar(select(ConversationPromptSchedule))
    moved = [(g.last_activity_at, g.rescue_stage) for g in groups]
    assert moved == [
        (written, 0),  # written in while the bot was down: alive, its rescue starts over
        (began + timedelta(days=10), 2),  # nothing written: as it was
        (began + timedelta(days=20), 0),  # active later than that message already: kept
    ]
    assert lounge.last_activity_at == written
