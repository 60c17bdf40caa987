"""One matching round: how a pair or group is scored, and the greedy choices that form them."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter

from bot.domain.matching.people import Mode, Role, _Person
from bot.domain.matching.proposal import ProposedGroup, Unmatched
from bot.domain.matching.reasons import _count, _interest_reason, _overlap_reason, _word

# Shared interests weigh the most: dyadic pairs are "matched on the mentee's preferences", and a
# common topic is what lets two strangers on a text channel start talking.
INTEREST_WEIGHT = 3.0
# Finding time (even one hour a month) was the main reason formal pairs failed, so shared waking
# hours come next.
OVERLAP_WEIGHT = 2.0
# A monthly call needs only a few shared hours a day; past this, more overlap earns nothing more.
OVERLAP_FULL_CREDIT_MINUTES = 4 * 60
# A pair never awake at the same time can only write to each other. The penalty is larger than all
# the bonuses together (3 + 2 + 1.5), so any pair with some overlap ranks above every pair without.
NO_OVERLAP_PENALTY = 10.0
# Stage fit refines a match (the rules already exclude the wrong way round), so it weighs the least.
STAGE_WEIGHT = 1.5

# Stage fit, as fractions of STAGE_WEIGHT. Peers mentor each other as equals, so the same stage is
# best; a mentor should be ahead of the mentee, equal is allowed but weaker; an unknown stage might
# be either, so it gets a middle value.
PEER_FIT_SAME_STAGE = 1.0
PEER_FIT_ONE_APART = 0.6
PEER_FIT_FURTHER_APART = 0.2
MENTOR_FIT_AHEAD = 1.0
MENTOR_FIT_SAME_STAGE = 0.3
UNKNOWN_STAGE_FIT = 0.5


class _Round:
    """One matching round: the candidates, their scores and the greedy choices."""

    def __init__(self, people: list[_Person], mode: Mode, blocked: list[set[int]]) -> None:
        self.people = people
        self.mode = mode
        self.blocked = blocked
        # Score parts that depend only on the waking masks or the stages come from small tables, so
        # scoring a million pairs stays cheap.
        masks = sorted({p.awake: p.slot for p in people}.items(), key=itemgetter(1))
        self.overlap_term = [[_overlap_term((a & b).bit_count()) for b, _ in masks] for a, _ in masks]
        stages = sorted({p.stage: p.stage_slot for p in people}.items(), key=itemgetter(1))
        self.stage_term = [[STAGE_WEIGHT * self.stage_fit(a, b) for b, _ in stages] for a, _ in stages]

    def scores_against(self, a: _Person, others: Sequence[_Person]) -> list[float]:
        """Score ``a`` with each of ``others`` (``a`` as the mentor in the mentoring modes)."""
        tags, count = a.tags, a.tag_count
        overlap, stage = self.overlap_term[a.slot], self.stage_term[a.stage_slot]
        return [
            # Jaccard similarity of the interests: shared tags over all tags of the two.
            (
                INTEREST_WEIGHT * shared / (count + b.tag_count - shared)
                if (shared := (tags & b.tags).bit_count())
                else 0.0
            )
            + overlap[b.slot]
            + stage[b.stage_slot]
            for b in others
        ]

    def stage_fit(self, first: int | None, second: int | None) -> float:
        """Return how well two stages suit the mode, from 0 to 1 (the mentor's stage first)."""
        if first is None or second is None:
            return UNKNOWN_STAGE_FIT
        if self.mode == "peer":
            apart = abs(first - second)
            if apart == 0:
                return PEER_FIT_SAME_STAGE
            return PEER_FIT_ONE_APART if apart == 1 else PEER_FIT_FURTHER_APART
        return MENTOR_FIT_AHEAD if first > second else MENTOR_FIT_SAME_STAGE

    def stage_allows(self, mentor: _Person, mentee: _Person) -> bool:
        """Tell whether the mode's stage rule lets ``mentor`` mentor ``mentee``."""
        if self.mode == "near_peer":
            return mentor.stage is not None and mentee.stage is not None and mentor.stage == mentee.stage + 1
        return mentor.stage is None or mentee.stage is None or mentor.stage >= mentee.stage

    def compatible(self, a: _Person, b: _Person) -> bool:
        """Tell whether ``a`` and ``b`` may share a group (they never appeared together before)."""
        return b.index not in self.blocked[a.index]

    def mentoring_pairs(self) -> tuple[list[ProposedGroup], list[Unmatched]]:
        """Pair mentors with mentees greedily, best-scoring legal pair first."""
        unmatched = []
        mentors: list[_Person] = []
        mentees: list[_Person] = []
        for person in self.people:
            if person.candidate.wants == "peer":
                reason = "opted in as a peer; this round pairs mentors with mentees"
                unmatched.append(Unmatched(person.user_id, reason))
            elif self.mode == "near_peer" and person.stage is None:
                reason = "career stage unknown, so a near-peer match (mentor one stage ahead) cannot be made"
                unmatched.append(Unmatched(person.user_id, reason))
            else:
                (mentors if person.candidate.wants == "mentor" else mentees).append(person)
        # Every (mentor, mentee) edge, built in id order, which the stable sort keeps among equal
        # scores. The rules are checked only once both ends are still free (far fewer edges), and
        # edges hold positions, not people: the collector skips tuples of plain numbers.
        edges: list[tuple[float, int, int]] = []
        for x, mentor in enumerate(mentors):
            edges.extend(zip(self.scores_against(mentor, mentees), repeat(x), range(len(mentees))))
        edges.sort(key=itemgetter(0), reverse=True)
        taken: set[int] = set()
        groups = []
        for score, x, y in edges:
            mentor, mentee = mentors[x], mentees[y]
            if mentor.index in taken or mentee.index in taken:
                continue
            if self.compatible(mentor, mentee) and self.stage_allows(mentor, mentee):
                taken.update((mentor.index, mentee.index))
                groups.append(self.group([mentor, mentee], score))
        for person in mentors:
            if person.index not in taken:
                unmatched.append(Unmatched(person.user_id, self.why_unpaired(person, mentees, mentor=True)))
        for person in mentees:
            if person.index not in taken:
                unmatched.append(Unmatched(person.user_id, self.why_unpaired(person, mentors, mentor=False)))
        return groups, unmatched

    def why_unpaired(self, person: _Person, others: list[_Person], *, mentor: bool) -> str:
        """Explain why ``person`` found no partner among ``others`` (the opposite role)."""
        wanted = "mentee" if mentor else "mentor"
        if not others:
            known = " with a known career stage" if self.mode == "near_peer" else ""
            return f"no {wanted}{known} opted in this round"
        fitting = [
            o for o in others if (self.stage_allows(person, o) if mentor else self.stage_allows(o, person))
        ]
        if not fitting:
            if self.mode == "near_peer":
                return f"no {wanted} is exactly one career stage {'behind' if mentor else 'ahead of'} them"
            return "every mentee is more senior than them" if mentor else "every mentor is junior to them"
        if not any(self.compatible(person, o) for o in fitting):
            return "everyone available was paired with them before"
        return f"no {wanted} left to pair with"

    def peer_groups(self, size: int) -> tuple[list[ProposedGroup], list[Unmatched]]:
        """Form peer groups of ``size`` greedily, then let leftovers join a group as one extra."""
        unmatched = []
        peers = []
        for person in self.people:
            if person.candidate.wants == "peer":
                peers.append(person)
            else:
                reason = f"opted in as a {person.candidate.wants}; this round forms peer groups"
                unmatched.append(Unmatched(person.user_id, reason))
        # Every pair of peers, built in id order, which the stable sort keeps among equal scores.
        # Previous pairs are checked only once both ends are still free (far fewer edges), and
        # edges hold positions, not people: the collector skips tuples of plain numbers.
        edges: list[tuple[float, int, int]] = []
        for x, a in enumerate(peers):
            edges.extend(zip(self.scores_against(a, peers[x + 1 :]), repeat(x), range(x + 1, len(peers))))
        edges.sort(key=itemgetter(0), reverse=True)
        free = {p.index: p for p in peers}
        formed: list[list[_Person]] = []
        for _, x, y in edges:
            if len(free) < size:
                break
            a, b = peers[x], peers[y]
            if a.index in free and b.index in free and self.compatible(a, b):
                members = self.grow([a, b], size, free)
                if members:
                    formed.append(members)
                    for member in members:
                        del free[member.index]
        placed = self.place_leftovers(list(free.values()), formed)
        for leftover in free.values():
            if leftover.index not in placed:
                unmatched.append(
                    Unmatched(leftover.user_id, self.why_left_over(leftover, peers, formed, size))
                )
        groups = [self.group(members, self.mean_score(members)) for members in formed]
        return groups, unmatched

    def grow(self, seed: list[_Person], size: int, free: dict[int, _Person]) -> list[_Person] | None:
        """Add the best-fitting free peers to ``seed`` until it has ``size`` members, or return None."""
        members = list(seed)
        if len(members) >= size:
            return members
        # Free peers who never appeared with any member before, with their summed score to the members.
        barred = {m.index for m in members}.union(*(self.blocked[m.index] for m in members))
        pool = [p for p in free.values() if p.index not in barred]
        gain = [0.0] * len(pool)
        for member in members:
            gain = [
                total + score for total, score in zip(gain, self.scores_against(member, pool), strict=True)
            ]
        common = members[0].awake
        for member in members[1:]:
            common &= member.awake
        while len(members) < size:
            if not pool:
                return None
            # Keeping a moment when the whole group is awake comes first, then the score, then the id.
            best = max(
                range(len(pool)), key=lambda k: (bool(common & pool[k].awake), gain[k], -pool[k].index)
            )
            newcomer = pool[best]
            members.append(newcomer)
            common &= newcomer.awake
            barred = self.blocked[newcomer.index]
            keep = [k for k, p in enumerate(pool) if k != best and p.index not in barred]
            pool = [pool[k] for k in keep]
            gain = [
                gain[k] + score for k, score in zip(keep, self.scores_against(newcomer, pool), strict=True)
            ]
        return members

    def place_leftovers(self, leftovers: list[_Person], formed: list[list[_Person]]) -> set[int]:
        """Let each leftover join a different group as one extra member; return who was placed."""
        options = sorted(
            (-sum(self.scores_against(leftover, members)) / len(members), leftover.index, g)
            for leftover in leftovers
            for g, members in enumerate(formed)
            if all(self.compatible(leftover, m) for m in members)
        )
        placed: set[int] = set()
        grown: set[int] = set()
        for _, index, g in options:
            if index not in placed and g not in grown:
                placed.add(index)
                grown.add(g)
                formed[g].append(self.people[index])
        return placed

    def mean_score(self, members: list[_Person]) -> float:
        """Return the mean score over every pair in ``members``."""
        scores = [score for k, a in enumerate(members) for score in self.scores_against(a, members[k + 1 :])]
        return sum(scores) / len(scores)

    def why_left_over(
        self, person: _Person, peers: list[_Person], formed: list[list[_Person]], size: int
    ) -> str:
        """Explain why a peer is in no group."""
        if len(peers) == 1:
            return "no other peer opted in this round"
        if len(peers) < size:
            return f"only {len(peers)} peers opted in; groups need {size}"
        if not any(self.compatible(person, p) for p in peers if p is not person):
            return "everyone available was paired with them before"
        if not formed:
            return f"no group of {size} could be formed without repeating a previous pair"
        if any(all(self.compatible(person, m) for m in members) for members in formed):
            return (
                f"left over after forming groups of {size}; the groups they could join already took one extra"
            )
        return (
            f"left over after forming groups of {size}; every group has someone they were paired with before"
        )

    def group(self, members: list[_Person], score: float) -> ProposedGroup:
        """Describe ``members`` (mentor first in the mentoring modes) as a proposed group."""
        if self.mode == "peer":
            members = sorted(members, key=lambda p: p.index)
            roles: dict[int, Role] = {p.user_id: "peer" for p in members}
        else:
            roles = {members[0].user_id: "mentor", members[1].user_id: "mentee"}
        return ProposedGroup(
            members=tuple(p.user_id for p in members),
            roles=roles,
            score=round(score, 3),
            reasons=(_interest_reason(members), _overlap_reason(members), self.stage_reason(members)),
        )

    def stage_reason(self, members: list[_Person]) -> str:
        """Say how the members' career stages fit the mode."""
        if self.mode != "peer":
            mentor, mentee = members[0].stage, members[1].stage
            if mentor is None and mentee is None:
                return "both career stages unknown"
            if mentor is None or mentee is None:
                return f"{'mentor' if mentor is None else 'mentee'}'s career stage unknown"
            if mentor == mentee:
                return "mentor and mentee at the same career stage"
            return f"mentor {_count(mentor - mentee, 'career stage')} ahead"
        known = [p.stage for p in members if p.stage is not None]
        unknown = len(members) - len(known)
        parts = []
        if len(known) >= 2:
            span = max(known) - min(known)
            if span == 0:
                parts.append("same career stage")
            elif len(members) == 2:
                parts.append(f"{_count(span, 'career stage')} apart")
            else:
                parts.append(f"career stages at most {_word(span)} apart")
        if unknown:
            whom = "both of them" if unknown == len(members) == 2 else f"{_word(unknown)} of them"
            parts.append(f"career stage unknown for {whom}")
        return "; ".join(parts)


def _overlap_term(minutes: int) -> float:
    if minutes <= 0:
        return -NO_OVERLAP_PENALTY
    return OVERLAP_WEIGHT * min(minutes, OVERLAP_FULL_CREDIT_MINUTES) / OVERLAP_FULL_CREDIT_MINUTES
