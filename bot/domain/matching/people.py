"""Who is matched: candidates checked and prepared (waking hours as masks over the UTC day)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import combinations
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import Invalid

Role = Literal["mentor", "mentee", "peer"]
Mode = Literal["one_to_one", "near_peer", "peer"]

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Candidate:
    """A member who opted in to this round of matching."""

    user_id: int
    wants: Role
    stage: int | None  # index on the server's ordered career ladder (0 = most junior)
    interests: frozenset[str]  # lower-case tags
    timezone: str  # IANA name
    waking: tuple[int, int] = (8 * 60, 21 * 60)  # local minutes after midnight; may wrap past it


def waking_overlap_minutes(a: Candidate, b: Candidate, on: date) -> int:
    """Return how many minutes of the UTC day ``on`` both candidates are awake (DST-correct)."""
    for candidate in (a, b):
        _check_clock(candidate)
    mine, theirs = (_awake_mask(c.timezone, tuple(c.waking), on) for c in (a, b))
    return (mine & theirs).bit_count()


@dataclass(frozen=True, slots=True)
class _Person:
    candidate: Candidate
    index: int  # position in user-id order, which doubles as the tie-breaker
    awake: int  # bitmask over the minutes of the UTC day
    slot: int  # index of ``awake`` among the round's distinct masks
    tags: int  # bitmask over the round's interest vocabulary
    tag_count: int
    stage_slot: int  # index of the stage among the round's distinct stages (None included)

    @property
    def user_id(self) -> int:
        return self.candidate.user_id

    @property
    def stage(self) -> int | None:
        return self.candidate.stage


def _prepare(candidates: Iterable[Candidate], on: date) -> list[_Person]:
    ordered = sorted(candidates, key=lambda c: c.user_id)
    seen = Counter(c.user_id for c in ordered)
    duplicates = sorted(user_id for user_id, count in seen.items() if count > 1)
    if duplicates:
        listed = ", ".join(str(user_id) for user_id in duplicates[:5])
        raise Invalid(f"Each member can be a candidate only once; repeated user ids: {listed}.")
    for candidate in ordered:
        _check_candidate(candidate)
    vocabulary = {tag: bit for bit, tag in enumerate(sorted({t for c in ordered for t in c.interests}))}
    slots: dict[int, int] = {}
    stage_slots: dict[int | None, int] = {}
    people = []
    for index, candidate in enumerate(ordered):
        awake = _awake_mask(candidate.timezone, tuple(candidate.waking), on)
        people.append(
            _Person(
                candidate=candidate,
                index=index,
                awake=awake,
                slot=slots.setdefault(awake, len(slots)),
                tags=sum(1 << vocabulary[tag] for tag in candidate.interests),
                tag_count=len(candidate.interests),
                stage_slot=stage_slots.setdefault(candidate.stage, len(stage_slots)),
            )
        )
    return people


def _check_candidate(candidate: Candidate) -> None:
    if candidate.wants not in get_args(Role):
        raise Invalid(
            f"User {candidate.user_id} opted in as {candidate.wants!r}; "
            f"roles are {', '.join(get_args(Role))}."
        )
    if candidate.stage is not None and candidate.stage < 0:
        raise Invalid(f"User {candidate.user_id} has career stage {candidate.stage}; stages start at 0.")
    _check_clock(candidate)


def _check_clock(candidate: Candidate) -> None:
    try:
        ZoneInfo(candidate.timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise Invalid(
            f"User {candidate.user_id} has time zone {str(candidate.timezone)[:64]!r}, which is not an IANA "
            "name such as Asia/Tokyo."
        ) from None
    start, end = candidate.waking
    if not all(isinstance(m, int) and 0 <= m < MINUTES_PER_DAY for m in (start, end)) or start == end:
        raise Invalid(
            f"User {candidate.user_id} has waking hours {candidate.waking!r}; they must be two different "
            "times given as minutes after midnight (0-1439)."
        )


@lru_cache(maxsize=4096)
def _awake_mask(zone: str, waking: tuple[int, int], on: date) -> int:
    # Bit m is set when the person is awake during minute m of the UTC day ``on``. Windows are built
    # on the person's own calendar, so each day's DST offset applies; local days from two before to
    # one after reach into that UTC day for every offset between UTC-12 and UTC+14 (with wrapping).
    tz = ZoneInfo(zone)
    day_start = datetime.combine(on, time(), tzinfo=UTC)
    start, end = waking
    mask = 0
    for shift in (-2, -1, 0, 1):
        local_day = on + timedelta(days=shift)
        opens = datetime.combine(local_day, _clock(start), tzinfo=tz)
        closes_day = local_day + timedelta(days=1) if end <= start else local_day
        closes = datetime.combine(closes_day, _clock(end), tzinfo=tz)
        first = max(0, (opens - day_start) // timedelta(minutes=1))
        last = min(MINUTES_PER_DAY, (closes - day_start) // timedelta(minutes=1))
        if first < last:
            mask |= ((1 << (last - first)) - 1) << first
    return mask


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _blocked(previous_pairs: Iterable[frozenset[int]], people: Sequence[_Person]) -> list[set[int]]:
    # Everyone who appeared together before (a past pair, or any two of a past group) stays apart.
    index_of = {p.user_id: p.index for p in people}
    blocked: list[set[int]] = [set() for _ in people]
    for together in previous_pairs:
        present = sorted(index_of[u] for u in together if u in index_of)
        for x, y in combinations(present, 2):
            blocked[x].add(y)
            blocked[y].add(x)
    return blocked
