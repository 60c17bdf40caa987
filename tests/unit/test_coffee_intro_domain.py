"""When a coffee pair could meet: moments inside everyone's waking hours, or the least awkward one."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.coffee_intro import MOMENT_LEAD, MOMENT_SPACING, propose_moments
from bot.domain.goals import Clock

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
UNTIL = MONDAY + timedelta(days=12)
ZONES = ("Africa/Lagos", "America/Sao_Paulo", "Asia/Shanghai", "America/Los_Angeles", "Europe/Berlin",
         "Pacific/Auckland", "Asia/Kolkata", "Australia/Sydney")
QUIETS = (None, (22 * 60, 7 * 60), (18 * 60, 19 * 60), (0, 9 * 60))


def local_minute(moment: datetime, zone: str) -> int:
    local = moment.astimezone(ZoneInfo(zone))
    return local.hour * 60 + local.minute


def suits(moment: datetime, clock: Clock) -> bool:
    minute = local_minute(moment, clock.zone)
    if not 8 * 60 <= minute < 21 * 60:
        return False
    if clock.quiet is None:
        return True
    start, end = clock.quiet
    return not (start <= minute < end if start < end else minute >= start or minute < end)


def test_a_berlin_los_angeles_pair_gets_three_moments_on_different_days_in_both_their_days():
    clocks = {1: Clock("Europe/Berlin"), 2: Clock("America/Los_Angeles")}

    moments = propose_moments(clocks, MONDAY, UNTIL)

    assert len(moments.suited) == 3 and moments.least_awkward is None
    assert list(moments.suited) == sorted(moments.suited)
    days = {m.astimezone(ZoneInfo("Europe/Berlin")).date() for m in moments.suited}
    assert len(days) == 3
    for moment in moments.suited:
        assert all(suits(moment, clock) for clock in clocks.values())
        assert moment.astimezone(ZoneInfo("Europe/Berlin")).weekday() < 5  # a weekday before a weekend
        assert moment >= MONDAY + MOMENT_LEAD


def test_quiet_hours_narrow_the_moments():
    # Kolkata's quiet hours from 18:00 to 19:00 and Berlin's working day: only what suits both is offered.
    clocks = {1: Clock("Asia/Kolkata", (18 * 60, 19 * 60)), 2: Clock("Europe/Berlin", (0, 9 * 60))}

    moments = propose_moments(clocks, MONDAY, UNTIL)

    assert moments.suited
    for moment in moments.suited:
        assert all(suits(moment, clock) for clock in clocks.values())


def test_when_no_moment_suits_everyone_the_least_awkward_is_offered_and_who_it_is_awkward_for():
    # Auckland (UTC+13 in November) and Berlin (UTC+1) with a long quiet evening: their waking hours
    # never meet, so the bot says so and offers the moment that leaves one of them outside the fewest minutes.
    clocks = {1: Clock("Pacific/Auckland", (19 * 60, 9 * 60)), 2: Clock("Europe/Berlin", (18 * 60, 9 * 60))}

    moments = propose_moments(clocks, MONDAY, UNTIL)

    assert moments.suited == ()
    assert moments.least_awkward is not None
    assert len(moments.awkward_for) == 1  # never both outside their day when one will do
    [(member, local)] = moments.awkward_for
    assert local == f"{moments.least_awkward.astimezone(ZoneInfo(clocks[member].zone)):%H:%M}"
    other = clocks[2 if member == 1 else 1]
    assert suits(moments.least_awkward, other)


def test_a_round_about_to_end_proposes_nothing():
    clocks = {1: Clock("Europe/Berlin"), 2: Clock("Europe/Berlin")}

    moments = propose_moments(clocks, MONDAY, MONDAY + timedelta(hours=1))

    assert moments.suited == () and moments.least_awkward is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.builds(Clock, st.sampled_from(ZONES), st.sampled_from(QUIETS)), min_size=2, max_size=3),
    st.integers(min_value=0, max_value=24 * 14),
)
def test_every_moment_offered_suits_everyone_and_they_are_a_day_apart(clocks, hours):
    now = MONDAY + timedelta(hours=hours)
    by_member = dict(enumerate(clocks))

    moments = propose_moments(by_member, now, now + timedelta(days=12))

    assert 1 <= len(moments.suited) <= 3 or moments.least_awkward is not None
    for moment in moments.suited:
        assert now + MOMENT_LEAD <= moment < now + timedelta(days=12)
        assert all(suits(moment, clock) for clock in clocks)
    for first, second in zip(moments.suited, moments.suited[1:], strict=False):
        assert second - first >= MOMENT_SPACING
    if moments.least_awkward is not None:
        assert moments.suited == ()
        outside = {member for member, clock in by_member.items() if not suits(moments.least_awkward, clock)}
        assert {member for member, _ in moments.awkward_for} == outside
