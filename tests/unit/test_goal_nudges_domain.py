"""Goal moments: gentle nudges, the weekly digest's moment and its wins, at each member's local time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.goals import (
    Clock,
    GoalFact,
    WeeklyWins,
    best_weekly_moment,
    local_day,
    nudge_moment,
    select_weekly_wins,
    streak,
)
from bot.errors import Invalid
from tests.support.local_time import at, minutes, utc, wall

TOKYO, DENVER, LONDON = "Asia/Tokyo", "America/Denver", "Europe/London"


# -- gentle nudges ---------------------------------------------------------------------------------


def test_a_denver_member_at_three_in_the_morning_is_nudged_at_nine():
    nudge = nudge_moment(at(DENVER, 2026, 6, 10, 3, 0), Clock(DENVER))

    assert wall(nudge, DENVER) == datetime(2026, 6, 10, 9, 0)
    assert nudge == utc(2026, 6, 10, 15)


def test_quiet_hours_from_eight_to_ten_move_the_nudge_to_ten():
    nudge = nudge_moment(at(DENVER, 2026, 6, 10, 3, 0), Clock(DENVER, (minutes(8), minutes(10))))

    assert wall(nudge, DENVER) == datetime(2026, 6, 10, 10, 0)


def test_after_seven_in_the_evening_the_nudge_waits_for_the_next_morning():
    nudge = nudge_moment(at(DENVER, 2026, 6, 10, 19, 30), Clock(DENVER))

    assert wall(nudge, DENVER) == datetime(2026, 6, 11, 9, 0)


def test_inside_the_window_a_nudge_goes_now():
    now = at(DENVER, 2026, 6, 10, 18, 59) + timedelta(seconds=59)

    assert nudge_moment(now, Clock(DENVER)) == now


def test_a_lunchtime_quiet_hour_delays_the_nudge_to_its_end():
    clock = Clock(LONDON, (minutes(12), minutes(13)))

    assert wall(nudge_moment(at(LONDON, 2026, 6, 10, 12, 20, 5), clock), LONDON) == datetime(2026, 6, 10, 13)


def test_denver_nudges_stay_at_nine_local_across_spring_forward():
    saturday_evening = at(DENVER, 2026, 3, 7, 20, 0)

    nudge = nudge_moment(saturday_evening, Clock(DENVER))

    assert wall(nudge, DENVER) == datetime(2026, 3, 8, 9, 0)
    assert nudge == utc(2026, 3, 8, 15)  # 09:00 MDT; the day before, 09:00 was 16:00 UTC


def test_denver_nudges_stay_at_nine_local_across_fall_back():
    nudge = nudge_moment(at(DENVER, 2026, 10, 31, 20, 0), Clock(DENVER))

    assert wall(nudge, DENVER) == datetime(2026, 11, 1, 9, 0)
    assert nudge == utc(2026, 11, 1, 16)


def test_a_window_reached_at_the_spring_forward_jump_opens_when_the_clocks_jump():
    # 02:00-04:00 window; at 01:30 MST the clocks jump from 02:00 to 03:00 in half an hour.
    nudge = nudge_moment(utc(2026, 3, 8, 8, 30), Clock(DENVER), earliest=minutes(2), latest=minutes(4))

    assert nudge == utc(2026, 3, 8, 9)
    assert wall(nudge, DENVER) == datetime(2026, 3, 8, 3, 0)


def test_the_repeated_hour_of_fall_back_is_inside_the_window_again():
    # 00:00-01:30 window; at 01:45 MDT the clocks are about to go back to 01:00 MST.
    nudge = nudge_moment(utc(2026, 11, 1, 7, 45), Clock(DENVER), earliest=0, latest=minutes(1, 30))

    assert nudge == utc(2026, 11, 1, 8)
    assert wall(nudge, DENVER) == datetime(2026, 11, 1, 1, 0)


def test_a_night_worker_whose_quiet_hours_cover_the_day_is_nudged_when_they_end():
    night_worker = Clock(DENVER, (minutes(7), minutes(21)))

    nudge = nudge_moment(at(DENVER, 2026, 6, 10, 12, 0), night_worker)

    assert wall(nudge, DENVER) == datetime(2026, 6, 10, 21, 0)


def test_quiet_hours_must_start_and_end_at_different_times():
    with pytest.raises(Invalid, match="different times"):
        Clock(DENVER, (minutes(8), minutes(8)))


# -- the weekly digest's moment --------------------------------------------------------------------

WEEK_OF = date(2026, 6, 3)  # a Wednesday; its Monday is 1 June 2026
MONDAY = 0


DIGEST_WINDOW = (9 * 60, 20 * 60)


def in_quiet(minute, quiet):
    if quiet is None:
        return False
    start, end = quiet
    return start <= minute < end if start < end else not end <= minute < start


def reached(moment, clocks, week_day):
    """Independent oracle: how many members are on ``week_day``, in the window and not quiet."""
    earliest, latest = DIGEST_WINDOW
    count = 0
    for clock in clocks:
        local = moment.astimezone(ZoneInfo(clock.zone))
        minute = minutes(local.hour, local.minute)
        count += (
            local.weekday() == week_day and earliest <= minute < latest and not in_quiet(minute, clock.quiet)
        )
    return count


def test_tokyo_denver_and_london_get_a_moment_that_suits_two_of_them():
    clocks = [Clock(TOKYO), Clock(DENVER), Clock(LONDON)]

    moment = best_weekly_moment(clocks, MONDAY, WEEK_OF)

    # No Monday hour suits all three; London's 09:00 is Tokyo's 17:00, the first that suits two.
    assert reached(moment, clocks, MONDAY) == 2
    assert moment == utc(2026, 6, 1, 8)
    assert wall(moment, LONDON) == datetime(2026, 6, 1, 9, 0)
    assert wall(moment, TOKYO) == datetime(2026, 6, 1, 17, 0)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (DENVER, utc(2026, 6, 1, 15)),
        (TOKYO, utc(2026, 6, 1, 0)),
        ("Asia/Kathmandu", utc(2026, 6, 1, 3, 15)),
        ("Pacific/Auckland", utc(2026, 5, 31, 21)),  # Monday morning in Auckland is Sunday in UTC
    ],
)
def test_a_single_zone_group_gets_its_digest_at_nine_local_on_its_own_monday(zone, expected):
    moment = best_weekly_moment([Clock(zone), Clock(zone)], MONDAY, WEEK_OF)

    assert moment == expected
    assert wall(moment, zone) == datetime(2026, 6, 1, 9, 0)


def test_quiet_mornings_push_the_digest_to_when_they_end():
    moment = best_weekly_moment([Clock(DENVER, (minutes(22), minutes(11)))], MONDAY, WEEK_OF)

    assert wall(moment, DENVER) == datetime(2026, 6, 1, 11, 0)


@pytest.mark.parametrize("week_of", [date(2026, 6, 1) + timedelta(days=d) for d in range(7)])
def test_any_day_of_the_week_names_the_same_digest_day(week_of):
    assert best_weekly_moment([Clock(LONDON)], 4, week_of) == utc(2026, 6, 5, 8)  # Friday 09:00 BST


def test_a_group_without_clocks_gets_noon_utc():
    assert best_weekly_moment([], MONDAY, WEEK_OF) == utc(2026, 6, 1, 12)


def test_a_group_nobody_can_be_reached_in_gets_noon_utc():
    always_quiet_by_day = Clock(LONDON, (minutes(8), minutes(21)))

    assert best_weekly_moment([always_quiet_by_day], MONDAY, WEEK_OF) == utc(2026, 6, 1, 12)


def test_the_digest_keeps_nine_local_on_the_day_the_clocks_change():
    # London springs forward on Sunday 29 March 2026.
    assert best_weekly_moment([Clock(LONDON)], 6, date(2026, 3, 23)) == utc(2026, 3, 29, 8)


# -- the weekly wins -------------------------------------------------------------------------------

WEEK_START, WEEK_END = utc(2026, 6, 1), utc(2026, 6, 8)
AIKO, BEN, CARLA = 11, 22, 33


def fact(goal_id, owner_id, visibility="group", **changes):
    values = {
        "title": f"goal {goal_id}",
        "completed_at": None,
        "milestones_done_in_week": (),
        "progress_before": 10,
        "progress_now": 10,
        "last_activity": utc(2026, 6, 3),
        "stalled": False,
    }
    return GoalFact(goal_id, owner_id, visibility=visibility, **(values | changes))


def test_the_weekly_wins_never_show_private_or_partners_only_goals():
    facts = [
        fact(1, AIKO, "private", completed_at=utc(2026, 6, 2), milestones_done_in_week=("outline",)),
        fact(2, BEN, "partners", progress_now=60, milestones_done_in_week=("data",)),
        fact(3, BEN, "partners", stalled=True),
        fact(4, CARLA, "group", completed_at=utc(2026, 6, 4)),
    ]

    wins = select_weekly_wins(facts, WEEK_START, WEEK_END)

    assert wins == WeeklyWins(completed=(facts[3],), milestones=(), progressed=(), stalled=())


def test_the_weekly_wins_celebrate_completions_milestones_and_progress_in_order():
    carla_done = fact(7, CARLA, completed_at=utc(2026, 6, 7, 23, 59), milestones_done_in_week=("final",))
    aiko_later = fact(
        9, AIKO, progress_before=20, progress_now=45, milestones_done_in_week=("intro", "methods")
    )
    aiko_first = fact(5, AIKO, completed_at=WEEK_START)
    ben_quiet = fact(6, BEN, stalled=True, last_activity=utc(2026, 5, 10))

    wins = select_weekly_wins([carla_done, aiko_later, ben_quiet, aiko_first], WEEK_START, WEEK_END)

    assert wins.completed == (aiko_first, carla_done)
    assert wins.milestones == ((aiko_later, "intro"), (aiko_later, "methods"), (carla_done, "final"))
    assert wins.progressed == (aiko_later,)
    assert wins.stalled == (ben_quiet,)
    assert not wins.is_empty()


def test_goals_completed_outside_the_week_are_not_this_weeks_completions():
    last_week = fact(1, AIKO, completed_at=utc(2026, 5, 31, 23, 59), progress_now=100, stalled=True)
    next_week = fact(2, BEN, completed_at=WEEK_END, progress_before=10, progress_now=80)

    wins = select_weekly_wins([last_week, next_week], WEEK_START, WEEK_END)

    assert wins.completed == ()
    assert wins.progressed == (next_week,)  # not yet complete by the end of this week
    assert wins.stalled == ()


def test_a_completed_goal_is_not_also_progressed_or_stalled():
    done = fact(1, AIKO, completed_at=utc(2026, 6, 3), progress_before=80, progress_now=100, stalled=True)

    wins = select_weekly_wins([done], WEEK_START, WEEK_END)

    assert wins.completed == (done,)
    assert wins.progressed == wins.stalled == ()


def test_a_week_with_only_stalled_goals_has_nothing_to_celebrate():
    wins = select_weekly_wins([fact(1, AIKO, stalled=True)], WEEK_START, WEEK_END)

    assert wins.stalled and wins.is_empty()
    assert select_weekly_wins([], WEEK_START, WEEK_END).is_empty()


# -- properties ------------------------------------------------------------------------------------

ZONES = [TOKYO, DENVER, LONDON, "Asia/Kolkata", "Australia/Lord_Howe", "America/Santiago", "UTC"]
TRANSITIONS = [
    utc(2026, 3, 8, 9),  # Denver spring
    utc(2026, 11, 1, 8),  # Denver autumn
    utc(2026, 3, 29, 1),  # London spring
    utc(2026, 10, 25, 1),  # London autumn
    utc(2026, 4, 4, 15),  # Lord Howe autumn (30 minutes)
    utc(2026, 10, 3, 15, 30),  # Lord Howe spring (30 minutes)
    utc(2026, 9, 6, 4),  # Santiago spring, at midnight
]
PROPERTY = settings(max_examples=100, deadline=None)

moments = st.one_of(
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda transition, seconds: transition + timedelta(seconds=seconds),
        st.sampled_from(TRANSITIONS),
        st.integers(-2 * 24 * 3600, 24 * 3600),
    ),
)
quiet_hours = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 95), st.integers(0, 95))
    .filter(lambda q: q[0] != q[1])
    .map(lambda q: (q[0] * 15, q[1] * 15)),
)
clocks = st.builds(Clock, st.sampled_from(ZONES), quiet_hours)


@PROPERTY
@given(moments, clocks)
def test_a_nudge_is_the_first_fitting_moment_within_two_days(now, clock):
    earliest, latest = minutes(9), minutes(19)
    window_has_room = any(not in_quiet(m, clock.quiet) for m in range(earliest, latest))

    def fits(moment):
        local = moment.astimezone(ZoneInfo(clock.zone))
        minute = minutes(local.hour, local.minute)
        in_window = earliest <= minute < latest or not window_has_room
        return in_window and not in_quiet(minute, clock.quiet)

    nudge = nudge_moment(now, clock)

    assert now <= nudge <= now + timedelta(hours=48)
    assert nudge.tzinfo is UTC
    assert fits(nudge)
    # Nothing earlier fits: fitting changes only as a wall-clock minute turns.
    probe = now.replace(second=0, microsecond=0)
    while probe < nudge:
        assert probe < now or not fits(probe)
        probe += timedelta(minutes=1)


@PROPERTY
@given(st.lists(moments, max_size=30), st.sampled_from(ZONES), moments)
def test_a_streak_is_at_most_the_number_of_active_local_days(activity, zone, now):
    days = {local_day(moment, zone) for moment in activity}

    assert 0 <= streak(activity, zone, now) <= len(days)
    assert streak([*activity, now], zone, now) >= 1


@PROPERTY
@given(
    st.lists(clocks, max_size=6),
    st.integers(0, 6),
    st.one_of(
        st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.sampled_from([t.date() for t in TRANSITIONS])
    ),
)
def test_the_weekly_moment_reaches_the_most_members_of_any_searched_moment(group, week_day, week_of):
    day = week_of + timedelta(days=week_day - week_of.weekday())
    first = datetime.combine(day, time(), tzinfo=UTC) - timedelta(hours=12)
    searched = [first + timedelta(minutes=15 * i) for i in range(48 * 4)]
    counts = [reached(moment, group, week_day) for moment in searched]

    moment = best_weekly_moment(group, week_day, week_of)

    if max(counts, default=0) == 0:
        assert moment == datetime.combine(day, time(12), tzinfo=UTC)
    else:
        assert moment == searched[counts.index(max(counts))]


visibilities = st.sampled_from(["private", "partners", "group"])
facts = st.builds(
    fact,
    goal_id=st.integers(1, 50),
    owner_id=st.integers(1, 5),
    visibility=visibilities,
    completed_at=st.none() | moments,
    milestones_done_in_week=st.lists(st.text(max_size=5), max_size=3).map(tuple),
    progress_before=st.integers(0, 100),
    progress_now=st.integers(0, 100),
    stalled=st.booleans(),
)


@PROPERTY
@given(st.lists(facts, max_size=12))
def test_the_weekly_wins_only_ever_hold_group_goals(goal_facts):
    wins = select_weekly_wins(goal_facts, WEEK_START, WEEK_END)

    shown = [*wins.completed, *(f for f, _ in wins.milestones), *wins.progressed, *wins.stalled]
    assert all(f.visibility == "group" for f in shown)
    for part in (wins.completed, wins.progressed, wins.stalled):
        assert list(part) == sorted(part, key=lambda f: (f.owner_id, f.goal_id))
    assert all(WEEK_START <= f.completed_at < WEEK_END for f in wins.completed)
