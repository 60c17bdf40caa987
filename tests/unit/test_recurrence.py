from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.recurrence import (
    Cadence,
    describe,
    make_cadence,
    next_occurrence,
    occurrences_between,
    parse_time_of_day,
    parse_weekdays,
    shift_out_of_quiet,
)
from bot.errors import Invalid
from tests.support.local_time import local, utc

QUIET_NIGHTS = (22 * 60, 7 * 60)


def scheduled(occurrences):
    return [o.scheduled_for for o in occurrences]


# -- everyone at their own 09:00 ----------------------------------------------------------------


def test_tokyo_and_denver_members_both_check_in_at_nine_local_on_the_same_round():
    mondays = make_cadence("weekly", time="09:00", weekdays="mon")
    sunday_noon_utc = utc(2026, 5, 31, 12)

    tokyo = next_occurrence(mondays, "Asia/Tokyo", sunday_noon_utc)
    denver = next_occurrence(mondays, "America/Denver", sunday_noon_utc)

    assert tokyo.round_date == denver.round_date == date(2026, 6, 1)
    assert tokyo.scheduled_for == utc(2026, 6, 1, 0)  # 09:00 JST
    assert denver.scheduled_for == utc(2026, 6, 1, 15)  # 09:00 MDT
    assert tokyo.due_at == tokyo.scheduled_for and denver.due_at == denver.scheduled_for


def test_denver_keeps_nine_local_when_daylight_saving_ends():
    daily = make_cadence("daily", time="09:00")

    found = occurrences_between(daily, "America/Denver", utc(2026, 10, 30), utc(2026, 11, 3))

    assert [o.round_date.day for o in found] == [30, 31, 1, 2]
    assert scheduled(found) == [
        utc(2026, 10, 30, 15),
        utc(2026, 10, 31, 15),
        utc(2026, 11, 1, 16),
        utc(2026, 11, 2, 16),
    ]
    assert {local(o.scheduled_for, "America/Denver").time() for o in found} == {time(9)}


def test_denver_keeps_nine_local_when_daylight_saving_starts():
    daily = make_cadence("daily", time="09:00")

    found = occurrences_between(daily, "America/Denver", utc(2026, 3, 6), utc(2026, 3, 10))

    assert scheduled(found) == [
        utc(2026, 3, 6, 16),
        utc(2026, 3, 7, 16),
        utc(2026, 3, 8, 15),
        utc(2026, 3, 9, 15),
    ]


# -- days and weeks -------------------------------------------------------------------------------


def test_weekdays_skip_the_weekend():
    weekdays = make_cadence("weekdays", time="08:30")

    found = occurrences_between(weekdays, "Europe/London", utc(2026, 6, 5), utc(2026, 6, 9))

    assert [o.round_date for o in found] == [date(2026, 6, 5), date(2026, 6, 8)]  # Friday, Monday
    assert scheduled(found) == [utc(2026, 6, 5, 7, 30), utc(2026, 6, 8, 7, 30)]  # 08:30 BST


def test_chosen_weekdays_only():
    mwf = make_cadence("weekdays", time="18:00", weekdays="mon, wed fri")

    found = occurrences_between(mwf, "UTC", utc(2026, 6, 7), utc(2026, 6, 14))

    assert [o.round_date.strftime("%a") for o in found] == ["Mon", "Wed", "Fri"]


def test_every_three_weeks_counts_from_the_anchor_week():
    cadence = make_cadence(
        "every_n_weeks", time="17:00", weekdays="tue", every_weeks=3, anchor=date(2026, 1, 5)
    )

    found = occurrences_between(cadence, "Europe/London", utc(2025, 12, 1), utc(2026, 3, 20))

    assert [o.round_date for o in found] == [
        date(2026, 1, 6),
        date(2026, 1, 27),
        date(2026, 2, 17),
        date(2026, 3, 10),
    ]


def test_any_day_of_the_anchor_week_names_the_same_week():
    # The anchor names a (Monday-based) week, so a Wednesday anchor still has that week's Tuesday.
    on_wednesday = make_cadence(
        "every_n_weeks", time="17:00", weekdays="tue", every_weeks=3, anchor=date(2026, 1, 7)
    )

    assert next_occurrence(on_wednesday, "Europe/London", utc(2026, 1, 1)).round_date == date(2026, 1, 6)


def test_every_two_weeks_runs_on_across_a_53_week_year():
    # ISO week numbers would restart at 1 after week 53 of 2026 and break the rhythm; day counts do not.
    cadence = make_cadence(
        "every_n_weeks", time="09:00", weekdays="mon", every_weeks=2, anchor=date(2026, 12, 21)
    )

    found = occurrences_between(cadence, "UTC", utc(2026, 12, 1), utc(2027, 1, 31))

    assert [o.round_date for o in found] == [date(2026, 12, 21), date(2027, 1, 4), date(2027, 1, 18)]


# -- cron ------------------------------------------------------------------------------------------


def test_cron_weekdays_in_kolkata_at_nine_local():
    cadence = make_cadence("cron", time=None, cron="0 9 * * 1-5")

    found = occurrences_between(cadence, "Asia/Kolkata", utc(2026, 6, 5), utc(2026, 6, 9, 12))

    assert [o.round_date.strftime("%a") for o in found] == ["Fri", "Mon", "Tue"]
    assert scheduled(found) == [
        utc(2026, 6, 5, 3, 30),
        utc(2026, 6, 8, 3, 30),
        utc(2026, 6, 9, 3, 30),
    ]  # IST +5:30


@pytest.mark.parametrize(("weekday", "expected"), [("0", "Sun"), ("7", "Sun"), ("sun", "Sun"), ("6", "Sat")])
def test_cron_weekdays_count_from_sunday_as_in_crontab(weekday, expected):
    # APScheduler 3's from_crontab would read 0 as Monday; a crontab user means Sunday.
    cadence = make_cadence("cron", time=None, cron=f"0 9 * * {weekday}")

    assert next_occurrence(cadence, "UTC", utc(2026, 6, 1)).round_date.strftime("%a") == expected


def test_cron_weekday_steps_and_ranges_from_sunday():
    every_other = make_cadence("cron", time=None, cron="0 9 * * */2")
    sunday_to_tuesday = make_cadence("cron", time=None, cron="0 9 * * 0-2")

    sunday_to_sunday = (utc(2026, 5, 31), utc(2026, 6, 7))

    every_other_days = [
        o.round_date.strftime("%a") for o in occurrences_between(every_other, "UTC", *sunday_to_sunday)
    ]
    first_three_days = [
        o.round_date.strftime("%a") for o in occurrences_between(sunday_to_tuesday, "UTC", *sunday_to_sunday)
    ]

    assert every_other_days == ["Sun", "Tue", "Thu", "Sat"]
    assert first_three_days == ["Sun", "Mon", "Tue"]


def test_hourly_cron_fires_once_at_the_jump_and_once_in_the_repeated_hour():
    hourly = make_cadence("cron", time=None, cron="0 * * * *")

    spring = occurrences_between(hourly, "America/Denver", utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 10))
    autumn = occurrences_between(hourly, "America/Denver", utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 9))

    # 00:00 MST, 01:00 MST, then 03:00 MDT: the missing 02:00 falls on the jump and happens once with 03:00.
    assert scheduled(spring) == [
        utc(2026, 3, 8, 7),
        utc(2026, 3, 8, 8),
        utc(2026, 3, 8, 9),
        utc(2026, 3, 8, 10),
    ]
    # 00:00 MDT, 01:00 MDT, then 02:00 MST: the second 01:00 (MST) is not a second check-in.
    assert scheduled(autumn) == [utc(2026, 11, 1, 6), utc(2026, 11, 1, 7), utc(2026, 11, 1, 9)]


# -- clocks that jump ---------------------------------------------------------------------------


def test_a_time_skipped_by_spring_forward_happens_when_the_clocks_reach_three():
    # Denver jumps from 02:00 to 03:00 on 8 March 2026. APScheduler alone would give 03:30 MDT
    # (02:30 read with the winter offset); the check-in comes at the first moment after the gap.
    nightly = make_cadence("daily", time="02:30")

    found = occurrences_between(nightly, "America/Denver", utc(2026, 3, 7), utc(2026, 3, 10))

    assert [o.round_date.day for o in found] == [7, 8, 9]
    assert scheduled(found) == [utc(2026, 3, 7, 9, 30), utc(2026, 3, 8, 9), utc(2026, 3, 9, 8, 30)]
    assert local(found[1].scheduled_for, "America/Denver").time() == time(3, 0)


def test_lord_howe_half_hour_jump_moves_a_skipped_time_to_the_end_of_the_gap():
    # Lord Howe Island goes from 02:00 (+10:30) straight to 02:30 (+11) on 4 October 2026.
    nightly = make_cadence("daily", time="02:15")

    occurrence = next_occurrence(nightly, "Australia/Lord_Howe", utc(2026, 10, 3, 12))

    assert occurrence.round_date == date(2026, 10, 4)
    assert local(occurrence.scheduled_for, "Australia/Lord_Howe").time() == time(2, 30)
    assert occurrence.scheduled_for == utc(2026, 10, 3, 15, 30)


def test_midnight_the_day_after_spring_forward_is_not_skipped():
    # APScheduler 3.11 computing in Denver itself skips 9 March here (agronholm/apscheduler#529, #606).
    midnight = make_cadence("daily", time="00:00")

    occurrence = next_occurrence(
        midnight, "America/Denver", utc(2026, 3, 8, 9)
    )  # 03:00 MDT, just after the jump

    assert occurrence.round_date == date(2026, 3, 9)
    assert occurrence.scheduled_for == utc(2026, 3, 9, 6)


def test_a_time_repeated_by_fall_back_happens_once_at_its_first_pass():
    # Denver's clocks go from 02:00 MDT back to 01:00 MST on 1 November 2026: 01:30 happens twice.
    nightly = make_cadence("daily", time="01:30")

    found = occurrences_between(nightly, "America/Denver", utc(2026, 10, 31), utc(2026, 11, 2, 12))

    assert [o.round_date.day for o in found] == [31, 1, 2]
    assert found[1].scheduled_for == utc(2026, 11, 1, 7, 30)  # 01:30 MDT, not 01:30 MST
    between_the_two_passes = utc(2026, 11, 1, 8)
    assert next_occurrence(nightly, "America/Denver", between_the_two_passes).round_date == date(2026, 11, 2)


# -- quiet hours --------------------------------------------------------------------------------


def test_night_quiet_hours_push_an_early_check_in_to_their_end():
    early = make_cadence("daily", time="06:30")

    occurrence = next_occurrence(early, "Europe/Berlin", utc(2026, 6, 1), quiet=QUIET_NIGHTS)

    assert local(occurrence.scheduled_for, "Europe/Berlin").time() == time(6, 30)
    assert local(occurrence.due_at, "Europe/Berlin") == datetime(
        2026, 6, 1, 7, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_midday_quiet_hours_push_a_lunchtime_check_in_to_their_end():
    lunch = make_cadence("daily", time="13:00")

    occurrence = next_occurrence(lunch, "Asia/Kolkata", utc(2026, 6, 1), quiet=(12 * 60, 14 * 60))

    assert occurrence.due_at - occurrence.scheduled_for == timedelta(hours=1)
    assert local(occurrence.due_at, "Asia/Kolkata").time() == time(14, 0)


def test_a_check_in_exactly_when_quiet_hours_end_is_not_moved():
    seven = make_cadence("daily", time="07:00")

    occurrence = next_occurrence(seven, "Europe/Berlin", utc(2026, 6, 1), quiet=QUIET_NIGHTS)

    assert occurrence.due_at == occurrence.scheduled_for


def test_a_late_evening_check_in_waits_until_next_morning_but_keeps_its_round():
    late = make_cadence("daily", time="23:00")

    occurrence = next_occurrence(late, "Europe/Berlin", utc(2026, 6, 1), quiet=QUIET_NIGHTS)

    assert occurrence.round_date == date(2026, 6, 1)
    assert local(occurrence.due_at, "Europe/Berlin") == datetime(
        2026, 6, 2, 7, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_outside_quiet_hours_a_moment_is_unchanged():
    noon = utc(2026, 6, 1, 10)

    assert shift_out_of_quiet(noon, "Europe/Berlin", QUIET_NIGHTS) == noon
    assert shift_out_of_quiet(noon, "Europe/Berlin", None) == noon


def test_quiet_hours_end_on_the_wall_clock_even_in_the_repeated_hour():
    # 01:15 MST comes after Denver's clocks went back; quiet hours until 01:30 end 15 minutes later.
    second_pass = utc(2026, 11, 1, 8, 15)

    assert shift_out_of_quiet(second_pass, "America/Denver", (22 * 60, 90)) == utc(2026, 11, 1, 8, 30)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_occurrence(make_cadence("daily", time="09:00"), "UTC", datetime(2026, 1, 1))


# -- what people type ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"), [("9:00", 540), ("09:00", 540), ("17:30", 1050), (" 00:00 ", 0)]
)
def test_times_of_day_use_the_24_hour_clock(text, minutes):
    assert parse_time_of_day(text) == minutes


@pytest.mark.parametrize("text", ["25:00", "9:60", "noon", "9", "nine", "9:5", "-1:00", ""])
def test_bad_times_of_day_say_how_to_write_one(text):
    with pytest.raises(Invalid, match=r"use HH:MM, 24-hour clock, e\.g\. 09:00"):
        parse_time_of_day(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon, wed fri", {0, 2, 4}),
        ("Monday", {0}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekend", {5, 6}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Mon – Wed", {0, 1, 2}),
        ("fri-mon", {4, 5, 6, 0}),
        ("Tues and Thurs", {1, 3}),
        ("saturdays", {5}),
    ],
)
def test_weekday_names_are_forgiving(text, days):
    assert parse_weekdays(text) == frozenset(days)


def test_unknown_day_names_are_named_back():
    with pytest.raises(Invalid, match="“funday”") as info:
        parse_weekdays("mon, funday, blursday")
    assert "“blursday”" in info.value.message


def test_no_days_at_all_is_refused():
    with pytest.raises(Invalid, match="at least one day"):
        parse_weekdays(" , ")


def test_an_invalid_cron_expression_is_refused_with_the_reason():
    with pytest.raises(Invalid, match=r"“61 \* \* \* \*” is not a valid cron expression: .*59"):
        make_cadence("cron", time=None, cron="61 * * * *")


@pytest.mark.parametrize("expression", ["* * * * *", "*/30 * * * *", "0,59 9 * * *", "* 9 1 1 *"])
def test_a_cron_more_often_than_hourly_is_refused(expression):
    with pytest.raises(Invalid, match="check-ins can be at most hourly"):
        make_cadence("cron", time=None, cron=expression)


def test_an_hourly_cron_is_allowed():
    assert make_cadence("cron", time=None, cron=" 0  *  * * * ").cron == "0 * * * *"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 9 * *", "5 fields"),
        ("0 9 1 * 1", "a day of the month or a weekday, not both"),
        ("0 9 * * 9", "“9” is not a weekday"),
        ("0 9 * * 5-1", "“5-1”"),
        ("0 9 31 2 *", "never happens"),
    ],
)
def test_other_cron_mistakes_are_explained(expression, message):
    with pytest.raises(Invalid, match=message):
        make_cadence("cron", time=None, cron=expression)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "fortnightly", "time": "09:00"}, "not a kind of schedule"),
        ({"kind": "daily", "time": None}, "what time"),
        ({"kind": "weekly", "time": "  "}, "what time"),
        ({"kind": "weekly", "time": "09:00", "cron": "0 9 * * 1"}, "cron expression"),
        ({"kind": "cron", "time": None}, "needs a cron expression"),
        ({"kind": "cron", "time": "09:00", "cron": "0 9 * * 1"}, "doesn't take a time"),
        ({"kind": "daily", "time": "09:00", "weekdays": "mon"}, "doesn't take days"),
        ({"kind": "weekly", "time": "09:00", "every_weeks": 2}, "number of weeks"),
        ({"kind": "weekly", "time": "09:00", "weekdays": "mon, thu"}, "one day"),
        ({"kind": "every_n_weeks", "time": "09:00", "every_weeks": 1, "anchor": date(2026, 1, 5)}, "2 to 12"),
        (
            {"kind": "every_n_weeks", "time": "09:00", "every_weeks": 13, "anchor": date(2026, 1, 5)},
            "2 to 12",
        ),
        ({"kind": "every_n_weeks", "time": "09:00", "anchor": date(2026, 1, 5)}, "2 to 12"),
        ({"kind": "every_n_weeks", "time": "09:00", "every_weeks": 2}, "start date"),
    ],
)
def test_make_cadence_explains_what_to_fix(kwargs, message):
    with pytest.raises(Invalid, match=message):
        make_cadence(**kwargs)


def test_make_cadence_defaults():
    assert make_cadence("weekly", time="09:00", anchor=date(2026, 1, 7)) == Cadence(
        "weekly", 540, frozenset({0})
    )
    assert make_cadence("weekdays", time="08:30").weekdays == frozenset(range(5))
    assert make_cadence("daily", time="9:00", weekdays="", cron="").minute_of_day == 540


@pytest.mark.parametrize(
    ("cadence", "text"),
    [
        (make_cadence("daily", time="09:00"), "daily at 09:00"),
        (make_cadence("weekdays", time="08:30", weekdays="mon wed fri"), "Mon, Wed, Fri at 08:30"),
        (make_cadence("weekdays", time="08:30"), "weekdays at 08:30"),
        (make_cadence("weekly", time="09:00"), "Mondays at 09:00"),
        (
            make_cadence(
                "every_n_weeks", time="17:00", weekdays="tue", every_weeks=3, anchor=date(2026, 1, 5)
            ),
            "every 3 weeks on Tuesday at 17:00",
        ),
        (make_cadence("cron", time=None, cron="0 9 * * 1-5"), "cron: 0 9 * * 1-5"),
    ],
)
def test_describe(cadence, text):
    assert describe(cadence) == text
