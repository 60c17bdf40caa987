"""What matching proposes: pairs or small groups with their reasons, and who was left out and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.matching.people import Role


@dataclass(frozen=True)
class ProposedGroup:
    """A pair or small group the coordinator may accept, with the reasons behind it."""

    members: tuple[int, ...]  # mentor first in the mentoring modes, else by user id
    roles: Mapping[int, Role]
    score: float  # higher is better; below zero when the members share no waking hours
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Unmatched:
    """A candidate left out of this round, and why in plain words."""

    user_id: int
    reason: str


@dataclass(frozen=True)
class Proposal:
    """The groups suggested for one round, best first, and everyone left out."""

    groups: tuple[ProposedGroup, ...]
    unmatched: tuple[Unmatched, ...]
