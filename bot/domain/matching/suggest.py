"""The one entry point: suggest pairs or peer groups for a round."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import get_args

from bot.domain.matching.people import Candidate, Mode, _blocked, _prepare
from bot.domain.matching.proposal import Proposal, ProposedGroup
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


def suggest_within_capacity(
    candidates: Iterable[Candidate],
    capacity: Mapping[int, int],
    *,
    mode: Mode,
    previous_pairs: Iterable[frozenset[int]] = (),
    on: date,
) -> Proposal:
    """Pair mentors with as many mentees as their ``capacity`` (places left) allows, never more.

    Rounds of :func:`suggest`: after each, the matched mentees leave, each mentor's places drop
    by one, and a mentor with none left leaves; a mentor never gets the same mentee twice.
    Members without a capacity (mentees, peers) are matched once.
    """
    if mode == "peer":
        return suggest(candidates, mode=mode, previous_pairs=previous_pairs, on=on)
    pool = list(candidates)
    places = {c.user_id: capacity.get(c.user_id, 1) for c in pool if c.wants == "mentor"}
    pool = [c for c in pool if c.wants != "mentor" or places[c.user_id] > 0]
    blocked = set(previous_pairs)
    groups: list[ProposedGroup] = []
    matched: set[int] = set()
    last = Proposal((), ())
    while pool:
        last = suggest(pool, mode=mode, previous_pairs=blocked, on=on)
        if not last.groups:
            break
        groups.extend(last.groups)
        for group in last.groups:
            matched.update(group.members)
            blocked.add(frozenset(group.members))
            for member in group.members:
                if member in places:
                    places[member] -= 1
        pool = [
            c for c in pool if (c.user_id in places and places[c.user_id] > 0) or c.user_id not in matched
        ]
    unmatched = tuple(u for u in last.unmatched if u.user_id not in matched)
    return Proposal(tuple(sorted(groups, key=lambda g: (-g.score, g.members))), unmatched)
