from datetime import date, datetime, timedelta

import pytest

from bot.domain.goals import (
    MILESTONES_MAX,
    NOTE_MAX,
    REFLECTION_MAX,
    TITLE_MAX,
    WHY_MAX,
    Clock,
    can_see,
    check_note,
    check_progress,
    check_title,
    check_visibility,
    due_reminder_day,
    is_stale,
    local_day,
    nudge_moment,
    parse_due_date,
    progress_from_milestones,
    start_of_day,
    streak,
)
from bot.errors import Invalid
from tests.support.local_time import at, utc, wall

TOKYO, DENVER, LONDON = "Asia/Tokyo", "America/Denver", "Europe/London"


# -- what members type ---------------------------------------------------------------------------


def test_a_title_is_trimmed_and_its_spaces_tidied():
    assert check_title("  Submit the   R01 draft \n") == "Submit the R01 draft"


def test_a_title_at_the_limit_is_kept():
    assert check_title("x" * TITLE_MAX) == "x" * TITLE_MAX


def test_a_title_over_the_limit_says_the_limit_and_its_length():
    with pytest.raises(Invalid, match=rf"at most {TITLE_MAX} characters \(this one has {TITLE_MAX + 1}\)"):
        check_title("x" * (TITLE_MAX + 1))


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_a_goal_needs_a_title(text):
    with pytest.raises(Invalid, match="needs a title"):
        check_title(text)


def test_an_empty_note_is_no_note():
    assert check_note("   ") is None
    assert check_note(None) is None


def test_a_note_keeps_its_lines_but_not_its_outer_spaces():
    assert check_note("  Wrote 500 words.\nFelt good.  ") == "Wrote 500 words.\nFelt good."


def test_a_long_note_is_refused_with_the_limit():
    with pytest.raises(Invalid, match=rf"^Note can be at most {NOTE_MAX} characters \(this one has 501\)"):
        check_note("x" * 501)


def test_reflections_and_whys_have_their_own_limits_and_names():
    assert check_note("x" * REFLECTION_MAX, limit=REFLECTION_MAX, what="reflection") == "x" * REFLECTION_MAX
    with pytest.raises(Invalid, match=f"^Why it matters can be at most {WHY_MAX}"):
        check_note("x" * (WHY_MAX + 1), limit=WHY_MAX, what="why it matters")


@pytest.mark.parametrize("value", [0, 45, 100])
def test_progress_is_a_percentage(value):
    assert check_progress(value) == value


@pytest.mark.parametrize("value", [101, -1, True])
def test_progress_outside_a_percentage_is_refused(value):
    with pytest.raises(Invalid, match=r"^Progress is a percentage from 0 to 100\.$"):
        check_progress(value)


def test_visibility_must_be_one_of_three():
    assert check_visibility("partners") == "partners"
    with pytest.raises(Invalid, match=r"private .* partners .* group"):
        check_visibility("everyone")


@pytest.mark.parametrize(
    ("visibility", "owner", "partner", "group_member", "sees"),
    [
        ("private", True, False, False, True),
        ("private", False, True, True, False),
        ("partners", False, True, True, True),
        ("partners", False, False, True, False),
        ("group", False, False, True, True),
        ("group", False, True, False, True),
        ("group", False, False, False, False),
    ],
)
def test_who_sees_a_goal(visibility, owner, partner, group_member, sees):
    assert can_see(visibility, is_owner=owner, is_partner=partner, in_group=group_member) is sees


# -- due dates -------------------------------------------------------------------------------------


def test_a_due_date_is_read_as_year_month_day():
    assert parse_due_date(" 2026-06-30 ", today=date(2026, 6, 1)) == date(2026, 6, 30)


def test_today_is_a_valid_due_date():
    assert parse_due_date("2026-06-01", today=date(2026, 6, 1)) == date(2026, 6, 1)


def test_a_tokyo_member_may_set_a_due_date_of_their_today_while_it_is_still_yesterday_in_utc():
    now = at(TOKYO, 2026, 6, 2, 7, 0)  # 22:00 UTC on 1 June
    today = local_day(now, TOKYO)

    assert now.date() == date(2026, 6, 1)
    assert parse_due_date("2026-06-02", today=today) == date(2026, 6, 2)


def test_a_due_date_in_the_past_is_refused():
    with pytest.raises(Invalid, match=r"2026-05-31 is in the past \(today is 2026-06-01 where you are\)"):
        parse_due_date("2026-05-31", today=date(2026, 6, 1))


@pytest.mark.parametrize("text", ["next friday", "30/06/2026", "2026/06/30", "20260630", "06-30-2026", ""])
def test_a_malformed_due_date_shows_how_to_write_one(text):
    with pytest.raises(Invalid, match=r"is not a date: use YYYY-MM-DD, e\.g\. 2026-07-01"):
        parse_due_date(text, today=date(2026, 6, 1))


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2026-00-10"])
def test_a_day_that_is_not_on_the_calendar_is_refused(text):
    with pytest.raises(Invalid, match="not a day on the calendar"):
        parse_due_date(text, today=date(2026, 1, 1))


def test_a_due_date_can_be_at_most_ten_years_ahead():
    assert parse_due_date("2036-06-01", today=date(2026, 6, 1)) == date(2036, 6, 1)
    with pytest.raises(Invalid, match=r"at most 10 years ahead \(until 2036-06-01\)"):
        parse_due_date("2036-06-02", today=date(2026, 6, 1))


def test_ten_years_from_a_leap_day_ends_on_the_28th():
    with pytest.raises(Invalid, match="until 2038-02-28"):
        parse_due_date("2038-03-01", today=date(2028, 2, 29))


def test_a_reminder_comes_three_days_before_the_due_date_at_nine_local():
    tokyo = Clock(TOKYO)
    day = due_reminder_day(date(2026, 6, 30))
    now = utc(2026, 6, 20, 12)

    reminder = nudge_moment(max(now, start_of_day(day, TOKYO)), tokyo)

    assert day == date(2026, 6, 27)
    assert wall(reminder, TOKYO) == datetime(2026, 6, 27, 9, 0)
    assert reminder == utc(2026, 6, 27, 0)


def test_a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump():
    # Chile springs forward at midnight: 5 September 23:59 is followed by 6 September 01:00.
    begins = start_of_day(date(2026, 9, 6), "America/Santiago")

    assert begins == utc(2026, 9, 6, 4)
    assert wall(begins, "America/Santiago") == datetime(2026, 9, 6, 1, 0)
    assert local_day(begins - timedelta(minutes=1), "America/Santiago") == date(2026, 9, 5)


# -- progress and streaks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "total", "percent"),
    [(0, 0, 0), (0, 4, 0), (1, 3, 33), (2, 3, 67), (1, 8, 13), (1, 2, 50), (3, 3, 100)],
)
def test_progress_from_milestones_is_a_rounded_percentage(done, total, percent):
    assert progress_from_milestones(done, total) == percent


def test_progress_from_milestones_reaches_100_only_when_all_are_done():
    assert progress_from_milestones(MILESTONES_MAX - 1, MILESTONES_MAX) == 95
    assert progress_from_milestones(999, 1000) == 99
    assert progress_from_milestones(1, 1000) == 1


def test_a_tokyo_streak_counts_tokyo_days_not_utc_days():
    late = at(TOKYO, 2026, 6, 10, 23, 30)
    after_midnight = at(TOKYO, 2026, 6, 11, 0, 30)
    assert late.date() == after_midnight.date() == date(2026, 6, 10)  # one UTC day

    assert streak([late, after_midnight], TOKYO, now=at(TOKYO, 2026, 6, 11, 12, 0)) == 2


def test_a_denver_evening_counts_on_the_denver_day():
    evenings = [at(DENVER, 2026, 6, day, 21, 0) for day in (8, 9, 10)]  # each the next UTC day

    assert [local_day(e, DENVER).day for e in evenings] == [8, 9, 10]
    assert streak(evenings, DENVER, now=at(DENVER, 2026, 6, 10, 22, 0)) == 3


def test_a_streak_still_counts_when_today_has_no_activity_yet():
    days = [at(LONDON, 2026, 6, d, 18, 0) for d in (7, 8, 9)]

    assert streak(days, LONDON, now=at(LONDON, 2026, 6, 10, 8, 0)) == 3


def test_a_missed_day_ends_the_streak():
    days = [at(LONDON, 2026, 6, d, 18, 0) for d in (5, 6, 8, 9)]

    assert streak(days, LONDON, now=at(LONDON, 2026, 6, 9, 20, 0)) == 2
    assert streak(days, LONDON, now=at(LONDON, 2026, 6, 11, 8, 0)) == 0
    assert streak([], LONDON, now=at(LONDON, 2026, 6, 11, 8, 0)) == 0


def test_activity_after_now_does_not_count():
    assert streak([utc(2026, 6, 10, 12)], "UTC", now=utc(2026, 6, 10, 11)) == 0


def test_a_goal_goes_stale_after_the_given_days_without_activity():
    last = utc(2026, 6, 1, 12)

    assert not is_stale(last, utc(2026, 6, 8, 11, 59), 7)
    assert is_stale(last, utc(2026, 6, 8, 12), 7)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        streak([datetime(2026, 6, 1, 12)], TOKYO, now=utc(2026, 6, 1, 12))
