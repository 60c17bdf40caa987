from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.domain.goals import Clock
from bot.domain.meeting_plans import (
    MAX_SLOTS,
    Reminder,
    before_quiet_hours,
    best_slot,
    day_slots,
    next_series_day,
    parse_slot_times,
    reminder_times,
    suggest_slots,
)
from bot.domain.meetings import AWKWARD, NIGHT, inconvenience
from bot.errors import Invalid

LONDON, NEW_YORK, KOLKATA, SYDNEY = "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def local(zone, *args):
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


# -- typed times -----------------------------------------------------------------------------------


def test_typed_times_are_read_on_the_facilitators_clock_and_sorted():
    times = parse_slot_times("2026-12-02 09:30; Tue 14:00\ntomorrow 5pm", NEW_YORK, NOW)

    assert times == (
        local(NEW_YORK, 2026, 11, 24, 14),  # Tuesday
        local(NEW_YORK, 2026, 11, 24, 17),  # tomorrow
        local(NEW_YORK, 2026, 12, 2, 9, 30),
    )


def test_a_weekday_means_today_only_while_that_time_is_ahead():
    # 08:00 UTC is 03:00 in New York on Monday 23 November.
    assert parse_slot_times("Mon 09:00", NEW_YORK, NOW) == (local(NEW_YORK, 2026, 11, 23, 9),)
    assert parse_slot_times("Monday 2:00", NEW_YORK, NOW) == (local(NEW_YORK, 2026, 11, 30, 2),)


def test_the_hour_the_clocks_skip_is_refused_and_the_repeated_one_means_its_first_pass():
    spring = datetime(2027, 3, 1, tzinfo=UTC)
    with pytest.raises(Invalid, match="clocks skip"):
        parse_slot_times("2027-03-14 02:30", NEW_YORK, spring)
    autumn = datetime(2026, 10, 20, tzinfo=UTC)
    assert parse_slot_times("2026-11-01 01:30", NEW_YORK, autumn) == (utc(2026, 11, 1, 5, 30),)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "at least one"),
        ("noon-ish", "can't read"),
        ("2026-02-30 10:00", "not a date"),
        ("Tue 25:00", "not a time of day"),
        ("Funday 10:00", "not a day"),
        ("2026-11-23 08:10", "passed or is too close"),
        ("2027-06-01 10:00", "90 days"),
        ("13pm tomorrow", "can't read"),
    ],
)
def test_unreadable_or_unusable_times_say_why(text, why):
    with pytest.raises(Invalid, match=why):
        parse_slot_times(text, "UTC", NOW)


def test_no_more_than_twenty_times_and_repeats_count_once():
    many = ", ".join(f"2026-12-{day:02d} 10:00" for day in range(1, MAX_SLOTS + 2))
    with pytest.raises(Invalid, match="at most 20"):
        parse_slot_times(many, "UTC", NOW)
    assert len(parse_slot_times("Tue 10:00, tue 10:00, 2026-11-24 10:00", "UTC", NOW)) == 1


# -- suggestions -----------------------------------------------------------------------------------

LONDON_NY_KOLKATA = {1: Clock(LONDON), 2: Clock(NEW_YORK), 3: Clock(KOLKATA)}


def test_suggestions_start_a_day_ahead_and_are_spread_out():
    slots = suggest_slots(LONDON_NY_KOLKATA, NOW, 7, zone=LONDON)

    assert len(slots) == 8 and list(slots) == sorted(slots)
    assert slots[0] >= NOW + timedelta(hours=24)
    assert all(b - a >= timedelta(hours=3) for a, b in pairwise(slots))
    per_day = {}
    for slot in slots:
        per_day.setdefault(slot.astimezone(ZoneInfo(LONDON)).date(), []).append(slot)
    assert max(len(v) for v in per_day.values()) <= 2


def test_suggestions_avoid_anyones_night_when_a_better_hour_exists():
    slots = suggest_slots(LONDON_NY_KOLKATA, NOW, 7, zone=LONDON)

    for slot in slots:
        for clock in LONDON_NY_KOLKATA.values():
            assert inconvenience(slot.astimezone(ZoneInfo(clock.zone))) < NIGHT


def test_suggestions_spare_whoever_carried_the_awkward_hours():
    clocks = {1: Clock(LONDON), 2: Clock(SYDNEY)}
    fresh = suggest_slots(clocks, NOW, 5, count=1)
    london_carried = suggest_slots(clocks, NOW, 5, {1: 4 * NIGHT, 2: 0.0}, count=1)

    def cost_for(member, slot):
        return inconvenience(slot[0].astimezone(ZoneInfo(clocks[member].zone)))

    assert cost_for(1, london_carried) <= cost_for(1, fresh)
    assert cost_for(2, london_carried) >= cost_for(2, fresh)


def test_suggestions_offer_the_times_awkward_for_the_fewest_members_first():
    # Six zones: on weekdays, 22:00 UTC is 23:00 in Lagos and Berlin and 06:00 in Shanghai; 18:00 UTC
    # is awkward for Shanghai alone. Whoever carried before, no suggestion is awkward for more than must be.
    clocks = {
        1: Clock("Africa/Lagos"),
        2: Clock("America/Sao_Paulo"),
        3: Clock("Asia/Shanghai"),
        4: Clock("America/Los_Angeles"),
        5: Clock("Europe/Berlin"),
        6: Clock("Pacific/Auckland"),
    }

    def awkward(slot):
        return sum(inconvenience(slot.astimezone(ZoneInfo(c.zone))) >= AWKWARD for c in clocks.values())

    for burden in ({}, {3: NIGHT}, {3: 3 * NIGHT, 1: NIGHT}):
        slots = suggest_slots(clocks, NOW, 3, burden, zone="UTC", count=3)
        assert len(slots) == 3
        assert max(awkward(slot) for slot in slots) == 1


def test_quiet_hours_count_as_night_in_suggestions():
    clocks = {1: Clock(LONDON, quiet=(12 * 60, 14 * 60)), 2: Clock(LONDON)}
    for slot in suggest_slots(clocks, NOW, 3, zone=LONDON):
        assert not 12 <= slot.astimezone(ZoneInfo(LONDON)).hour < 14


def test_suggestions_need_members_and_a_sensible_horizon():
    with pytest.raises(Invalid, match="nobody"):
        suggest_slots({}, NOW, 7)
    with pytest.raises(Invalid, match="1 to 31"):
        suggest_slots(LONDON_NY_KOLKATA, NOW, 0)


# -- recurring meetings ----------------------------------------------------------------------------


def test_a_day_has_its_half_hours_on_the_local_calendar_even_on_dst_days():
    assert len(day_slots(date(2026, 12, 1), LONDON)) == 48
    assert len(day_slots(date(2026, 3, 29), LONDON)) == 46
    assert len(day_slots(date(2026, 10, 25), LONDON)) == 50
    assert day_slots(date(2026, 12, 1), KOLKATA)[0] == utc(2026, 11, 30, 18, 30)


def test_the_best_slot_of_a_day_weighs_least_and_rotates_with_the_burden():
    clocks = {1: Clock(NEW_YORK), 2: Clock(KOLKATA)}
    slots = day_slots(date(2026, 12, 2), "UTC")

    first = best_slot(slots, clocks)
    kolkata_carried = best_slot(slots, clocks, {1: 0.0, 2: first.inconvenience[2] + 3 * NIGHT})

    assert first.attendees == (1, 2)
    assert kolkata_carried.inconvenience[2] <= first.inconvenience[2]


def test_series_days_follow_the_cadence_from_the_anchor():
    anchor = date(2026, 12, 2)  # a Wednesday
    assert next_series_day(anchor, 2, 3, date(2026, 11, 30)) == anchor
    assert next_series_day(anchor, 2, 3, anchor) == date(2026, 12, 23)
    assert next_series_day(anchor, 2, 3, date(2026, 12, 23)) == date(2027, 1, 13)
    with pytest.raises(ValueError, match="weekday"):
        next_series_day(anchor, 3, 3, anchor)


# -- reminders -------------------------------------------------------------------------------------


def test_reminders_come_a_day_and_an_hour_before():
    start = utc(2026, 12, 2, 15)

    assert reminder_times(start, Clock(LONDON), NOW) == (
        Reminder("day", utc(2026, 12, 1, 15)),
        Reminder("hour", utc(2026, 12, 2, 14)),
    )


def test_a_reminder_in_quiet_hours_comes_before_they_begin_never_after():
    # Sydney 07:30 (UTC+11 in December): the hour reminder at 06:30 is in 22:00-07:00 quiet hours.
    start = local(SYDNEY, 2026, 12, 3, 7, 30)
    clock = Clock(SYDNEY, quiet=(22 * 60, 7 * 60))

    day, hour = reminder_times(start, clock, NOW)

    assert day.at == local(SYDNEY, 2026, 12, 2, 7, 30)
    assert hour.at == local(SYDNEY, 2026, 12, 2, 21, 45)
    assert hour.at < start


def test_a_reminder_already_due_or_too_close_to_another_is_left_out():
    start = NOW + timedelta(hours=5)
    assert [r.kind for r in reminder_times(start, Clock(LONDON), NOW)] == ["hour"]
    # Quiet hours push the hour reminder back onto the day one: one reminder is enough.
    start = local(LONDON, 2026, 12, 3, 8)
    clock = Clock(LONDON, quiet=(7 * 60 + 30, 7 * 60 + 29))  # quiet nearly all day
    assert len(reminder_times(start, clock, NOW)) == 1


def test_outside_quiet_hours_a_moment_is_kept():
    moment = local(LONDON, 2026, 12, 1, 12)
    assert before_quiet_hours(moment, Clock(LONDON, quiet=(22 * 60, 7 * 60))) == moment
    assert before_quiet_hours(moment, Clock(LONDON)) == moment
