"""Light prompts without Discord: day windows, rotation, and when a prompt is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.conversation import due_moment, light_library, next_moment, next_unused, parse_window
from bot.domain.goals import Clock
from bot.errors import Invalid


def test_day_windows_are_parsed_and_bad_ones_explained():
    assert parse_window("10:00-16:00") == (600, 960)
    assert parse_window(" 9:30 - 24:00 ") == (570, 1440)
    for bad in ("10-16", "16:00-10:00", "25:00-26:00", "ten to four"):
        with pytest.raises(Invalid):
            parse_window(bad)


@given(st.integers(min_value=1, max_value=40))
def test_no_prompt_repeats_before_the_whole_list_had_its_turn(rounds: int):
    prompts = light_library()
    used: list[str] = []
    picked = []
    for _ in range(rounds):
        prompt, used = next_unused(prompts, used)
        assert prompt is not None
        picked.append(prompt.key)
    for start in range(0, len(picked), len(prompts)):
        chunk = picked[start : start + len(prompts)]
        assert len(chunk) == len(set(chunk))


def test_an_empty_library_gives_no_prompt():
    assert next_unused([], ["light:question/0"]) == (None, [])


def test_a_prompt_is_due_from_the_best_moment_until_the_window_closes():
    clocks = [Clock("America/New_York"), Clock("Europe/London")]
    anchor = date(2026, 11, 23)
    kwargs = {
        "every_days": 2,
        "anchor": anchor,
        "zone": "Europe/London",
        "window": (600, 960),
        "last_day": None,
    }
    moment = next_moment(clocks, now=datetime(2026, 11, 23, tzinfo=UTC), **kwargs)
    assert moment == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 08:00 in New York: both awake
    assert due_moment(clocks, now=moment - timedelta(minutes=1), **kwargs) is None
    assert due_moment(clocks, now=moment, **kwargs) == (anchor, moment)
    assert due_moment(clocks, now=datetime(2026, 11, 23, 16, 0, tzinfo=UTC), **kwargs) is None  # window shut
    assert due_moment(clocks, now=moment + timedelta(days=1), **kwargs) is None  # not a prompt day
    kwargs["last_day"] = anchor
    assert next_moment(clocks, now=moment, **kwargs) == moment + timedelta(days=2)


def test_the_window_follows_the_servers_clock_across_dst():
    clocks = [Clock("Europe/London")]
    kwargs = {"every_days": 1, "anchor": date(2026, 10, 23), "zone": "Europe/London", "window": (600, 960)}
    before = next_moment(clocks, now=datetime(2026, 10, 24, tzinfo=UTC), last_day=None, **kwargs)
    after = next_moment(clocks, now=datetime(2026, 10, 26, tzinfo=UTC), last_day=None, **kwargs)
    assert (before.hour, after.hour) == (9, 10)  # 10:00 London in summer time, then in winter time
