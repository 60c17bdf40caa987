"""Discussion rules without Discord: the prompt library, rotation, rounds and the ritual cadence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.cadence import due_occurrence, first_day, next_occurrence
from bot.domain.discussions import (
    PROMPT_MAX,
    Prompt,
    PromptChange,
    check_round,
    choose_prompt,
    library,
    next_in_rotation,
    next_spotlight,
    server_library,
    silent_members,
)
from bot.domain.goals import Clock
from bot.domain.recurrence import in_cadence_week
from bot.errors import Invalid

# -- the prompt library ---------------------------------------------------------------------


def test_the_built_in_library_covers_the_topics_of_professional_peer_mentoring():
    topics = {prompt.topic for prompt in library()}
    for topic in ("core values", "career goals", "grants and writing", "work-life integration", "setbacks"):
        assert topic in topics
    keys = [prompt.key for prompt in library()]
    assert len(keys) == len(set(keys))


def test_a_server_edits_and_retires_built_ins_and_adds_its_own():
    first, second = library()[0], library()[1]
    changes = [
        PromptChange(1, first.key, first.topic, "Reworded for us", retired=False),
        PromptChange(2, second.key, second.topic, second.text, retired=True),
        PromptChange(3, None, "mentoring up", "How do you manage your mentor?", retired=False),
        PromptChange(4, None, "mentoring up", "A retired one of our own", retired=True),
    ]
    prompts = server_library(changes)
    by_key = {p.key: p for p in prompts}
    assert by_key[first.key].text == "Reworded for us"
    assert second.key not in by_key
    assert by_key["s3"] == Prompt("s3", "mentoring up", "How do you manage your mentor?")
    assert "s4" not in by_key
    assert len(prompts) == len(library()) - 1 + 1


def test_a_key_chooses_its_prompt_and_typed_text_is_checked():
    prompts = library()
    assert choose_prompt(prompts, prompts[2].key) == prompts[2].text
    assert choose_prompt(prompts, "  What surprised you?  ") == "What surprised you?"
    with pytest.raises(Invalid, match="needs a prompt"):
        choose_prompt(prompts, "   ")
    with pytest.raises(Invalid, match=f"at most {PROMPT_MAX}"):
        choose_prompt(prompts, "x" * (PROMPT_MAX + 1))


def test_rotation_takes_unused_prompts_first_then_the_one_used_longest_ago():
    a, b, c = (Prompt(f"t/{i}", "t", text) for i, text in enumerate("ABC"))
    assert next_in_rotation([a, b, c], []) == a
    assert next_in_rotation([a, b, c], ["A", "Typed by a facilitator"]) == b
    assert next_in_rotation([a, b, c], ["C", "A", "B"]) == c
    assert next_in_rotation([a, b, c], ["A", "C", "A", "B"]) == c  # A was used again since
    assert next_in_rotation([], ["A"]) is None


@given(st.lists(st.sampled_from("ABCDE"), max_size=30))
def test_rotation_never_repeats_a_prompt_until_the_list_is_used_up(history: list[str]):
    prompts = [Prompt(f"t/{i}", "t", text) for i, text in enumerate("ABCDE")]
    used = list(history)
    for _ in range(5):
        chosen = next_in_rotation(prompts, used)
        assert chosen is not None
        used.append(chosen.text)
    assert sorted(used[-5:]) == list("ABCDE")


# -- rounds ---------------------------------------------------------------------------------


def test_the_spotlight_skips_members_who_left_and_ends_after_the_last():
    order = [1, 2, 3, 4]
    assert next_spotlight(order, 0, {1, 2, 3, 4}) == 1
    assert next_spotlight(order, 0, {1, 3, 4}) == 2
    assert next_spotlight(order, 2, {1, 2, 3}) is None
    assert next_spotlight(order, 3, {1, 2, 3, 4}) is None


def test_only_members_still_here_who_said_nothing_are_nudged():
    assert silent_members([1, 2, 3, 4], {1: 3, 3: 0}, {1, 2, 3}) == [2, 3]


def test_round_bounds_are_explained():
    check_round(60, 24)
    with pytest.raises(Invalid, match="spotlight turn"):
        check_round(1, 24)
    with pytest.raises(Invalid, match="Nudges"):
        check_round(60, 0)


# -- the cadence of rituals -----------------------------------------------------------------


def test_cadence_days_fall_every_n_weeks_from_the_anchor():
    anchor = date(2026, 11, 24)  # a Tuesday
    assert in_cadence_week(anchor, anchor, 3)
    assert not in_cadence_week(anchor + timedelta(days=7), anchor, 3)
    assert in_cadence_week(anchor + timedelta(days=21), anchor, 3)
    assert first_day(1, date(2026, 11, 22)) == anchor
    assert first_day(1, anchor) == anchor


def test_an_occurrence_is_due_from_its_best_moment_until_the_late_window_closes():
    clocks = [Clock("Europe/London"), Clock("Europe/Berlin")]
    anchor = date(2026, 11, 24)
    moment = next_occurrence(clocks, 1, 1, anchor, datetime(2026, 11, 23, tzinfo=UTC))
    assert moment.date() == anchor and moment.hour == 9  # 09:00 London, 10:00 Berlin
    assert due_occurrence(clocks, 1, 1, anchor, moment - timedelta(minutes=1)) is None
    assert due_occurrence(clocks, 1, 1, anchor, moment) == (anchor, moment)
    assert due_occurrence(clocks, 1, 1, anchor, moment + timedelta(hours=2), last_day=anchor) is None
    assert due_occurrence(clocks, 1, 1, anchor, moment + timedelta(hours=13)) is None  # too late: skipped


def test_the_moment_follows_daylight_saving_time():
    clocks = [Clock("America/New_York")]
    anchor = date(2026, 10, 27)  # a Tuesday; New York leaves DST on 1 November
    before = next_occurrence(clocks, 1, 1, anchor, datetime(2026, 10, 26, tzinfo=UTC))
    after = next_occurrence(clocks, 1, 1, anchor, before + timedelta(days=1))
    assert (before.hour, after.hour) == (13, 14)  # 09:00 local both times
    assert after - before == timedelta(days=7, hours=1)


def test_an_auckland_group_gets_its_tuesday_on_its_own_tuesday():
    clocks = [Clock("Pacific/Auckland")] * 3
    anchor = date(2026, 11, 24)
    moment = next_occurrence(clocks, 1, 2, anchor, datetime(2026, 11, 22, tzinfo=UTC))
    assert moment.astimezone(ZoneInfo("Pacific/Auckland")).date() == anchor
    assert due_occurrence(clocks, 1, 2, anchor, moment) == (anchor, moment)
    later = next_occurrence(clocks, 1, 2, anchor, moment + timedelta(minutes=1), last_day=anchor)
    assert later - moment == timedelta(weeks=2)


@pytest.mark.parametrize(
    "zones", [("Pacific/Auckland", "Pacific/Honolulu"), ("Asia/Kolkata", "America/New_York", "Europe/London")]
)
def test_a_sweep_every_hour_runs_each_cadence_day_exactly_once(zones):
    clocks = [Clock(zone) for zone in zones]
    anchor = date(2026, 10, 20)  # a Tuesday, before the autumn DST changes
    now, last_day, ran = datetime(2026, 10, 17, tzinfo=UTC), None, []
    while now < datetime(2026, 12, 5, tzinfo=UTC):
        due = due_occurrence(clocks, 1, 2, anchor, now, last_day=last_day)
        if due is not None:
            last_day = due[0]
            ran.append(due[0])
        now += timedelta(hours=1)
    assert ran == [anchor + timedelta(weeks=n) for n in (0, 2, 4, 6)]
