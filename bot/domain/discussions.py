"""Ground rules, confidentiality reminders and the prompt library for facilitated discussions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.text import clip
from bot.errors import Invalid

DEFAULT_GROUND_RULES: tuple[str, ...] = (
    "Attend consistently: the group works because people keep showing up.",
    "What is said here stays here.",
    "Hold each other accountable, kindly.",
    "Speak for yourself and from your own experience.",
    "Share the air: leave room for quieter voices.",
)
RULES_MAX = 10
RULE_MAX = 200
PROMPT_MAX = 1000
TOPIC_MAX = 60

CONFIDENTIALITY_REMINDER = (
    "A reminder: what is shared in this group stays in this group. Speak for yourself, and "
    "don't repeat others' stories outside without their permission."
)

# Written for professional peer mentoring; the sources' academic development plan runs from
# core values to short- and long-term goals.
PROMPT_LIBRARY: dict[str, tuple[str, ...]] = {
    "core values": (
        "Which of your core values did your work honour this month, and which did it strain?",
        "Think of a career decision you're proud of. What value guided it?",
    ),
    "career goals": (
        "What is one short-term goal (next three months) that moves a long-term goal forward?",
        "Where do you want to be in five years, and what would a first step look like this week?",
    ),
    "promotion and recognition": (
        "What evidence of your work would you put in a promotion dossier today? What's missing?",
        "Who knows about your best work? Who should?",
    ),
    "grants and writing": (
        "What is your writing routine right now, and what is one change that would protect it?",
        "Share the specific aims (or thesis) of a project in two sentences. What questions come back?",
    ),
    "teaching": ("What teaching moment this term surprised you, and what did you learn from it?",),
    "work-life integration": (
        "What drains you most at work right now, and what restores you?",
        "Where is one boundary you'd like to hold better, and what makes it hard?",
    ),
    "leadership": ("Describe a time you led without the title. What worked?",),
    "navigating the institution": ("What unwritten rule of your institution did you learn the hard way?",),
    "being underrepresented": (
        "When have you felt like the only one in the room, and what helped you stay yourself?",
    ),
    "setbacks": ("Share a rejection or setback and what you did the week after.",),
}


@dataclass(frozen=True)
class Prompt:
    """A prompt of a server's library."""

    key: str  # "topic/index" for a built-in prompt, "s<id>" for a server's own
    topic: str
    text: str


@dataclass(frozen=True)
class PromptChange:
    """A server's own prompt, or its edit or retirement of a built-in one."""

    id: int
    builtin_key: str | None
    topic: str
    text: str
    retired: bool


def library() -> list[Prompt]:
    """Return every built-in prompt; keys are stable "topic/index"."""
    return [
        Prompt(f"{topic}/{i}", topic, text)
        for topic, texts in PROMPT_LIBRARY.items()
        for i, text in enumerate(texts)
    ]


def server_library(changes: Iterable[PromptChange], builtins: Sequence[Prompt] | None = None) -> list[Prompt]:
    """Return a server's library: the built-ins as it edited them, minus retired ones, plus its own."""
    changes = list(changes)
    edits = {change.builtin_key: change for change in changes if change.builtin_key}
    prompts = []
    for prompt in library() if builtins is None else builtins:
        edit = edits.get(prompt.key)
        if edit is None:
            prompts.append(prompt)
        elif not edit.retired:
            prompts.append(Prompt(prompt.key, prompt.topic, edit.text))
    own = (change for change in changes if change.builtin_key is None and not change.retired)
    prompts.extend(Prompt(f"s{change.id}", change.topic, change.text) for change in own)
    return prompts


def next_in_rotation(prompts: Sequence[Prompt], used: Sequence[str]) -> Prompt | None:
    """Return the first prompt the group has not used, else the one used longest ago.

    ``used`` holds the texts of the group's past discussions, oldest first.
    """
    last_use = {text: index for index, text in enumerate(used)}
    fresh = [prompt for prompt in prompts if prompt.text not in last_use]
    if fresh:
        return fresh[0]
    return min(prompts, key=lambda prompt: last_use[prompt.text], default=None)


def choose_prompt(prompts: Sequence[Prompt], typed: str) -> str:
    """Return the library prompt a key names, or the typed prompt, checked against the limits."""
    chosen = {prompt.key: prompt.text for prompt in prompts}.get(typed.strip(), typed)
    return check_prompt(chosen)


def check_prompt(text: str) -> str:
    """Return a prompt stripped, or raise when it is empty or too long."""
    text = text.strip()
    if not text:
        raise Invalid("A discussion needs a prompt: type one or pick one from the library.")
    if len(text) > PROMPT_MAX:
        raise Invalid(f"A prompt can be at most {PROMPT_MAX} characters (this one has {len(text)}).")
    return text


def check_topic(text: str) -> str:
    """Return a prompt topic, lower case and trimmed."""
    topic = " ".join(text.split()).lower()
    if not 1 <= len(topic) <= TOPIC_MAX:
        raise Invalid(f"A topic has 1 to {TOPIC_MAX} characters.")
    return topic


def parse_rules(text: str) -> tuple[str, ...]:
    """Parse ground rules, one per line."""
    rules = tuple(" ".join(line.split()).lstrip("-•* ") for line in text.splitlines() if line.strip())
    if not 1 <= len(rules) <= RULES_MAX:
        raise Invalid(f"Give 1 to {RULES_MAX} ground rules, one per line.")
    if any(len(rule) > RULE_MAX for rule in rules):
        raise Invalid(f"Each ground rule can be at most {RULE_MAX} characters.")
    return rules


def thread_name(prompt: str) -> str:
    """Return a thread name (Discord allows 100 characters) from a prompt."""
    flat = " ".join(prompt.split())
    return clip(flat, 90)


TURN_MINUTES = (5, 3 * 24 * 60)  # a spotlight turn: from a live round to an asynchronous one
NUDGE_AFTER_HOURS = (1, 14 * 24)


def check_round(turn_minutes: int, nudge_after_hours: int) -> None:
    """Raise unless a round's turn length and nudge delay are within bounds."""
    if not TURN_MINUTES[0] <= turn_minutes <= TURN_MINUTES[1]:
        raise Invalid(f"A spotlight turn lasts {TURN_MINUTES[0]} minutes to {TURN_MINUTES[1] // 1440} days.")
    if not NUDGE_AFTER_HOURS[0] <= nudge_after_hours <= NUDGE_AFTER_HOURS[1]:
        raise Invalid(f"Nudges can go out after 1 hour to {NUDGE_AFTER_HOURS[1] // 24} days.")


def next_spotlight(order: Sequence[int], position: int, still_here: Iterable[int]) -> int | None:
    """Return the position of the next member still in the group after ``position``, or None at the end."""
    here = set(still_here)
    return next((index for index in range(position + 1, len(order)) if order[index] in here), None)


def silent_members(order: Sequence[int], counts: dict[int, int], still_here: Iterable[int]) -> list[int]:
    """Return the round's members, still in the group, who have not said anything yet."""
    here = set(still_here)
    return [user for user in order if user in here and counts.get(user, 0) == 0]
