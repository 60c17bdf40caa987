"""Coffee pairings: random pairs of opted-in members, a trio when the count is odd, nobody left out silently.

The round is drawn in four steps, all driven by one ``random.Random(seed)`` over members in user-id order,
so the same inputs and seed give the same round whatever order the inputs come in:

1. Greedy pairing. Members are taken most constrained first (the most partners ruled out), ties in a
   random order; each takes the free partner with the best score, ties to the earliest in another random
   order. That is O(n²) cheap table look-ups: well under a second for 2,000 members.
2. Repair. Two members left over who may not meet each other swap into an existing pair (u, v + x, y →
   u-x, v-y) when the rules allow it.
3. Trios. Each member still left over joins the best-scoring pair whose both members they may meet (one
   extra per pair); if none will take them, their partner in some pair moves into another pair as its
   third so that they can take the free place.
4. Everyone still left over gets the reason in words they can be told.

Hard rules are never broken: a do-not-pair request (either member's, applied both ways) and having met in
the last ``no_repeat_rounds`` rounds. Preferences only score: never met (or met long ago), sharing no
group, and waking hours that overlap.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from zoneinfo import ZoneInfoNotFoundError

from bot.domain.goals import Clock
from bot.domain.moments import WAKING, awake_mask, check_span
from bot.errors import Invalid

# Meeting someone new is the point of a coffee pairing: hallway encounters are with whoever is there.
NEW_PARTNER_WEIGHT = 3.0
# A repeat is worth half as much as a new partner when the two last met this many rounds ago, and more
# the longer ago it was: "met long ago" beats "met recently".
REPEAT_HALF_LIFE_ROUNDS = 4
# Pairs across groups spread trust over the whole program instead of inside one group.
DIFFERENT_GROUPS_WEIGHT = 1.5
# A coffee is a call; a couple of shared waking hours a day is enough to find one.
OVERLAP_WEIGHT = 2.0
OVERLAP_FULL_CREDIT_MINUTES = 2 * 60
# More than all the bonuses together (3 + 1.5 + 2): a pair who can never call ranks below every pair who can.
NO_OVERLAP_PENALTY = 10.0

ONLY_ONE = "you were the only member who opted in this round"
ON_YOUR_LIST = "everyone else who opted in this round is on your do-not-pair list"
# The generic reason also covers members ruled out by someone else's do-not-pair request: naming the list
# would tell them who asked not to meet them.
NO_PARTNER_LEFT = "nobody left in the draw could be paired with you, and no pair could take you as a third"


def _met_recently(rounds: int) -> str:
    return f"you were paired with everyone else who opted in within the last {_rounds(rounds)}"


def _on_list_or_met(rounds: int) -> str:
    return (
        "everyone else who opted in this round is on your do-not-pair list "
        f"or was paired with you within the last {_rounds(rounds)}"
    )


def _rounds(rounds: int) -> str:
    return "round" if rounds == 1 else f"{rounds} rounds"


@dataclass(frozen=True)
class CoffeeMember:
    """A member who opted in to coffee pairings: their clock and the peer groups they belong to."""

    user_id: int
    clock: Clock
    groups: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PastPairing:
    """A pair or trio drawn in an earlier round."""

    members: frozenset[int]
    round_number: int


@dataclass(frozen=True)
class CoffeeGroup:
    """A pair (or trio) for this round, with its score and the minutes of the day all of them are awake."""

    members: tuple[int, ...]  # by user id
    score: float  # mean over its pairs; below zero when two of them share no waking hours
    overlap_minutes: int


@dataclass(frozen=True)
class Unpaired:
    """A member left out of this round, and why, in words for them."""

    user_id: int
    reason: str


@dataclass(frozen=True)
class CoffeeRound:
    """The groups of one round (by first member) and everyone left out (by user id)."""

    groups: tuple[CoffeeGroup, ...]
    unpaired: tuple[Unpaired, ...]


def pair_for_coffee(
    members: Iterable[CoffeeMember],
    *,
    round_number: int,
    seed: int | str | bytes,
    on: date,
    history: Iterable[PastPairing] = (),
    no_repeat_rounds: int = 3,
    do_not_pair: Iterable[tuple[int, int]] = (),
    waking: tuple[int, int] = WAKING,
) -> CoffeeRound:
    """Draw round ``round_number``'s coffee pairs among ``members`` (algorithm in the module docstring).

    ``history`` pairs met in a round from ``round_number - no_repeat_rounds`` on are never drawn again;
    ``do_not_pair`` holds (who asked, whom they would rather not meet). Waking hours are compared on ``on``.
    """
    if no_repeat_rounds < 0:
        raise ValueError(f"no_repeat_rounds must not be negative, got {no_repeat_rounds}")
    check_span(waking)
    draw = _Draw(_prepare(members, on, waking), round_number, no_repeat_rounds, random.Random(seed))
    draw.bar(history, do_not_pair)
    draw.pair_greedily()
    draw.swap_leftovers_in()
    draw.make_trios()
    return draw.result()


def waking_overlap_minutes(a: Clock, b: Clock, on: date, *, waking: tuple[int, int] = WAKING) -> int:
    """Return the minutes of the UTC day ``on`` when both are in waking hours and out of quiet hours."""
    check_span(waking)
    return (awake_mask(a.zone, waking, on, a.quiet) & awake_mask(b.zone, waking, on, b.quiet)).bit_count()


@dataclass(frozen=True, slots=True)
class _Person:
    user_id: int
    awake: int  # bitmask over the minutes of the UTC day
    slot: int  # index of ``awake`` among the round's distinct masks
    groups: int  # bitmask over the round's group ids


def _prepare(members: Iterable[CoffeeMember], on: date, waking: tuple[int, int]) -> list[_Person]:
    ordered = sorted(members, key=lambda m: m.user_id)
    repeated = sorted(user_id for user_id, n in Counter(m.user_id for m in ordered).items() if n > 1)
    if repeated:
        listed = ", ".join(str(user_id) for user_id in repeated[:5])
        raise Invalid(f"Each member can opt in only once; repeated user ids: {listed}.")
    bits = {group: bit for bit, group in enumerate(sorted({g for m in ordered for g in m.groups}))}
    slots: dict[int, int] = {}
    people = []
    for member in ordered:
        try:
            awake = awake_mask(member.clock.zone, waking, on, member.clock.quiet)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise Invalid(
                f"User {member.user_id} has time zone {str(member.clock.zone)[:64]!r}, which is not an IANA "
                "name such as Asia/Tokyo."
            ) from None
        people.append(
            _Person(
                user_id=member.user_id,
                awake=awake,
                slot=slots.setdefault(awake, len(slots)),
                groups=sum(1 << bits[g] for g in member.groups),
            )
        )
    return people


class _Draw:
    """One round: the hard bars, the scores and the choices made so far (people are list indexes)."""

    def __init__(
        self, people: list[_Person], round_number: int, no_repeat_rounds: int, rng: random.Random
    ) -> None:
        self.people = people
        self.round_number = round_number
        self.no_repeat_rounds = no_repeat_rounds
        self.rng = rng
        n = len(people)
        self.last_met: list[dict[int, int]] = [{} for _ in range(n)]  # partner -> rounds since
        self.avoids: list[set[int]] = [set() for _ in range(n)]  # their own do-not-pair list
        self.barred: list[set[int]] = [set() for _ in range(n)]  # anyone they may not meet this round
        masks = sorted({p.awake: p.slot for p in people}.items(), key=lambda item: item[1])
        self.overlap_term = [[_overlap_term((a & b).bit_count()) for b, _ in masks] for a, _ in masks]
        self.groups: list[list[int]] = []
        self.left: list[int] = []

    def bar(self, history: Iterable[PastPairing], do_not_pair: Iterable[tuple[int, int]]) -> None:
        """Record who met whom and when, and who may not meet whom this round."""
        index_of = {p.user_id: i for i, p in enumerate(self.people)}
        for past in history:
            since = self.round_number - past.round_number
            present = sorted(index_of[u] for u in past.members if u in index_of)
            for x, y in combinations(present, 2):
                # A pairing dated this round or later is treated as having just happened.
                for a, b in ((x, y), (y, x)):
                    self.last_met[a][b] = min(self.last_met[a].get(b, since), since)
                if since <= self.no_repeat_rounds:
                    self.barred[x].add(y)
                    self.barred[y].add(x)
        for asker, other in do_not_pair:
            x, y = index_of.get(asker), index_of.get(other)
            if x is not None and y is not None and x != y:
                self.avoids[x].add(y)
                self.barred[x].add(y)
                self.barred[y].add(x)

    def score(self, x: int, y: int) -> float:
        """Score ``x`` with ``y``: higher is a better coffee."""
        a, b = self.people[x], self.people[y]
        since = self.last_met[x].get(y)
        fresh = 1.0 if since is None else max(since, 0) / (max(since, 0) + REPEAT_HALF_LIFE_ROUNDS)
        return (
            NEW_PARTNER_WEIGHT * fresh
            + (0.0 if a.groups & b.groups else DIFFERENT_GROUPS_WEIGHT)
            + self.overlap_term[a.slot][b.slot]
        )

    def may_meet(self, x: int, y: int) -> bool:
        """Tell whether no hard rule keeps ``x`` and ``y`` apart."""
        return x != y and y not in self.barred[x]

    def pair_greedily(self) -> None:
        """Pair members most constrained first, each with their best-scoring free partner."""
        n = len(self.people)
        order = list(range(n))
        self.rng.shuffle(order)
        queue = sorted(order, key=lambda i: -len(self.barred[i]))  # stable: random among equals
        free = list(range(n))
        self.rng.shuffle(free)  # the earliest in this order wins a tie
        slots = [p.slot for p in self.people]
        groups = [p.groups for p in self.people]
        taken = [False] * n
        for x in queue:
            if taken[x]:
                continue
            free.remove(x)
            taken[x] = True
            row, mine = self.overlap_term[slots[x]], groups[x]
            # Everyone's score as a new partner in one pass; the few met before or barred are corrected after.
            scores = [
                row[slots[y]] + (0.0 if mine & groups[y] else DIFFERENT_GROUPS_WEIGHT) + NEW_PARTNER_WEIGHT
                for y in free
            ]
            for y in self.barred[x] | self.last_met[x].keys():
                if not taken[y]:
                    scores[free.index(y)] = _NEVER if y in self.barred[x] else self.score(x, y)
            best = max(range(len(free)), key=scores.__getitem__, default=None)
            if best is None or scores[best] == _NEVER:
                self.left.append(x)
                continue
            y = free.pop(best)
            taken[y] = True
            self.groups.append([x, y])

    def swap_leftovers_in(self) -> None:
        """Pair up leftovers who may not meet each other through existing pairs, while the rules allow."""
        while self.swap_once():
            pass

    def swap_once(self) -> bool:
        """Turn leftovers u, v and a pair x-y into u-x and v-y; tell if one such swap was made."""
        for u in self.left:
            for group in self.groups:
                for a, b in ((group[0], group[1]), (group[1], group[0])):
                    if not self.may_meet(u, a):
                        continue
                    v = next((v for v in self.left if v != u and self.may_meet(v, b)), None)
                    if v is not None:
                        group[:] = [u, a]
                        self.groups.append([v, b])
                        self.left = [w for w in self.left if w not in (u, v)]
                        return True
        return False

    def make_trios(self) -> None:
        """Let each leftover join a pair as its third, moving someone to another pair if need be."""
        while self.left:
            self.join_pairs()
            if not any(self.move_to_make_room(u) for u in self.left):
                return

    def join_pairs(self) -> None:
        """Place each leftover in the best-scoring pair whose both members they may meet (one per pair)."""
        still = []
        for u in self.left:
            fits = [
                g for g in self.groups if len(g) == 2 and self.may_meet(u, g[0]) and self.may_meet(u, g[1])
            ]
            if fits:
                # max keeps the first of equals: the earliest pair drawn.
                max(fits, key=lambda g: self.score(u, g[0]) + self.score(u, g[1])).append(u)
            else:
                still.append(u)
        self.left = still

    def move_to_make_room(self, u: int) -> bool:
        """Pair ``u`` with someone whose partner can become the third of another pair; tell if done."""
        pairs = [g for g in self.groups if len(g) == 2]
        for group in pairs:
            for a, b in ((group[0], group[1]), (group[1], group[0])):
                if not self.may_meet(u, a):
                    continue
                host = next(
                    (
                        g
                        for g in pairs
                        if g is not group and self.may_meet(b, g[0]) and self.may_meet(b, g[1])
                    ),
                    None,
                )
                if host is not None:
                    group[:] = [u, a]
                    host.append(b)
                    self.left.remove(u)
                    return True
        return False

    def why_left(self, u: int) -> str:
        """Explain to ``u`` why they have no partner, never naming who asked not to meet whom."""
        others = [y for y in range(len(self.people)) if y != u]
        if not others:
            return ONLY_ONE
        recent = {y for y, since in self.last_met[u].items() if since <= self.no_repeat_rounds}
        if all(y in self.avoids[u] or y in recent for y in others):
            if all(y in self.avoids[u] for y in others):
                return ON_YOUR_LIST
            if all(y in recent for y in others):
                return _met_recently(self.no_repeat_rounds)
            return _on_list_or_met(self.no_repeat_rounds)
        return NO_PARTNER_LEFT

    def describe(self, group: list[int]) -> CoffeeGroup:
        """Turn a group of indexes into the round's plain record."""
        scores = [self.score(x, y) for x, y in combinations(group, 2)]
        common = -1
        for x in group:
            common &= self.people[x].awake
        return CoffeeGroup(
            members=tuple(sorted(self.people[x].user_id for x in group)),
            score=round(sum(scores) / len(scores), 3),
            overlap_minutes=common.bit_count(),
        )

    def result(self) -> CoffeeRound:
        """Return the round with groups by first member and the unpaired by user id."""
        return CoffeeRound(
            groups=tuple(sorted((self.describe(g) for g in self.groups), key=lambda g: g.members)),
            unpaired=tuple(
                sorted(
                    (Unpaired(self.people[u].user_id, self.why_left(u)) for u in self.left),
                    key=lambda u: u.user_id,
                )
            ),
        )


def _overlap_term(minutes: int) -> float:
    if minutes <= 0:
        return -NO_OVERLAP_PENALTY
    return OVERLAP_WEIGHT * min(minutes, OVERLAP_FULL_CREDIT_MINUTES) / OVERLAP_FULL_CREDIT_MINUTES


_NEVER = float("-inf")
