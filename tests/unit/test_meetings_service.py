from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Meeting, MeetingAttendance, MeetingAvailability, MeetingBurden, OutboxMessage
from bot.domain.meetings import AWKWARD, inconvenience
from bot.errors import Invalid, NotAllowed
from bot.scheduling import SchedulingEngine
from bot.services.actors import Actor
from bot.services.groups import GroupService
from bot.services.groups.homes import BotLacksPermission
from bot.services.meetings import MeetingService, MeetingSweep
from bot.services.privacy.rules import Erasure, erase, new_tombstone
from bot.services.profiles import ProfileService
from bot.services.settings import SettingsService
from tests.support.homes import RecordingHomes

GUILD = 1
ADMIN = Actor(1, is_admin=True)
FACILITATOR, NEW_YORK, KOLKATA = 10, 11, 12


class RecordingCalendar:
    """A MeetingCalendar that keeps its events in memory and can fail like Discord."""

    def __init__(self) -> None:
        self.events: dict[int, object] = {}
        self.cancelled: list[int] = []
        self.fail_with: Exception | None = None
        self._next = 500

    async def create_event(self, request):
        if self.fail_with is not None:
            raise self.fail_with
        for event_id, known in self.events.items():
            if known.marker == request.marker:
                return event_id
        self._next += 1
        self.events[self._next] = request
        return self._next

    async def cancel_event(self, guild_id, event_id):
        self.cancelled.append(event_id)


@pytest.fixture
async def setup(db, clock):
    settings = SettingsService(db)
    scheduler = SchedulingEngine(db, clock)
    groups = GroupService(db, clock, settings, scheduler, RecordingHomes())
    calendar = RecordingCalendar()
    meetings = MeetingService(db, clock, settings, groups, scheduler, calendar)
    sweep = MeetingSweep(db, clock, settings, meetings, scheduler)
    profiles = ProfileService(db, clock, settings)
    group = await groups.create(GUILD, ADMIN, name="Circle", kind="facilitated_peer")
    for user, role, zone in (
        (FACILITATOR, "facilitator", "Europe/London"),
        (NEW_YORK, "peer", "America/New_York"),
        (KOLKATA, "peer", "Asia/Kolkata"),
    ):
        await groups.add_member(GUILD, ADMIN, group.id, user, role)
        await groups.agree(GUILD, user, group.id)
        await profiles.update(GUILD, user, timezone=zone)
    return meetings, sweep, calendar, group


async def outbox_keys(db, prefix: str) -> dict[str, str]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.status).where(
                OutboxMessage.dedupe_key.startswith(prefix)
            )
        )
        return dict(rows.all())


async def confirmed_meeting(meetings, group, clock):
    plan = await meetings.plan(
        GUILD, Actor(FACILITATOR), group.id, times="2026-12-01 14:00, 2026-12-02 14:00"
    )
    first = plan.slots[0].at
    for user in (FACILITATOR, NEW_YORK, KOLKATA):
        await meetings.mark(plan.meeting.id, user, [first])
    return await meetings.confirm(GUILD, Actor(FACILITATOR), group.id)


async def test_publishing_twice_makes_one_event_and_one_announcement(db, clock, setup):
    meetings, sweep, calendar, group = setup
    confirmed = await confirmed_meeting(meetings, group, clock)

    published = await meetings.publish(confirmed.meeting.id)
    assert await meetings.publish(confirmed.meeting.id) is None
    await sweep.run_due()

    assert published.failure is None and published.meeting.event_id in calendar.events
    assert len(calendar.events) == 1
    assert list(await outbox_keys(db, "meeting-announce:")) == [f"meeting-announce:{confirmed.meeting.id}"]
    [event] = calendar.events.values()
    assert event.name == "Mentoring group meeting" and "Circle" not in event.description


async def test_a_refused_event_is_recorded_once_and_the_meeting_still_stands(db, clock, setup):
    meetings, sweep, calendar, group = setup
    calendar.fail_with = BotLacksPermission("Create Events", "in this server")
    confirmed = await confirmed_meeting(meetings, group, clock)

    published = await meetings.publish(confirmed.meeting.id)
    calendar.fail_with = None
    await sweep.run_due()

    assert "Create Events" in published.failure and calendar.events == {}
    assert set(await outbox_keys(db, "meeting-event-failed:")) == {
        f"meeting-event-failed:{confirmed.meeting.id}"
    }
    assert await outbox_keys(db, "meeting-announce:")  # the group is still told, without a link
    reminders = await outbox_keys(db, f"meeting-remind:{confirmed.meeting.id}:")
    assert len(reminders) == 6 and set(reminders.values()) == {"pending"}


async def test_an_unexpected_failure_leaves_the_meeting_for_the_sweep(db, clock, setup):
    meetings, sweep, calendar, group = setup
    calendar.fail_with = ConnectionError("Discord is down")
    confirmed = await confirmed_meeting(meetings, group, clock)
    with pytest.raises(ConnectionError):
        await meetings.publish(confirmed.meeting.id)

    calendar.fail_with = None
    await sweep.run_due()

    async with db.transaction() as session:
        meeting = await session.get(Meeting, confirmed.meeting.id)
    assert meeting.event_id in calendar.events and meeting.event_failure is None


async def test_changing_ones_mind_turns_the_reminders_off_and_on_again(db, clock, setup):
    meetings, _, _, group = setup
    confirmed = await confirmed_meeting(meetings, group, clock)
    mine = f"meeting-remind:{confirmed.meeting.id}:{NEW_YORK}:"

    await meetings.rsvp(confirmed.meeting.id, NEW_YORK, going=False)
    assert set((await outbox_keys(db, mine)).values()) == {"cancelled"}
    await meetings.rsvp(confirmed.meeting.id, NEW_YORK, going=True)
    assert set((await outbox_keys(db, mine)).values()) == {"pending"}
    with pytest.raises(NotAllowed, match="Only the members"):
        await meetings.rsvp(confirmed.meeting.id, 99, going=True)


async def test_marks_must_be_the_polls_times_and_come_from_members(setup):
    meetings, _, _, group = setup
    plan = await meetings.plan(GUILD, Actor(FACILITATOR), group.id, times="2026-12-01 14:00")
    with pytest.raises(Invalid, match="poll's list"):
        await meetings.mark(plan.meeting.id, NEW_YORK, [datetime(2026, 12, 1, 15, tzinfo=UTC)])
    with pytest.raises(NotAllowed, match="Only the members"):
        await meetings.mark(plan.meeting.id, 99, [plan.slots[0].at])
    with pytest.raises(Invalid, match="Nobody has marked"):
        await meetings.confirm(GUILD, Actor(FACILITATOR), group.id)


async def test_recurring_meetings_rotate_the_awkward_hours_between_new_york_and_kolkata(db, clock, setup):
    meetings, sweep, calendar, group = setup
    # Only New York and Kolkata meet: no hour of a day is easy for both, so someone always carries one.
    await meetings._groups.remove_member(GUILD, ADMIN, group.id, FACILITATOR)
    await meetings.start_series(GUILD, ADMIN, group.id, weekday=2, every_weeks=1)

    worst = []
    for _week in range(6):
        made = await sweep.run_due()
        assert made == 1 and await sweep.run_due() == 0
        async with db.transaction() as session:
            meeting = (await session.scalars(select(Meeting).order_by(Meeting.id.desc()).limit(1))).one()
        scores = {
            user: inconvenience(meeting.starts_at.astimezone(ZoneInfo(zone)))
            for user, zone in ((NEW_YORK, "America/New_York"), (KOLKATA, "Asia/Kolkata"))
        }
        worst.append(max(scores, key=lambda user: (scores[user], user)))
        assert max(scores.values()) < AWKWARD  # a fair hour exists every week: nobody gets an awkward one
        clock.set(meeting.starts_at + timedelta(hours=2))

    # In winter 09:00 in New York is 19:30 in Kolkata: cheap, but always Kolkata's evening. Once Kolkata
    # has carried enough of those, New York takes an early (not an awkward) morning: the turns rotate
    # among the fair hours, and nobody is handed an awkward hour to even the ledger.
    assert Counter(worst)[NEW_YORK] >= 1 and Counter(worst)[KOLKATA] >= 1
    async with db.transaction() as session:
        ledger = {r.user_id: r.burden for r in (await session.scalars(select(MeetingBurden))).all()}
    assert ledger[NEW_YORK] > 0 and ledger[KOLKATA] > 0
    assert len(calendar.events) == 6


async def test_an_erased_member_leaves_no_marks_and_a_pseudonym_in_the_groups_numbers(db, clock, setup):
    meetings, _, _, group = setup
    confirmed = await confirmed_meeting(meetings, group, clock)
    erasure = Erasure(GUILD, NEW_YORK, new_tombstone(), clock.now())
    async with db.transaction() as session:
        await erase(session, erasure)

    async with db.transaction() as session:
        marks = (await session.scalars(select(MeetingAvailability.user_id))).all()
        attendance = (await session.scalars(select(MeetingAttendance.user_id))).all()
        ledger = (await session.scalars(select(MeetingBurden.user_id))).all()
    assert NEW_YORK not in marks and sorted(marks) == [FACILITATOR, KOLKATA]
    assert NEW_YORK not in attendance and erasure.tombstone in attendance and len(attendance) == 3
    assert NEW_YORK not in ledger and erasure.tombstone in ledger
    assert (await meetings.overview(GUILD, ADMIN, group.id)).upcoming[0].going == 3
    assert confirmed.meeting.id
