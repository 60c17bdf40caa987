"""The rules of each mentoring model: who may be in a group of each kind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.errors import Invalid

Kind = Literal["one_to_one", "group", "peer", "near_peer", "facilitated_peer"]
Role = Literal["mentor", "mentee", "peer", "facilitator"]

KINDS: tuple[Kind, ...] = ("one_to_one", "group", "peer", "near_peer", "facilitated_peer")
ROLES: tuple[Role, ...] = ("mentor", "mentee", "peer", "facilitator")
MAX_MEMBERS = 50
NAME_MAX = 60  # leaves room for Discord's 100-character channel names
# The stored case-folded name (e.g. "Straße" -> "strasse"); PostgreSQL refuses a longer one.
NAME_KEY_MAX = 100
DESCRIPTION_MAX = 1000

KIND_LABELS: dict[Kind, str] = {
    "one_to_one": "One-to-one (a mentor and a mentee)",
    "group": "Group mentoring (1–2 mentors, several mentees)",
    "peer": "Peer mentoring (equals)",
    "near_peer": "Near-peer (mentors one career stage ahead)",
    "facilitated_peer": "Facilitated peer group (peers and a facilitator)",
}

ALLOWED_ROLES: dict[Kind, frozenset[Role]] = {
    "one_to_one": frozenset({"mentor", "mentee", "facilitator"}),
    "group": frozenset({"mentor", "mentee", "facilitator"}),
    "peer": frozenset({"peer"}),
    "near_peer": frozenset({"mentor", "mentee", "facilitator"}),
    "facilitated_peer": frozenset({"peer", "facilitator"}),
}

# The most members of a role a kind allows (absent: no limit but MAX_MEMBERS).
ROLE_LIMITS: dict[Kind, dict[Role, int]] = {
    "one_to_one": {"mentor": 1, "mentee": 1},
    "group": {"mentor": 2},
    "near_peer": {},
    "peer": {},
    "facilitated_peer": {},
}

DEFAULT_CAREER_STAGES = ("student", "trainee", "assistant professor", "associate professor", "professor")


@dataclass(frozen=True)
class Seat:
    """A member's place in a group, as the rules see it."""

    user_id: int
    role: Role
    stage: int | None = None  # index on the career ladder, None if unknown


def default_role(kind: Kind) -> Role:
    """Return the role someone joining an open group of ``kind`` takes."""
    return "peer" if kind in ("peer", "facilitated_peer") else "mentee"


def check_kind(kind: str) -> Kind:
    """Return ``kind`` if it is a known kind, else raise Invalid."""
    if kind not in KINDS:
        raise Invalid(f"Unknown group kind “{kind[:40]}”. Choose one of: {', '.join(KINDS)}.")
    return kind  # type: ignore[return-value]


def check_name(name: str) -> str:
    """Return the trimmed group name, or raise Invalid if it is empty or too long."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("A group needs a name.")
    if len(cleaned) > NAME_MAX:
        raise Invalid(f"A group name can be at most {NAME_MAX} characters (this one has {len(cleaned)}).")
    if len(cleaned.casefold()) > NAME_KEY_MAX:
        raise Invalid("That group name is too long once letters like “ß” or “ﬃ” are spelled out; shorten it.")
    return cleaned


def check_can_add(kind: Kind, seats: Iterable[Seat], newcomer: Seat, *, stage_names: tuple[str, ...]) -> None:
    """Raise Invalid, saying why, if adding ``newcomer`` would break the rules of ``kind``."""
    seats = list(seats)
    label = KIND_LABELS[kind].split(" (")[0].lower()
    if newcomer.role not in ALLOWED_ROLES[kind]:
        allowed = ", ".join(sorted(ALLOWED_ROLES[kind]))
        raise Invalid(f"A {label} group has no {newcomer.role}s; its members can be: {allowed}.")
    if len(seats) >= MAX_MEMBERS:
        raise Invalid(f"A group can have at most {MAX_MEMBERS} members.")
    counts = Counter(seat.role for seat in seats)
    limit = ROLE_LIMITS[kind].get(newcomer.role)
    if limit is not None and counts[newcomer.role] >= limit:
        raise Invalid(f"A {label} group has at most {limit} {newcomer.role}{'s' if limit > 1 else ''}.")
    if kind == "near_peer" and newcomer.role in ("mentor", "mentee"):
        _check_near_peer(seats, newcomer, stage_names)


def _check_near_peer(seats: list[Seat], newcomer: Seat, stage_names: tuple[str, ...]) -> None:
    if newcomer.stage is None:
        raise Invalid(
            "Near-peer groups pair people one career stage apart, so each member needs a career "
            "stage: ask them to set it with `/profile stage`."
        )
    counterpart = "mentee" if newcomer.role == "mentor" else "mentor"
    for seat in seats:
        if seat.role != counterpart or seat.stage is None:
            continue
        mentor_stage, mentee_stage = (
            (newcomer.stage, seat.stage) if newcomer.role == "mentor" else (seat.stage, newcomer.stage)
        )
        if mentor_stage != mentee_stage + 1:
            wanted = mentee_stage + 1 if newcomer.role == "mentor" else mentor_stage - 1
            wanted_name = stage_names[wanted] if 0 <= wanted < len(stage_names) else "none on the ladder"
            raise Invalid(
                f"In a near-peer group mentors are one career stage ahead of their mentees: "
                f"this {newcomer.role} would need to be at stage “{wanted_name}”."
            )


def missing_for_complete(kind: Kind, seats: Iterable[Seat]) -> list[str]:
    """Return what a group of ``kind`` still lacks to work (e.g. a pair with no mentee yet)."""
    counts = Counter(seat.role for seat in seats)
    needs = {
        "one_to_one": [("mentor", 1), ("mentee", 1)],
        "group": [("mentor", 1), ("mentee", 1)],
        "near_peer": [("mentor", 1), ("mentee", 1)],
        "peer": [("peer", 2)],
        "facilitated_peer": [("facilitator", 1), ("peer", 2)],
    }[kind]
    return [
        f"{n - counts[role]} more {role}{'s' if n - counts[role] > 1 else ''}"
        for role, n in needs
        if counts[role] < n
    ]
