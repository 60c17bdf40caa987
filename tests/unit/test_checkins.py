from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.db.models import CheckinDelivery, OutboxMessage
from bot.domain.checkin_questions import DEFAULT_QUESTIONS, check_answers, parse_question_lines
from bot.errors import Invalid
from bot.scheduling import SchedulingEngine
from bot.services.actors import Actor
from bot.services.checkins import CheckinService, fan_out, planner
from bot.services.groups import GroupService
from bot.services.profiles import ProfileService
from bot.services.settings import SettingsService
from tests.support.homes import RecordingHomes

GUILD, ADMIN = 1, Actor(1, is_admin=True)
DENVER = ZoneInfo("America/Denver")


@pytest.fixture
async def world(db, clock):
    clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    engine = SchedulingEngine()
    settings = SettingsService(db)
    groups = GroupService(db, clock, settings, engine, RecordingHomes())
    checkins = CheckinService(db, clock, settings, groups, engine)
    profiles = ProfileService(db, clock, settings)
    group = await groups.create(GUILD, ADMIN, name="Circle", kind="peer")
    for user_id, zone in ((10, "America/Denver"), (11, "Asia/Tokyo")):
        await profiles.update(GUILD, user_id, timezone=zone)
        await groups.add_member(GUILD, ADMIN, group.id, user_id, "peer")
    return engine, checkins, profiles, group


async def deliveries(db, user_id):
    async with db.transaction() as session:
        return (
            await session.scalars(
                select(CheckinDelivery)
                .where(CheckinDelivery.user_id == user_id)
                .order_by(CheckinDelivery.due_at)
            )
        ).all()


async def test_the_planner_plans_each_local_nine_oclock_across_a_dst_change(db, clock, world):
    _, checkins, _, group = world
    await checkins.create_schedule(GUILD, ADMIN, group.id, kind="daily", time="09:00")
    for hour in range(24 * 3):  # three days, the planner running every hour
        clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC) + timedelta(hours=hour))
        await checkins.run_planner()
    denver = [d.due_at.astimezone(DENVER) for d in await deliveries(db, 10)]
    assert [(d.day, d.hour, d.minute) for d in denver] == [
        (30, 9, 0),
        (31, 9, 0),
        (1, 9, 0),
    ]  # across DST's end


async def test_quiet_hours_delay_the_check_in_until_they_end(db, clock, world):
    _engine, checkins, profiles, group = world
    await profiles.update(GUILD, 10, quiet_hours="06:00-10:30")
    await checkins.create_schedule(GUILD, ADMIN, group.id, kind="daily", time="09:00")
    clock.set(datetime(2026, 10, 31, 17, 0, tzinfo=UTC))
    await checkins.run_planner()
    due = [d.due_at.astimezone(DENVER).strftime("%d %H:%M") for d in await deliveries(db, 10)]
    assert due == ["30 10:30", "31 10:30"]


async def test_a_member_on_a_break_gets_nothing_until_it_ends(db, clock, world):
    _, checkins, _profiles, group = world
    async with db.transaction() as session:
        from bot.db.models import MemberProfile

        profile = await session.get(MemberProfile, (GUILD, 10))
        profile.checkins_paused_until = datetime(2026, 10, 31).date()
    await checkins.create_schedule(GUILD, ADMIN, group.id, kind="daily", time="09:00")
    for day in (31, 1):
        clock.set(datetime(2026, 10 if day == 31 else 11, day, 9, 0, tzinfo=DENVER))
        await checkins.run_planner()
    assert [d.round_date.day for d in await deliveries(db, 10)] == [1]  # not 30 or 31 October


async def test_planning_twice_records_and_enqueues_once(db, clock, world):
    _, checkins, _, group = world
    await checkins.create_schedule(GUILD, ADMIN, group.id, kind="daily", time="09:00", reminder_hours=2)
    clock.set(datetime(2026, 10, 31, 9, 0, tzinfo=DENVER))
    await checkins.run_planner()
    await checkins.run_planner()
    async with db.transaction() as session:
        keys = (
            await session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.target_id == 10))
        ).all()
    recorded = await deliveries(db, 10)
    assert [d.status for d in recorded] == ["missed", "scheduled"]  # 30 October passed while "down"
    expected = sorted(f"{kind}:{recorded[1].id}" for kind in ("checkin", "checkin-reminder"))
    assert sorted(k for k in keys if "checkin" in k) == expected


async def test_deleting_a_schedule_cancels_its_unsent_check_ins_and_every_pending_reminder(db, clock, world):
    _, checkins, _, group = world
    schedule = await checkins.create_schedule(
        GUILD, ADMIN, group.id, kind="daily", time="09:00", reminder_hours=2
    )
    clock.set(datetime(2026, 10, 31, 9, 0, tzinfo=DENVER))
    await checkins.run_planner()
    [sent] = [d for d in await deliveries(db, 10) if d.status == "scheduled"]  # say it went out
    async with db.transaction() as session:
        row = await session.get(CheckinDelivery, sent.id)
        row.status = "sent"
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key == f"checkin:{sent.id}")
            .values(status="sent")
        )

    await checkins.delete_schedule(GUILD, ADMIN, schedule.id)

    async with db.transaction() as session:
        statuses = dict((await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status))).all())
    # Nothing of the schedule is left to send (no reminder for a deleted schedule); its records go
    # with its deliveries, whose ids SQLite may give again to the next schedule's.
    assert not [k for k in statuses if k.startswith(("checkin:", "checkin-reminder:"))]

    await checkins.create_schedule(GUILD, ADMIN, group.id, kind="daily", time="09:00", reminder_hours=2)
    clock.set(datetime(2026, 11, 1, 9, 0, tzinfo=DENVER))
    await checkins.run_planner()
    [fresh] = [d for d in await deliveries(db, 10) if d.status == "scheduled"]
    async with db.transaction() as session:
        status = await session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.dedupe_key == f"checkin:{fresh.id}")
        )
    assert status == "pending"  # the new schedule's check-in goes, whatever id it got


def test_custom_question_sets_are_checked():
    questions = parse_question_lines("[scale] Energy?\nWhat did you write?\n[long] What's in the way?")
    assert [q.kind for q in questions] == ["scale", "short", "long"]
    with pytest.raises(Invalid, match="1 to 5"):
        parse_question_lines("\n".join(f"Q{n}?" for n in range(6)))
    with pytest.raises(Invalid, match="45"):
        parse_question_lines("x" * 46)


async def test_a_question_set_name_too_long_once_spelled_out_is_refused_clearly(world):
    _, checkins, _, _ = world
    name = "Wöchentliche Fragen für die Gruppe an der Großen Straße 1234"  # 60 characters, 62 as "ss"

    with pytest.raises(Invalid, match="spelled out"):
        await checkins.create_question_set(GUILD, ADMIN, name, "How are you?")
    await checkins.create_question_set(GUILD, ADMIN, name[:55], "How are you?")

    assert [n for _, n in await checkins.question_sets(GUILD)] == [name[:55]]


def test_answers_respect_their_limits():
    with pytest.raises(Invalid, match="1 to 5"):
        check_answers(DEFAULT_QUESTIONS, ["7", "", "", ""])
    with pytest.raises(Invalid, match="at most 1500"):
        check_answers(DEFAULT_QUESTIONS, ["3", "x" * 1501, "", ""])
    with pytest.raises(Invalid, match="empty"):
        check_answers(DEFAULT_QUESTIONS, ["", " ", "", ""])
    assert check_answers(DEFAULT_QUESTIONS, ["3", "ok", "", ""])[1]["value"] == "ok"


async def test_a_closed_round_gets_one_digest_in_the_groups_home(db, clock, world):
    _, checkins, _, group = world
    await checkins.create_schedule(GUILD, ADMIN, group.id, kind="daily", time="09:00")
    clock.set(datetime(2026, 10, 31, 9, 0, tzinfo=DENVER))
    await checkins.run_planner()
    clock.advance(days=2)  # both members' times and the round's 24 hours are past
    await checkins.run_planner()
    await checkins.run_planner()

    async with db.transaction() as session:
        digests = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("checkin-digest:"))
            )
        )
    assert len(digests) >= 1
    assert len({d.dedupe_key for d in digests}) == len(digests)  # one per round
    assert all(d.target_kind == "channel" and d.target_id == group.home.channel_id for d in digests)
    assert any("members checked in" in str(d.payload) for d in digests)


async def _groups_with_schedules(db, clock, count):
    """Make ``count`` groups of two members (no profile: UTC) with a daily 09:00 schedule each."""
    engine = SchedulingEngine()
    settings = SettingsService(db)
    groups = GroupService(db, clock, settings, engine, RecordingHomes())
    checkins = CheckinService(db, clock, settings, groups, engine)
    for n in range(count):
        group = await groups.create(GUILD, ADMIN, name=f"Circle {n}", kind="peer")
        for user_id in (100 + 2 * n, 101 + 2 * n):
            await groups.add_member(GUILD, ADMIN, group.id, user_id, "peer")
        await checkins.create_schedule(GUILD, ADMIN, group.id, kind="daily", time="09:00")
    return checkins


async def test_a_round_planned_in_many_slices_reaches_every_member_once(db, clock, monkeypatch):
    clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    checkins = await _groups_with_schedules(db, clock, 7)
    monkeypatch.setattr(planner, "SCHEDULE_SLICE", 2)  # four slices, two at once on PostgreSQL
    clock.set(datetime(2026, 10, 31, 9, 0, tzinfo=UTC))
    assert await checkins.run_planner() == 7
    assert await checkins.run_planner() == 0
    async with db.transaction() as session:
        rounds = (
            await session.execute(
                select(CheckinDelivery.user_id, CheckinDelivery.status).where(
                    CheckinDelivery.round_date == datetime(2026, 10, 31).date()
                )
            )
        ).all()
        dms = (
            await session.scalars(
                select(OutboxMessage.target_id).where(OutboxMessage.dedupe_key.like("checkin:%"))
            )
        ).all()
    assert sorted(rounds) == [(user_id, "scheduled") for user_id in range(100, 114)]
    assert sorted(dms) == list(range(100, 114))


async def test_a_failing_slice_stops_the_slices_after_it_and_is_raised_as_it_is(db, clock, monkeypatch):
    clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    checkins = await _groups_with_schedules(db, clock, 7)
    monkeypatch.setattr(planner, "SCHEDULE_SLICE", 2)
    record = fan_out.record_deliveries
    slices = []

    async def second_slice_fails(session, occurrences):
        slices.append(occurrences)
        if len(slices) == 2:
            raise ConnectionResetError("the database went away")
        await record(session, occurrences)

    monkeypatch.setattr(fan_out, "record_deliveries", second_slice_fails)
    clock.set(datetime(2026, 10, 31, 9, 0, tzinfo=UTC))
    with pytest.raises(ConnectionResetError, match="went away"):
        await checkins.run_planner()
    # The last slice never started (on PostgreSQL the third may have, alongside the failing one).
    assert len(slices) < 4
    monkeypatch.setattr(fan_out, "record_deliveries", record)
    await checkins.run_planner()  # the next run plans what was left, and nothing twice
    async with db.transaction() as session:
        users = (
            await session.scalars(
                select(CheckinDelivery.user_id).where(
                    CheckinDelivery.round_date == datetime(2026, 10, 31).date()
                )
            )
        ).all()
    assert sorted(users) == list(range(100, 114))
