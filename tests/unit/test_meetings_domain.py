from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.goals import Clock
from bot.domain.meetings import (
    AWKWARD,
    NIGHT,
    LocalSlot,
    RankedSlot,
    inconvenience,
    local_slots,
    rank_slots,
    record_burden,
)

LONDON, NEW_YORK, KOLKATA, SYDNEY, LOS_ANGELES = (
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Los_Angeles",
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def local(zone, *args):
    return datetime(*args, tzinfo=ZoneInfo(zone))


def everyone_can_come(slots, clocks):
    return {member: set(slots) for member in clocks}


# -- slots in each member's own time ---------------------------------------------------------------


def test_slots_are_labelled_in_the_members_own_time_across_new_yorks_spring_forward():
    slots = [utc(2026, 3, 2, 14), utc(2026, 3, 9, 14)]  # New York moves to EDT on 8 March

    shown = local_slots(slots, NEW_YORK)

    assert [s.label for s in shown] == ["Mon 2 Mar, 09:00", "Mon 9 Mar, 10:00"]
    assert [s.at for s in shown] == slots


def test_a_half_hour_zone_sees_its_half_hours():
    (shown,) = local_slots([utc(2026, 1, 12, 3, 30)], KOLKATA)

    assert shown == LocalSlot(
        at=utc(2026, 1, 12, 3, 30), local=local(KOLKATA, 2026, 1, 12, 9), label="Mon 12 Jan, 09:00"
    )


def test_a_slot_on_the_next_day_in_sydney_says_so():
    (shown,) = local_slots([utc(2026, 6, 3, 22)], SYDNEY)

    assert shown.label == "Thu 4 Jun, 08:00"


def test_the_repeated_hour_of_fall_back_shows_the_offset_to_tell_the_slots_apart():
    slots = [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 14)]

    shown = local_slots(slots, NEW_YORK)

    assert [s.label for s in shown] == [
        "Sun 1 Nov, 01:30 (UTC-04:00)",
        "Sun 1 Nov, 01:30 (UTC-05:00)",
        "Sun 1 Nov, 09:00",
    ]


def test_a_naive_slot_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        local_slots([datetime(2026, 6, 3, 12)], LONDON)


# -- how inconvenient an hour is -------------------------------------------------------------------

WEDNESDAY, SATURDAY = date(2026, 6, 3), date(2026, 6, 6)


@pytest.mark.parametrize(
    ("hour", "mins", "score"),
    [
        (9, 0, 0),
        (16, 59, 0),
        (17, 0, 1),
        (8, 30, 1),
        (7, 0, 2),
        (20, 0, 3),
        (6, 0, 4),
        (22, 0, 5),
        (3, 0, NIGHT),
    ],
)
def test_a_weekday_hour_costs_nothing_at_work_and_the_most_at_night(hour, mins, score):
    assert inconvenience(datetime.combine(WEDNESDAY, time(hour, mins))) == score


def test_a_weekend_costs_more_in_the_day_but_never_more_than_the_night():
    assert inconvenience(datetime.combine(SATURDAY, time(10))) == 2
    assert inconvenience(datetime.combine(SATURDAY, time(22))) == 7
    assert inconvenience(datetime.combine(SATURDAY, time(3))) == NIGHT


def test_a_friday_weekend_can_be_named():
    friday = datetime.combine(date(2026, 6, 5), time(10))

    assert inconvenience(friday, weekend={4, 5}) == 2
    assert inconvenience(friday) == 0


def test_quiet_hours_cost_as_much_as_the_night():
    assert inconvenience(datetime.combine(WEDNESDAY, time(12, 30)), quiet=(12 * 60, 13 * 60)) == NIGHT


def test_the_score_rises_away_from_working_hours():
    hours = [inconvenience(datetime.combine(WEDNESDAY, time(h))) for h in range(24)]

    assert hours[17:] == sorted(hours[17:])  # later into the evening
    assert hours[:9] == sorted(hours[:9], reverse=True)  # earlier into the morning
    assert max(hours) == min(hours[:6]) == NIGHT


# -- ranking slots ---------------------------------------------------------------------------------

LONDON_AND_NEW_YORK = {1: Clock(LONDON), 2: Clock(NEW_YORK)}


def test_the_slot_most_members_can_come_to_comes_first_even_at_a_worse_hour():
    clocks = {1: Clock(LONDON), 2: Clock(NEW_YORK), 3: Clock(KOLKATA)}
    convenient, awkward = utc(2026, 6, 3, 13), utc(2026, 6, 3, 17)
    availability = {1: {convenient, awkward}, 2: {convenient, awkward}, 3: {awkward}}

    ranked = rank_slots([convenient, awkward], availability, clocks)

    assert [r.at for r in ranked] == [awkward, convenient]
    assert ranked[0].attendees == (1, 2, 3)
    assert ranked[1].absent == (3,)


def test_among_slots_everyone_can_make_the_least_inconvenient_comes_first():
    early, midday = utc(2026, 6, 3, 12), utc(2026, 6, 3, 14)  # New York 08:00 or 10:00

    ranked = rank_slots(
        [early, midday], everyone_can_come([early, midday], LONDON_AND_NEW_YORK), LONDON_AND_NEW_YORK
    )

    assert ranked == (
        RankedSlot(at=midday, attendees=(1, 2), absent=(), cost=0.0, inconvenience={1: 0.0, 2: 0.0}),
        RankedSlot(at=early, attendees=(1, 2), absent=(), cost=1.0, inconvenience={1: 0.0, 2: 1.0}),
    )


def test_equal_slots_keep_time_order():
    first, second = utc(2026, 6, 3, 13), utc(2026, 6, 3, 14)

    ranked = rank_slots(
        [second, first], everyone_can_come([first, second], LONDON_AND_NEW_YORK), LONDON_AND_NEW_YORK
    )

    assert [r.at for r in ranked] == [first, second]


def test_whoever_carried_the_awkward_hours_is_spared_the_next_one():
    # 21:00 UTC is London's 22:00 and New York's 17:00; 07:00 UTC is London's 08:00 and New York's 03:00.
    london_late, new_york_night = utc(2026, 6, 3, 21), utc(2026, 6, 3, 7)
    slots = [london_late, new_york_night]
    availability = everyone_can_come(slots, LONDON_AND_NEW_YORK)
    london_carried_three_nights = {1: 3 * NIGHT, 2: 0.0}

    fresh = rank_slots(slots, availability, LONDON_AND_NEW_YORK)
    later = rank_slots(slots, availability, LONDON_AND_NEW_YORK, london_carried_three_nights)
    unweighted = rank_slots(slots, availability, LONDON_AND_NEW_YORK, london_carried_three_nights, fairness=0)

    assert fresh[0].at == london_late  # 5 + 1 against 1 + 8
    assert later[0].at == new_york_night
    assert later[0].cost == (1 + 3) * 1.0 + 8.0  # London weighs 1 + three nights' worth
    assert unweighted[0].at == london_late


def test_rotation_never_makes_more_members_carry_an_awkward_hour_than_must():
    # Six zones on Wednesday 2 December 2026. 22:00 UTC is 23:00 in Lagos and Berlin and 06:00 in
    # Shanghai: three awkward hours. 18:00 UTC is 02:00 in Shanghai and a fair hour everywhere else.
    clocks = {
        1: Clock("Africa/Lagos"),
        2: Clock("America/Sao_Paulo"),
        3: Clock("Asia/Shanghai"),
        4: Clock("America/Los_Angeles"),
        5: Clock("Europe/Berlin"),
        6: Clock("Pacific/Auckland"),
    }
    three_awkward, one_awkward = utc(2026, 12, 2, 22), utc(2026, 12, 2, 18)
    slots = [three_awkward, one_awkward]
    shanghai_carried_one_night = {3: NIGHT}

    ranked = rank_slots(slots, everyone_can_come(slots, clocks), clocks, shanghai_carried_one_night)

    assert [r.at for r in ranked] == [one_awkward, three_awkward]
    assert ranked[0].awkward == (3,) and ranked[1].awkward == (1, 3, 5)
    # Weighted by Shanghai's burden alone, the three awkward hours would have cost less (20 against 22).
    assert ranked[1].cost < ranked[0].cost


def test_among_times_awkward_for_as_few_the_burden_decides_who_carries_it():
    # 21:00 UTC: London 22:00 (awkward), New York 17:00. 07:00 UTC: London 08:00, New York 03:00 (awkward).
    london_late, new_york_night = utc(2026, 6, 3, 21), utc(2026, 6, 3, 7)
    slots = [london_late, new_york_night]

    availability = everyone_can_come(slots, LONDON_AND_NEW_YORK)

    ranked = rank_slots(slots, availability, LONDON_AND_NEW_YORK, {1: 3 * NIGHT})

    assert ranked[0].at == new_york_night and ranked[0].awkward == (2,)


def test_the_same_utc_slot_is_ranked_by_each_side_of_the_clock_change():
    # 08:00 UTC is London's 08:00 before 29 March 2026 and 09:00 after it.
    clocks = {1: Clock(LONDON)}

    before = rank_slots([utc(2026, 3, 27, 8)], {1: {utc(2026, 3, 27, 8)}}, clocks)
    after = rank_slots([utc(2026, 3, 30, 8)], {1: {utc(2026, 3, 30, 8)}}, clocks)

    assert before[0].inconvenience == {1: 1.0}
    assert after[0].inconvenience == {1: 0.0}


def test_a_slot_nobody_marked_still_ranks_last_with_everyone_absent():
    slot = utc(2026, 6, 3, 13)

    (ranked,) = rank_slots([slot], {}, LONDON_AND_NEW_YORK)

    assert ranked.attendees == () and ranked.absent == (1, 2) and ranked.cost == 0


def test_availability_from_someone_not_invited_is_refused():
    with pytest.raises(ValueError, match="no clock"):
        rank_slots([utc(2026, 6, 3, 13)], {3: {utc(2026, 6, 3, 13)}}, LONDON_AND_NEW_YORK)


# -- the burden ledger -----------------------------------------------------------------------------


def test_recording_a_meeting_adds_each_attendees_inconvenience_and_leaves_the_old_ledger_alone():
    old = {1: 2.0}
    slot = utc(2026, 6, 3, 7)  # London 08:00, New York 03:00

    new = record_burden(old, slot, (1, 2), LONDON_AND_NEW_YORK)

    assert new == {1: 3.0, 2: NIGHT}
    assert old == {1: 2.0}


def test_absent_members_carry_nothing():
    assert record_burden({}, utc(2026, 6, 3, 7), (1,), LONDON_AND_NEW_YORK) == {1: 1.0}


def test_an_attendee_without_a_clock_is_refused():
    with pytest.raises(ValueError, match="no clock"):
        record_burden({}, utc(2026, 6, 3, 7), (9,), LONDON_AND_NEW_YORK)


def simulate(clocks, weeks, *, fairness=1.0, first=date(2026, 3, 4)):
    """Meet weekly at the best-ranked half hour of each Wednesday (UTC); everyone can always come."""
    burden, worst = {}, []
    for week in range(weeks):
        day = first + timedelta(weeks=week)
        slots = [datetime.combine(day, time(h, m), tzinfo=UTC) for h in range(24) for m in (0, 30)]
        best = rank_slots(slots, everyone_can_come(slots, clocks), clocks, burden, fairness=fairness)[0]
        worst.append(max(best.attendees, key=lambda m: (best.inconvenience[m], -m)))
        burden = record_burden(burden, best.at, best.attendees, clocks)
    return burden, worst


def test_over_a_season_the_awkward_hours_rotate_between_los_angeles_london_and_sydney():
    # Twelve weeks across both hemispheres' clock changes (March and April 2026).
    clocks = {1: Clock(LOS_ANGELES), 2: Clock(LONDON), 3: Clock(SYDNEY)}

    fair_burden, fair_worst = simulate(clocks, 12)
    plain_burden, plain_worst = simulate(clocks, 12, fairness=0)

    assert len(set(plain_worst)) == 1  # without the weighting, London always takes the late hour
    assert len(set(fair_worst)) == 3
    assert max(Counter(fair_worst).values()) <= 6
    assert max(fair_burden.values()) - min(fair_burden.values()) <= NIGHT
    assert max(plain_burden.values()) - min(plain_burden.values()) > 4 * NIGHT


def test_new_york_and_kolkata_take_turns_at_the_early_and_late_hours():
    clocks = {1: Clock(NEW_YORK), 2: Clock(KOLKATA)}

    burden, worst = simulate(clocks, 10, first=date(2026, 5, 6))

    assert worst == [1, 2] * 5 or worst == [2, 1] * 5
    assert burden[1] == burden[2]


# -- properties ------------------------------------------------------------------------------------

ZONES = [LONDON, NEW_YORK, KOLKATA, SYDNEY, "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"]
PROPERTY = settings(max_examples=60, deadline=None)
TRANSITIONS = [
    utc(2026, 3, 8, 7),
    utc(2026, 3, 29, 1),
    utc(2026, 4, 4, 16),
    utc(2026, 10, 25, 1),
    utc(2026, 11, 1, 6),
]

moments = st.one_of(
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.builds(lambda t, m: t + timedelta(minutes=30 * m), st.sampled_from(TRANSITIONS), st.integers(-8, 8)),
)
quiet_hours = st.none() | st.sampled_from([(22 * 60, 7 * 60), (12 * 60, 13 * 60), (0, 9 * 60)])
clock_maps = st.dictionaries(
    st.integers(1, 20), st.builds(Clock, st.sampled_from(ZONES), quiet_hours), min_size=1, max_size=5
)


@PROPERTY
@given(st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31)), quiet_hours)
def test_inconvenience_is_between_nothing_and_the_night(moment, quiet):
    score = inconvenience(moment, quiet=quiet)

    assert 0 <= score <= NIGHT
    if moment.weekday() < 5 and 9 <= moment.hour < 17 and quiet is None:
        assert score == 0
    if moment.hour < 6:
        assert score == NIGHT


@PROPERTY
@given(st.lists(moments, min_size=1, max_size=8), st.sampled_from(ZONES))
def test_every_slot_is_shown_once_with_a_label_of_its_own(slots, zone):
    slots = list(dict.fromkeys(slots))

    shown = local_slots(slots, zone)

    assert [s.at for s in shown] == slots
    # Compared in UTC: an aware time in a repeated hour never equals one in another zone (PEP 495).
    assert all(s.local.astimezone(UTC) == s.at and s.local.tzinfo == ZoneInfo(zone) for s in shown)
    labels = [s.label for s in shown]
    # Two different moments never read the same (a repeated hour shows its offset).
    assert len(set(labels)) == len({s.at.replace(second=0, microsecond=0) for s in shown})


@PROPERTY
@given(clock_maps, st.lists(moments, min_size=1, max_size=6, unique=True), st.data())
def test_slots_are_ranked_by_attendance_then_awkward_hours_then_weighted_cost_then_time(clocks, slots, data):
    members = sorted(clocks)
    availability = {m: data.draw(st.sets(st.sampled_from(slots))) for m in members}
    burden = {m: data.draw(st.floats(0, 50)) for m in members}

    ranked = rank_slots(slots, availability, clocks, burden)

    assert sorted(r.at for r in ranked) == sorted(slots)
    keys = [(-len(r.attendees), len(r.awkward), r.cost, r.at) for r in ranked]
    assert keys == sorted(keys)
    for r in ranked:
        assert set(r.awkward) == {m for m in r.attendees if r.inconvenience[m] >= AWKWARD}
        assert set(r.attendees) == {m for m in members if r.at in availability[m]}
        assert set(r.absent) == set(members) - set(r.attendees)
        assert r.cost >= sum(r.inconvenience.values()) - 1e-6  # weights are never below 1


@PROPERTY
@given(clock_maps, moments, st.data())
def test_recording_a_meeting_never_lowers_anyones_burden(clocks, slot, data):
    members = sorted(clocks)
    attendees = data.draw(st.sets(st.sampled_from(members)))
    before = {m: data.draw(st.floats(0, 50)) for m in members}
    snapshot = dict(before)

    after = record_burden(before, slot, attendees, clocks)

    assert before == snapshot
    for m in members:
        added = after.get(m, 0.0) - before.get(m, 0.0)
        assert (-1e-9 <= added <= NIGHT + 1e-9) if m in attendees else added == 0
