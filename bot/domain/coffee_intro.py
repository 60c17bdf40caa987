"""What a coffee pair is told: who they are meeting, what they share, when they could meet, how to start."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.goals import Clock
from bot.domain.meetings import inconvenience
from bot.domain.moments import reachable
from bot.domain.timezones import local_now

ICEBREAKERS: tuple[str, ...] = (
    "What is something you're looking forward to this month?",
    "What's a piece of advice you received early on that still holds up?",
    "What does a good workday look like where you are?",
    "What are you reading, watching or listening to lately?",
    "What's one thing you'd like to get better at this year?",
    "What's the view from your window right now?",
    "Which small habit has made the biggest difference to your work?",
    "What surprised you most when you started in your field?",
)
BIO_MAX = 300
MOMENTS = 3
MOMENT_LEAD = timedelta(hours=3)  # a moment sooner than this leaves the pair no time to see it
MOMENT_STEP = timedelta(minutes=30)
MOMENT_SPACING = timedelta(hours=20)  # moments offered a day or so apart: different days, not one evening


@dataclass(frozen=True)
class Introduced:
    """One member of a pair as the others meet them."""

    user_id: int
    zone: str
    bio: str | None
    interests: tuple[str, ...]


def icebreaker(draw_number: int, match_index: int) -> str:
    """Return the pair's icebreaker: different pairs of a round, and rounds, get different ones."""
    return ICEBREAKERS[(draw_number * 3 + match_index) % len(ICEBREAKERS)]


def shared_interests(people: Sequence[Introduced]) -> tuple[str, ...]:
    """Return the interests every member of the pair listed, in the first member's order."""
    if not people:
        return ()
    rest = [set(person.interests) for person in people[1:]]
    return tuple(tag for tag in people[0].interests if all(tag in other for other in rest))


def describe(person: Introduced, now: datetime) -> str:
    """Return a line about a member: their local time now, and their bio and interests."""
    local = local_now(person.zone, now)
    parts = [f"🕒 {local:%H:%M} for them now ({person.zone})"]
    if person.bio:
        bio = " ".join(person.bio.split())
        parts.append(bio if len(bio) <= BIO_MAX else bio[: BIO_MAX - 1] + "…")
    if person.interests:
        parts.append("Interests: " + ", ".join(person.interests))
    return "\n".join(parts)


def follow_up_after(every_weeks: int) -> timedelta:
    """Return when to ask "did you meet?": two days before the next round, and never within three days."""
    return max(timedelta(weeks=every_weeks) - timedelta(days=2), timedelta(days=3))


@dataclass(frozen=True)
class Moments:
    """When a coffee pair could meet: moments inside everyone's waking hours, or the least awkward one."""

    suited: tuple[datetime, ...]  # UTC, in time order; inside everyone's waking hours, outside quiet hours
    least_awkward: datetime | None = None  # only when nothing suits everyone
    awkward_for: tuple[tuple[int, str], ...] = ()  # (member, their local "HH:MM") then, when it is awkward


def propose_moments(
    clocks: Mapping[int, Clock], now: datetime, until: datetime, *, count: int = MOMENTS
) -> Moments:
    """Return up to ``count`` moments before ``until`` that suit every member's clock, a day or more apart.

    Candidates are the half hours from ``MOMENT_LEAD`` after ``now``. A moment suits a member inside
    their waking hours (08:00–21:00) and outside their quiet hours; of the moments that suit
    everyone, those that weigh least (working hours before evenings, weekdays before weekends) win,
    the earliest on a tie, never two within ``MOMENT_SPACING``. When none suits everyone, the moment
    that leaves the fewest members outside their waking hours, and weighs least on them, is offered.
    """
    if not clocks:
        raise ValueError("a coffee pair has members")
    start = _ceil(now + MOMENT_LEAD, MOMENT_STEP)
    candidates = [start + i * MOMENT_STEP for i in range(max(0, int((until - start) / MOMENT_STEP)))]
    suited: list[tuple[float, datetime]] = []
    least: tuple[int, float, datetime] | None = None
    for moment in candidates:
        away = [member for member, clock in clocks.items() if not reachable(moment, clock)]
        cost = sum(inconvenience(moment.astimezone(ZoneInfo(c.zone)), quiet=c.quiet) for c in clocks.values())
        if not away:
            suited.append((cost, moment))
        elif least is None or (len(away), cost) < least[:2]:
            least = (len(away), cost, moment)
    picked: list[datetime] = []
    for _, moment in sorted(suited):
        if len(picked) == count:
            break
        if all(abs(moment - other) >= MOMENT_SPACING for other in picked):
            picked.append(moment)
    if picked or least is None:
        return Moments(tuple(sorted(picked)))
    moment = least[2]
    awkward = tuple(
        (member, f"{moment.astimezone(ZoneInfo(clock.zone)):%H:%M}")
        for member, clock in clocks.items()
        if not reachable(moment, clock)
    )
    return Moments((), moment, awkward)


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return epoch - ((epoch - moment) // step) * step
