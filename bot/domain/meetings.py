"""Meetings across time zones: slots in each member's own time, ranked so awkward hours are few and rotate."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.goals import Clock
from bot.domain.timezones import in_quiet_hours

WEEKEND = frozenset({5, 6})
# Inconvenience of a meeting starting in each local hour of a working day: none in working hours, more the
# further into the evening or the earlier in the morning, the most in the small hours.
HOURLY_INCONVENIENCE: tuple[float, ...] = (
    *(8.0,) * 6,  # 00:00-05:59: the night
    4.0,  # 06:00
    2.0,  # 07:00
    1.0,  # 08:00
    *(0.0,) * 8,  # 09:00-16:59: working hours
    1.0,  # 17:00
    2.0,  # 18:00
    2.0,  # 19:00
    3.0,  # 20:00
    3.0,  # 21:00
    5.0,  # 22:00
    5.0,  # 23:00
)
NIGHT = max(HOURLY_INCONVENIENCE)
# From here on an hour is awkward (20:00 and later, 06:00 and earlier, quiet hours): the members it falls
# on are named, and a time awkward for fewer members always ranks before one awkward for more.
AWKWARD = 3.0
# A weekend hour costs family or rest time even in the daytime; never more than the night, though.
WEEKEND_EXTRA = 2.0
# How much more a member's inconvenience weighs per night meeting's worth of burden they carry beyond the
# least-burdened member invited. The weight grows without bound while one member keeps carrying, so the
# awkward hours must move on sooner or later, and it falls back to 1 once the others have caught up.
FAIRNESS_WEIGHT = 1.0
BURDEN_UNIT = NIGHT

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class LocalSlot:
    """A candidate slot as one member sees it: the UTC moment, their wall clock then, and a label."""

    at: datetime  # UTC
    local: datetime
    label: str  # "Mon 30 Mar, 14:30"; the UTC offset is added when two slots would read the same


@dataclass(frozen=True)
class RankedSlot:
    """A slot with who can come, who cannot, and what it costs the attendees."""

    at: datetime  # UTC
    attendees: tuple[int, ...]  # by user id
    absent: tuple[int, ...]  # invited members who did not mark it, by user id
    cost: float  # fairness-weighted inconvenience, summed over the attendees
    inconvenience: Mapping[int, float]  # each attendee's own score, unweighted

    @property
    def awkward(self) -> tuple[int, ...]:
        """Return the attendees for whom this is an awkward hour, by user id."""
        return tuple(sorted(m for m, score in self.inconvenience.items() if score >= AWKWARD))


def local_slots(slots: Sequence[datetime], zone: str) -> tuple[LocalSlot, ...]:
    """Return ``slots`` (in the given order) on the wall clock of ``zone``, labelled for a select menu."""
    tz = ZoneInfo(zone)
    locals_ = [_utc(slot).astimezone(tz) for slot in slots]
    labels = [_label(local) for local in locals_]
    # In the repeated hour of an autumn DST change two slots read the same: the offset tells them apart.
    repeated = {label for label in labels if labels.count(label) > 1}
    return tuple(
        LocalSlot(
            at=_utc(slot),
            local=local,
            label=f"{label} (UTC{_offset(local)})" if label in repeated else label,
        )
        for slot, local, label in zip(slots, locals_, labels, strict=True)
    )


def inconvenience(
    local: datetime, *, quiet: tuple[int, int] | None = None, weekend: Collection[int] = WEEKEND
) -> float:
    """Score a meeting starting at a member's ``local`` time: 0 in weekday working hours, up to NIGHT."""
    # Quiet hours are the member's own "do not disturb": a meeting then costs them as much as the night.
    if in_quiet_hours(local, quiet):
        return NIGHT
    score = HOURLY_INCONVENIENCE[local.hour]
    return min(score + WEEKEND_EXTRA, NIGHT) if local.weekday() in weekend else score


def rank_slots(
    slots: Sequence[datetime],
    availability: Mapping[int, Collection[datetime]],
    clocks: Mapping[int, Clock],
    burden: Mapping[int, float] | None = None,
    *,
    fairness: float = FAIRNESS_WEIGHT,
) -> tuple[RankedSlot, ...]:
    """Rank ``slots``: most attendees, then fewest at an awkward hour, then least weighted cost, then time."""
    # ``clocks`` names everyone invited; ``availability`` the slots each marked (unmarked: cannot come).
    # Each attendee's inconvenience is weighted by 1 + fairness x (their burden - the least burden among the
    # invited) / BURDEN_UNIT: whoever has carried more of the awkward hours than the others counts for more,
    # so the next awkward hour goes to someone else and the burden rotates. Equal burdens weigh everyone 1.
    # The weighting decides *who* carries an awkward hour, never makes more members carry one: a time
    # awkward for one member ranks before a time awkward for three, however the burden lies.
    if fairness < 0:
        raise ValueError(f"fairness must not be negative, got {fairness}")
    unknown = sorted(set(availability) - set(clocks))
    if unknown:
        raise ValueError(f"availability for members with no clock: {unknown[:5]}")
    burden = burden or {}
    if any(burden.get(m, 0.0) < 0 for m in clocks):
        raise ValueError("a burden is never negative")
    least = min((burden.get(m, 0.0) for m in clocks), default=0.0)
    weight = {m: 1.0 + fairness * (burden.get(m, 0.0) - least) / BURDEN_UNIT for m in clocks}
    marked = {m: {_utc(s) for s in chosen} for m, chosen in availability.items()}
    ranked = []
    for slot in dict.fromkeys(_utc(s) for s in slots):  # each slot once, in the given order
        attendees = tuple(sorted(m for m in clocks if slot in marked.get(m, ())))
        scores = {m: _inconvenience_at(slot, clocks[m]) for m in attendees}
        ranked.append(
            RankedSlot(
                at=slot,
                attendees=attendees,
                absent=tuple(sorted(m for m in clocks if m not in scores)),
                cost=round(sum(weight[m] * score for m, score in scores.items()), 6),
                inconvenience=scores,
            )
        )
    return tuple(sorted(ranked, key=lambda r: (-len(r.attendees), len(r.awkward), r.cost, r.at)))


def record_burden(
    burden: Mapping[int, float], slot: datetime, attendees: Collection[int], clocks: Mapping[int, Clock]
) -> dict[int, float]:
    """Return a new ledger with each attendee's inconvenience of ``slot`` added to what they carried."""
    unknown = sorted(set(attendees) - set(clocks))
    if unknown:
        raise ValueError(f"attendees with no clock: {unknown[:5]}")
    ledger = dict(burden)
    for member in attendees:
        ledger[member] = ledger.get(member, 0.0) + _inconvenience_at(_utc(slot), clocks[member])
    return ledger


def _inconvenience_at(slot: datetime, clock: Clock) -> float:
    return inconvenience(slot.astimezone(ZoneInfo(clock.zone)), quiet=clock.quiet)


def _label(local: datetime) -> str:
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}, {local:%H:%M}"


def _offset(local: datetime) -> str:
    minutes = int(local.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)
