"""The one entry point: suggest pairs or peer groups for a round."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import get_args

from bot.domain.matching.people import Candidate, Mode, _blocked, _prepare
from bot.domain.matching.proposal import Proposal
from bot.domain.matching.rounds import _Round
from bot.errors import Invalid

MIN_GROUP_SIZE = 2
MAX_GROUP_SIZE = 8


def suggest(
    candidates: Iterable[Candidate],
    *,
    mode: Mode,
    group_size: int = 2,
    previous_pairs: Iterable[frozenset[int]] = (),
    on: date,
) -> Proposal:
    """Propose pairs or peer groups among ``candidates``, never repeating a previous pair."""
    if mode not in get_args(Mode):
        raise Invalid(f"Unknown matching mode {mode!r}; use one of: {', '.join(get_args(Mode))}.")
    if mode == "peer":
        if group_size not in range(MIN_GROUP_SIZE, MAX_GROUP_SIZE + 1):
            raise Invalid(
                f"Peer groups have {MIN_GROUP_SIZE} to {MAX_GROUP_SIZE} members; got group size {group_size}."
            )
    elif group_size != 2:
        raise Invalid(f"Mode {mode} pairs one mentor with one mentee, so the group size must be 2.")
    people = _prepare(candidates, on)
    match = _Round(people, mode, _blocked(previous_pairs, people))
    if mode == "peer":
        groups, unmatched = match.peer_groups(group_size)
    else:
        groups, unmatched = match.mentoring_pairs()
    return Proposal(
        groups=tuple(sorted(groups, key=lambda g: (-g.score, g.members))),
        unmatched=tuple(sorted(unmatched, key=lambda u: u.user_id)),
    )
