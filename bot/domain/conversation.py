"""Light conversation prompts: the small, regular touch points that hallway encounters used to give."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.discussions import Prompt
from bot.domain.goals import Clock
from bot.domain.moments import best_moment
from bot.domain.timezones import first_reading
from bot.errors import Invalid

LIGHT_PROMPTS: dict[str, tuple[str, ...]] = {
    "question": (
        "What's one thing you learned this week that surprised you?",
        "What's on your desk (or screen) right now that you wish wasn't?",
        "Which meeting this week was worth it, and why?",
        "If you had a free afternoon for your own work, what would you do with it?",
    ),
    "working on": (
        "What are you working on this week? One line is plenty.",
        "What's the next small step on your biggest project?",
    ),
    "win of the week": (
        "Share a win from this week, big or small.",
        "Who helped you this week? A thank-you here counts.",
    ),
    "stuck on something?": (
        "Stuck on something? Describe it in two sentences: someone here may have been there.",
        "What's a question you've been putting off asking? Ask it here.",
    ),
}
EVERY_DAYS_MAX = 28


def light_library() -> list[Prompt]:
    """Return the built-in light prompts; keys are stable "light:topic/index"."""
    return [
        Prompt(f"light:{topic}/{i}", topic, text)
        for topic, texts in LIGHT_PROMPTS.items()
        for i, text in enumerate(texts)
    ]


def next_unused(prompts: Sequence[Prompt], used: Sequence[str]) -> tuple[Prompt | None, list[str]]:
    """Return the next prompt not used since the list was last used up, and the new list of used keys."""
    fresh = [prompt for prompt in prompts if prompt.key not in used]
    if not fresh:  # every prompt had its turn: start the list again
        used, fresh = [], list(prompts)
    if not fresh:
        return None, list(used)
    return fresh[0], [*used, fresh[0].key]


def parse_window(text: str) -> tuple[int, int]:
    """Parse "10:00-16:00" into minutes after midnight (start before end, within one day)."""
    try:
        start_text, end_text = (part.strip() for part in text.split("-"))
        start, end = (_minutes(part) for part in (start_text, end_text))
    except ValueError:
        raise Invalid("A day window looks like 10:00-16:00 (24-hour clock, start-end).") from None
    if not start < end:
        raise Invalid("The day window must start before it ends, within one day (e.g. 09:00-17:00).")
    return start, end


def due_moment(
    clocks: Sequence[Clock],
    *,
    every_days: int,
    anchor: date,
    zone: str,
    window: tuple[int, int],
    now: datetime,
    last_day: date | None,
) -> tuple[date, datetime] | None:
    """Return (day, moment) when a prompt's best moment today has come and its window is still open."""
    tz = ZoneInfo(zone)
    for day in candidate_days(every_days=every_days, anchor=anchor, zone=zone, now=now, last_day=last_day):
        best = best_moment(clocks, day, zone=zone, window=window)
        if best is not None and best.at <= now < first_reading(day, window[1], tz):
            return day, best.at
    return None


def candidate_days(
    *, every_days: int, anchor: date, zone: str, now: datetime, last_day: date | None
) -> list[date]:
    """Return the prompt day that could be due now, if any (cheap: no member clocks needed).

    Only today on the window's clock: yesterday's window, on that same clock, is already over.
    """
    today = now.astimezone(ZoneInfo(zone)).date()
    if today < anchor or today == last_day or (today - anchor).days % every_days:
        return []
    return [today]


def next_moment(
    clocks: Sequence[Clock],
    *,
    every_days: int,
    anchor: date,
    zone: str,
    window: tuple[int, int],
    now: datetime,
    last_day: date | None,
) -> datetime | None:
    """Return the moment of the next prompt still to come (for display), looking a few cycles ahead."""
    day = max(anchor, now.astimezone(ZoneInfo(zone)).date())
    for _ in range(every_days * 3 + 2):
        if day != last_day and not (day - anchor).days % every_days:
            best = best_moment(clocks, day, zone=zone, window=window)
            if best is not None and best.at > now:
                return best.at
        day += timedelta(days=1)
    return None


def _minutes(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes <= 59) or hours * 60 + minutes > 24 * 60:
        raise ValueError(text)
    return hours * 60 + minutes
