from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain.goals import Clock
from bot.domain.moments import (
    WAKING,
    BestMoment,
    Presence,
    best_moment,
    first_reading,
    reachable,
    shared_live_window,
    should_skip_for_activity,
)

LONDON, NEW_YORK, KOLKATA, SYDNEY = "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"
SUMMER_DAY = date(2026, 6, 3)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def wall(moment, zone):
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def minutes(hours, mins=0):
    return hours * 60 + mins


# -- who can be reached ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "mins", "awake"), [(7, 59, False), (8, 0, True), (20, 59, True), (21, 0, False), (3, 0, False)]
)
def test_a_member_is_reachable_from_eight_until_nine_in_the_evening_on_their_clock(hour, mins, awake):
    moment = datetime(2026, 6, 3, hour, mins, tzinfo=ZoneInfo(KOLKATA))

    assert reachable(moment, Clock(KOLKATA)) is awake


def test_quiet_hours_inside_the_waking_day_make_a_member_unreachable():
    lunch = Clock(LONDON, (minutes(12), minutes(13)))

    assert not reachable(utc(2026, 6, 3, 11, 30), lunch)  # 12:30 BST
    assert reachable(utc(2026, 6, 3, 12), lunch)  # 13:00 BST


def test_waking_hours_may_wrap_past_midnight_for_a_night_worker():
    night = (minutes(20), minutes(6))

    assert reachable(utc(2026, 6, 3, 23), Clock("UTC"), waking=night)
    assert not reachable(utc(2026, 6, 3, 12), Clock("UTC"), waking=night)


# -- the group's best moment -----------------------------------------------------------------------


def test_a_london_group_alone_gets_the_start_of_its_window():
    assert best_moment([Clock(LONDON)], SUMMER_DAY, zone=LONDON) == BestMoment(
        at=utc(2026, 6, 3, 9), reached=1, members=1
    )


def test_london_new_york_and_kolkata_meet_in_the_one_hour_all_three_are_awake():
    clocks = [Clock(LONDON), Clock(NEW_YORK), Clock(KOLKATA)]

    moment = best_moment(clocks, SUMMER_DAY, zone=LONDON)

    # New York wakes at 12:00 UTC; Kolkata's 21:00 is 15:30 UTC.
    assert moment == BestMoment(at=utc(2026, 6, 3, 12), reached=3, members=3)
    assert wall(moment.at, NEW_YORK) == datetime(2026, 6, 3, 8, 0)
    assert wall(moment.at, KOLKATA) == datetime(2026, 6, 3, 17, 30)


def test_ties_go_to_the_earliest_moment():
    # Each hour of the window someone else is quiet: two of three can be reached at every moment.
    clocks = [Clock("UTC", (minutes(h), minutes(h + 1))) for h in (11, 9, 10)]

    moment = best_moment(clocks, SUMMER_DAY, zone="UTC", window=(minutes(9), minutes(12)))

    assert moment == BestMoment(at=utc(2026, 6, 3, 9), reached=2, members=3)


def test_a_half_hour_zone_is_reached_at_the_half_hour_its_quiet_hours_end():
    clocks = [Clock(KOLKATA, (minutes(13), minutes(14))), Clock(LONDON)]

    moment = best_moment(clocks, date(2026, 1, 12), zone=KOLKATA, window=(minutes(13), minutes(15)))

    assert moment.at == utc(2026, 1, 12, 8, 30)
    assert wall(moment.at, KOLKATA) == datetime(2026, 1, 12, 14, 0)
    assert moment.reached == 2


def test_sydney_and_london_follow_both_clock_changes():
    # London springs forward on 29 March 2026 and Sydney falls back on 5 April: the gap shrinks by two hours.
    clocks = [Clock(SYDNEY), Clock(LONDON)]
    evening = (minutes(18), minutes(22))

    before = best_moment(clocks, date(2026, 3, 28), zone=SYDNEY, window=evening)
    after = best_moment(clocks, date(2026, 4, 5), zone=SYDNEY, window=evening)

    assert before.at == utc(2026, 3, 28, 8) and before.reached == 2
    assert wall(before.at, SYDNEY) == datetime(2026, 3, 28, 19, 0)
    assert wall(before.at, LONDON) == datetime(2026, 3, 28, 8, 0)
    assert after.at == utc(2026, 4, 5, 8) and after.reached == 2
    assert wall(after.at, SYDNEY) == datetime(2026, 4, 5, 18, 0)
    assert wall(after.at, LONDON) == datetime(2026, 4, 5, 9, 0)


def test_the_hour_skipped_in_spring_is_never_offered():
    always = (0, minutes(24))

    inside_the_gap = best_moment(
        [Clock(LONDON)], date(2026, 3, 29), zone=LONDON, window=(60, 120), waking=always
    )
    across_it = best_moment([Clock(LONDON)], date(2026, 3, 29), zone=LONDON, window=(60, 180), waking=always)

    assert inside_the_gap is None
    assert across_it.at == utc(2026, 3, 29, 1)
    assert wall(across_it.at, LONDON) == datetime(2026, 3, 29, 2, 0)


def test_the_repeated_hour_of_fall_back_belongs_to_the_window():
    # New York reads 01:00-02:00 twice on 1 November 2026: from 05:00 to 07:00 UTC.
    clocks = [Clock("UTC")]

    moment = best_moment(
        clocks, date(2026, 11, 1), zone=NEW_YORK, window=(60, 120), waking=(minutes(6), minutes(21))
    )

    assert moment.at == utc(2026, 11, 1, 6)
    assert wall(moment.at, NEW_YORK) == datetime(2026, 11, 1, 1, 0)  # the second 01:00, in EST


def test_moments_already_past_are_not_offered():
    clocks = [Clock(LONDON)]

    later = best_moment(clocks, SUMMER_DAY, zone=LONDON, not_before=utc(2026, 6, 3, 12, 7))
    gone = best_moment(clocks, SUMMER_DAY, zone=LONDON, not_before=utc(2026, 6, 3, 15))

    assert later.at == utc(2026, 6, 3, 12, 15)
    assert gone is None


def test_a_group_nobody_can_reach_still_gets_the_opening_of_its_window_with_nobody_reached():
    asleep = Clock(LONDON, (minutes(9), minutes(17)))

    assert best_moment([asleep], SUMMER_DAY, zone=LONDON) == BestMoment(utc(2026, 6, 3, 9), 0, 1)
    assert best_moment([], SUMMER_DAY, zone=LONDON) == BestMoment(utc(2026, 6, 3, 9), 0, 0)


def test_without_a_window_the_whole_day_of_the_reference_zone_is_searched():
    moment = best_moment([Clock(SYDNEY)], SUMMER_DAY, zone="UTC", window=None)

    assert moment.at == utc(2026, 6, 3, 0)  # 10:00 in Sydney
    assert moment.reached == 1


@pytest.mark.parametrize(
    "arguments",
    [
        {"window": (minutes(16), minutes(10))},
        {"window": (0, minutes(25))},
        {"step_minutes": 0},
        {"waking": (minutes(8), minutes(8))},
        {"not_before": datetime(2026, 6, 3, 12)},
    ],
)
def test_impossible_settings_are_refused(arguments):
    with pytest.raises(ValueError):
        best_moment([Clock(LONDON)], SUMMER_DAY, **arguments)


# -- holding back a prompt -------------------------------------------------------------------------

NOW = utc(2026, 6, 3, 12)
THREE_HOURS = timedelta(hours=3)


def test_a_place_active_an_hour_ago_skips_its_prompt():
    assert should_skip_for_activity(NOW - timedelta(hours=1), NOW, THREE_HOURS)


def test_a_place_quiet_for_the_whole_span_gets_its_prompt():
    assert not should_skip_for_activity(NOW - THREE_HOURS, NOW, THREE_HOURS)
    assert not should_skip_for_activity(None, NOW, THREE_HOURS)


def test_activity_stamped_after_now_counts_as_activity_now():
    assert should_skip_for_activity(NOW + timedelta(seconds=5), NOW, THREE_HOURS)


def test_a_zero_span_never_skips_and_a_negative_one_is_refused():
    assert not should_skip_for_activity(NOW, NOW, timedelta(0))
    with pytest.raises(ValueError):
        should_skip_for_activity(NOW, NOW, -THREE_HOURS)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        should_skip_for_activity(datetime(2026, 6, 3, 11), NOW, THREE_HOURS)


# -- suggesting a call -----------------------------------------------------------------------------

HALF_HOUR, DAY = timedelta(minutes=30), timedelta(days=1)


def live(zone, seen_ago=timedelta(minutes=5), quiet=None, now=NOW):
    return Presence(Clock(zone, quiet), None if seen_ago is None else now - seen_ago)


def suggest_call(a, b, now=NOW, last=None):
    return shared_live_window(a, b, now, active_within=HALF_HOUR, last_suggested_at=last, period=DAY)


def test_two_members_awake_and_just_active_are_offered_a_call():
    assert suggest_call(live(LONDON), live(KOLKATA))  # 13:00 and 17:30


def test_no_call_when_one_of_them_is_asleep():
    assert not suggest_call(live(LONDON), live(SYDNEY))  # 22:00 in Sydney


def test_no_call_in_quiet_hours():
    assert not suggest_call(live(LONDON, quiet=(minutes(12), minutes(14))), live(KOLKATA))


def test_no_call_when_one_of_them_has_not_been_active_lately():
    assert not suggest_call(live(LONDON), live(KOLKATA, seen_ago=timedelta(hours=2)))
    assert not suggest_call(live(LONDON), live(KOLKATA, seen_ago=None))


def test_a_call_is_suggested_at_most_once_per_period():
    a, b = live(LONDON), live(KOLKATA)

    assert not suggest_call(a, b, last=NOW - timedelta(hours=23))
    assert suggest_call(a, b, last=NOW - DAY)


def test_the_same_utc_hour_is_asleep_before_new_york_springs_forward_and_awake_after():
    # New York moves to EDT on 8 March 2026: 12:30 UTC is 07:30 the day before and 08:30 the day after.
    before, after = utc(2026, 3, 7, 12, 30), utc(2026, 3, 8, 12, 30)

    assert not suggest_call(live(NEW_YORK, now=before), live(LONDON, now=before), now=before)
    assert suggest_call(live(NEW_YORK, now=after), live(LONDON, now=after), now=after)


def test_a_call_needs_a_positive_period_and_activity_span():
    with pytest.raises(ValueError):
        shared_live_window(
            live(LONDON),
            live(LONDON),
            NOW,
            active_within=HALF_HOUR,
            last_suggested_at=None,
            period=timedelta(0),
        )


# -- properties ------------------------------------------------------------------------------------

ZONES = [
    LONDON,
    NEW_YORK,
    KOLKATA,
    SYDNEY,
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/Santiago",
    "UTC",
]
TRANSITION_DAYS = [
    date(2026, 3, 8),  # New York spring
    date(2026, 3, 29),  # London spring
    date(2026, 4, 5),  # Sydney autumn, Lord Howe autumn (30 minutes)
    date(2026, 9, 6),  # Santiago spring, at midnight
    date(2026, 10, 4),  # Sydney spring
    date(2026, 10, 25),  # London autumn
    date(2026, 11, 1),  # New York autumn
]
PROPERTY = settings(max_examples=60, deadline=None)

days = st.one_of(st.sampled_from(TRANSITION_DAYS), st.dates(date(2025, 1, 1), date(2027, 12, 31)))
quiet_hours = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 47), st.integers(0, 47))
    .filter(lambda q: q[0] != q[1])
    .map(lambda q: (q[0] * 30, q[1] * 30)),
)
clocks = st.builds(Clock, st.sampled_from(ZONES), quiet_hours)
windows = (
    st.tuples(st.integers(0, 96), st.integers(0, 96))
    .filter(lambda w: w[0] < w[1])
    .map(lambda w: (w[0] * 15, w[1] * 15))
)


def in_window(minute, span):
    start, end = span
    return start <= minute < end if start < end else not end <= minute < start


def counted(moment, clock):
    """Independent oracle: awake on the default waking hours and not in quiet hours."""
    local = moment.astimezone(ZoneInfo(clock.zone))
    minute = minutes(local.hour, local.minute)
    return in_window(minute, WAKING) and not (clock.quiet and in_window(minute, clock.quiet))


def reading_at_or_after(day, minute, zone):
    """Independent oracle: the first minute the zone's clock reads ``minute`` of ``day`` or later."""
    wanted = datetime.combine(day, time()) + timedelta(minutes=minute)
    probe = datetime.combine(day, time(), tzinfo=UTC) - timedelta(hours=16)
    while wall(probe, zone) < wanted:
        probe += timedelta(minutes=1)
    return probe


@PROPERTY
@given(st.lists(clocks, max_size=6), days, st.sampled_from(ZONES), windows, st.sampled_from([15, 30, 60]))
def test_the_best_moment_reaches_the_most_members_of_any_moment_searched(group, day, zone, window, step):
    opens = reading_at_or_after(day, window[0], zone)
    closes = reading_at_or_after(day, window[1], zone)
    searched = []
    while opens + len(searched) * timedelta(minutes=step) < closes:
        searched.append(opens + len(searched) * timedelta(minutes=step))
    counts = [sum(counted(moment, clock) for clock in group) for moment in searched]

    moment = best_moment(group, day, zone=zone, window=window, step_minutes=step)

    if not searched:
        assert moment is None
    else:
        best = counts.index(max(counts))
        assert moment == BestMoment(at=searched[best], reached=counts[best], members=len(group))
        assert moment.at.tzinfo is UTC


@PROPERTY
@given(days, st.sampled_from(ZONES), st.integers(0, 24 * 60 - 1))
def test_the_first_reading_of_a_time_is_never_before_it_and_never_later_than_needed(day, zone, minute):
    moment = first_reading(day, minute, ZoneInfo(zone))
    wanted = datetime.combine(day, time()) + timedelta(minutes=minute)

    assert wall(moment, zone) >= wanted
    assert wall(moment - timedelta(minutes=1), zone) < wanted


@PROPERTY
@given(st.lists(clocks, min_size=1, max_size=5), days, windows, st.integers(0, 30 * 60))
def test_a_later_start_never_finds_a_moment_before_it_and_keeps_to_the_same_steps(
    group, day, window, late_by
):
    first = best_moment(group, day, zone=LONDON, window=window)
    assume(first is not None)
    not_before = first.at + timedelta(seconds=late_by)

    later = best_moment(group, day, zone=LONDON, window=window, not_before=not_before)

    if later is not None:
        assert later.at >= not_before
        assert (later.at - first.at) % timedelta(minutes=15) == timedelta(0)


@PROPERTY
@given(
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.integers(-600, 600),
    st.integers(0, 600),
    st.integers(0, 600),
)
def test_a_longer_quiet_span_skips_whenever_a_shorter_one_does(now, ago, shorter, extra):
    last = now - timedelta(minutes=ago)
    short, long_ = timedelta(minutes=shorter), timedelta(minutes=shorter + extra)

    if should_skip_for_activity(last, now, short):
        assert should_skip_for_activity(last, now, long_)
    assert should_skip_for_activity(last, now, long_) == (ago < shorter + extra)


presences = st.builds(
    lambda clock, seen: Presence(
        clock, None if seen is None else utc(2026, 3, 8, 12) - timedelta(minutes=seen)
    ),
    clocks,
    st.none() | st.integers(-5, 180),
)


@PROPERTY
@given(
    presences,
    presences,
    st.integers(-48 * 60, 48 * 60),
    st.none() | st.integers(0, 3 * 24 * 60),
    st.integers(1, 3 * 24 * 60),
)
def test_a_call_is_suggested_only_to_two_reachable_recently_active_members_once_a_period(
    a, b, shift, suggested_ago, period
):
    now = utc(2026, 3, 8, 12) + timedelta(minutes=shift)
    last = None if suggested_ago is None else now - timedelta(minutes=suggested_ago)
    rules = {"active_within": HALF_HOUR, "last_suggested_at": last, "period": timedelta(minutes=period)}

    suggested = shared_live_window(a, b, now, **rules)

    assert suggested == shared_live_window(b, a, now, **rules)
    if suggested:
        assert all(counted(now, p.clock) for p in (a, b))
        assert all(now - HALF_HOUR <= p.last_active_at for p in (a, b))
        assert last is None or now - last >= timedelta(minutes=period)
        # Having just suggested it, the bot stays silent for the whole period.
        silent = {**rules, "last_suggested_at": now}
        assert not shared_live_window(a, b, now + timedelta(minutes=period) - timedelta(seconds=1), **silent)
