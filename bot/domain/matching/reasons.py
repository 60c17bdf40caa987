"""The reasons behind a proposal, in words a coordinator reads."""

from __future__ import annotations

from collections import Counter

from bot.domain.matching.people import _Person

# Reasons are read by a person: a few tags say enough.
MAX_TAGS_SHOWN = 5

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _interest_reason(members: list[_Person]) -> str:
    counts = Counter(tag for p in members for tag in p.candidate.interests)
    shared = sorted((tag for tag, n in counts.items() if n >= 2), key=lambda tag: (-counts[tag], tag))
    if not shared:
        return "no shared interests"
    size = len(members)
    shown = [
        tag if counts[tag] == size else f"{tag} ({counts[tag]} of {size})" for tag in shared[:MAX_TAGS_SHOWN]
    ]
    more = f" and {len(shared) - MAX_TAGS_SHOWN} more" if len(shared) > MAX_TAGS_SHOWN else ""
    return f"shared interests: {', '.join(shown)}{more}"


def _overlap_reason(members: list[_Person]) -> str:
    common = members[0].awake
    for person in members[1:]:
        common &= person.awake
    minutes = common.bit_count()
    whom = "" if len(members) == 2 else f" for all {_word(len(members))}"
    if not minutes:
        return f"no waking hours overlap{whom}: they can only write to each other asynchronously"
    return f"{_duration(minutes)} of waking hours overlap{whom}"


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _count(n: int, noun: str) -> str:
    return f"{_word(n)} {noun}{'' if n == 1 else 's'}"
