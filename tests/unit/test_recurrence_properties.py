"""Properties of recurrence that hold for any cadence, zone, moment and quiet hours (Hypothesis)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.recurrence import make_cadence, next_occurrence, occurrences_between, shift_out_of_quiet
from bot.domain.timezones import format_minutes, in_quiet_hours
from tests.support.local_time import local, utc


def scheduled(occurrences):
    return [o.scheduled_for for o in occurrences]


ZONES = ["Asia/Kolkata", "America/Denver", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]
# DST changes of 2026 in those zones, so that generated moments often land near one.
TRANSITIONS = [
    utc(2026, 3, 8, 9),  # Denver spring
    utc(2026, 11, 1, 8),  # Denver autumn
    utc(2026, 3, 29, 1),  # London spring
    utc(2026, 10, 25, 1),  # London autumn
    utc(2026, 4, 4, 15),  # Lord Howe autumn (30 minutes)
    utc(2026, 10, 3, 15, 30),  # Lord Howe spring (30 minutes)
    utc(2026, 4, 4, 14),  # Chatham autumn
    utc(2026, 9, 26, 14),  # Chatham spring
]
HOURLY = "0 * * * *"
CRONS = ["0 9 * * 1-5", "30 2 * * *", "45 1 * * 0", HOURLY, "15 3 1 * *", "0 0 * * 6,0"]

minutes_of_day = st.one_of(st.integers(0, 1439), st.sampled_from(range(45, 240, 15)))
day_names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
cadences = st.one_of(
    st.builds(lambda m: make_cadence("daily", time=format_minutes(m)), minutes_of_day),
    st.builds(
        lambda m, days: make_cadence("weekdays", time=format_minutes(m), weekdays=days),
        minutes_of_day,
        st.frozensets(st.sampled_from(day_names), min_size=1).map(" ".join),
    ),
    st.builds(
        lambda m, day: make_cadence("weekly", time=format_minutes(m), weekdays=day),
        minutes_of_day,
        st.sampled_from(day_names),
    ),
    st.builds(
        lambda m, day, n, anchor: make_cadence(
            "every_n_weeks", time=format_minutes(m), weekdays=day, every_weeks=n, anchor=anchor
        ),
        minutes_of_day,
        st.sampled_from(day_names),
        st.integers(2, 12),
        st.dates(date(2025, 6, 1), date(2026, 12, 31)),
    ),
    st.builds(lambda cron: make_cadence("cron", time=None, cron=cron), st.sampled_from(CRONS)),
)
moments = st.one_of(
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda transition, minutes: transition + timedelta(minutes=minutes),
        st.sampled_from(TRANSITIONS),
        st.integers(-3 * 24 * 60, 24 * 60),
    ),
)
spans = st.integers(1, 21 * 24).map(lambda hours: timedelta(hours=hours))
quiet_hours = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 95), st.integers(0, 95))
    .filter(lambda q: q[0] != q[1])
    .map(lambda q: (q[0] * 15, q[1] * 15)),
)
PROPERTY = settings(max_examples=100, deadline=None)


def wall(moment, zone):
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def first_moment_at_or_past(day, minute, zone):
    """Independent oracle: the first moment the member's wall clock reads ``minute`` on ``day`` or later."""
    target = datetime.combine(day, time(minute // 60, minute % 60))
    moment = min(target.replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC) for fold in (0, 1))
    while wall(moment, zone) < target:  # only inside a spring-forward gap
        moment += timedelta(minutes=1)
    return moment


def on_its_day(cadence, day):
    if cadence.kind == "daily":
        return True
    if day.weekday() not in cadence.weekdays:
        return False
    if cadence.kind != "every_n_weeks":
        return True
    monday = cadence.anchor - timedelta(days=cadence.anchor.weekday())
    weeks = (day - monday).days // 7
    return weeks >= 0 and weeks % cadence.every_weeks == 0


@PROPERTY
@given(cadences, st.sampled_from(ZONES), moments, quiet_hours)
def test_next_occurrence_is_strictly_after(cadence, zone, after, quiet):
    assert next_occurrence(cadence, zone, after, quiet).scheduled_for > after


@PROPERTY
@given(cadences, st.sampled_from(ZONES), moments, spans, quiet_hours)
def test_occurrences_are_in_order_and_one_per_round(cadence, zone, start, span, quiet):
    found = occurrences_between(cadence, zone, start, start + span, quiet)

    times = scheduled(found)
    assert times == sorted(set(times))
    assert all(start < moment <= start + span for moment in times)
    if cadence.cron != HOURLY:
        assert len({o.round_date for o in found}) == len(found)


@PROPERTY
@given(cadences.filter(lambda c: c.kind != "cron"), st.sampled_from(ZONES), moments, spans)
def test_occurrences_are_at_the_local_time_of_day_or_just_after_a_gap(cadence, zone, start, span):
    for occurrence in occurrences_between(cadence, zone, start, start + span):
        clock = wall(occurrence.scheduled_for, zone)
        at_minute = clock.hour * 60 + clock.minute == cadence.minute_of_day
        wanted = datetime.combine(occurrence.round_date, time(*divmod(cadence.minute_of_day, 60)))
        exists = wall(wanted.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC), zone) == wanted
        if exists:
            assert at_minute and clock.date() == occurrence.round_date
        else:  # skipped by the clocks: the moment they jumped
            before = occurrence.scheduled_for - timedelta(minutes=1)
            assert local(before, zone).utcoffset() != local(occurrence.scheduled_for, zone).utcoffset()
            assert wall(before, zone) < wanted < clock


@PROPERTY
@given(cadences.filter(lambda c: c.kind != "cron"), st.sampled_from(ZONES), moments, spans)
def test_occurrences_match_a_day_by_day_oracle(cadence, zone, start, span):
    end = start + span
    days = (wall(start, zone).date() + timedelta(days=n) for n in range(-1, span.days + 3))
    expected = [
        (day, moment)
        for day in days
        if on_its_day(cadence, day)
        and start < (moment := first_moment_at_or_past(day, cadence.minute_of_day, zone)) <= end
    ]

    found = occurrences_between(cadence, zone, start, end)

    assert [(o.round_date, o.scheduled_for) for o in found] == expected


@PROPERTY
@given(cadences, st.sampled_from(ZONES), moments, spans, quiet_hours)
def test_due_at_is_never_early_nor_in_quiet_hours(cadence, zone, start, span, quiet):
    for occurrence in occurrences_between(cadence, zone, start, start + span, quiet):
        assert occurrence.due_at >= occurrence.scheduled_for
        assert not in_quiet_hours(local(occurrence.due_at, zone), quiet)
        if not in_quiet_hours(local(occurrence.scheduled_for, zone), quiet):
            assert occurrence.due_at == occurrence.scheduled_for


@PROPERTY
@given(cadences, st.sampled_from(ZONES), moments, spans, quiet_hours)
def test_occurrences_between_is_the_chain_of_next_occurrences(cadence, zone, start, span, quiet):
    chain, after = [], start
    while (occurrence := next_occurrence(cadence, zone, after, quiet)).scheduled_for <= start + span:
        chain.append(occurrence)
        after = occurrence.scheduled_for

    assert occurrences_between(cadence, zone, start, start + span, quiet) == chain


@PROPERTY
@given(moments, st.sampled_from(ZONES), quiet_hours.filter(lambda q: q is not None))
def test_shift_out_of_quiet_lands_at_the_end_of_quiet_hours(moment, zone, quiet):
    shifted = shift_out_of_quiet(moment, zone, quiet)

    assert shifted >= moment
    assert not in_quiet_hours(local(shifted, zone), quiet)
    if shifted != moment:
        assert shifted - moment <= timedelta(days=1, hours=3)
        clock = wall(shifted, zone)
        jumped = local(shifted - timedelta(minutes=1), zone).utcoffset() != local(shifted, zone).utcoffset()
        assert clock.hour * 60 + clock.minute == quiet[1] or jumped
