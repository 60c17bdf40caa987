"""What a coffee pair is told: who they are meeting, what they share, and something to start with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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
