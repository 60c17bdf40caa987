"""Ground rules, confidentiality reminders and the prompt library for facilitated discussions."""

from __future__ import annotations

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


def library() -> list[tuple[str, str]]:
    """Return (key, prompt) for every built-in prompt; keys are stable "topic/index"."""
    return [(f"{topic}/{i}", text) for topic, texts in PROMPT_LIBRARY.items() for i, text in enumerate(texts)]


def resolve_prompt(text: str) -> str:
    """Return a library prompt for its key, or the typed prompt, checked against the limits."""
    chosen = dict(library()).get(text.strip(), text).strip()
    if not chosen:
        raise Invalid("A discussion needs a prompt: type one or pick one from the library.")
    if len(chosen) > PROMPT_MAX:
        raise Invalid(f"A prompt can be at most {PROMPT_MAX} characters (this one has {len(chosen)}).")
    return chosen


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
    return flat if len(flat) <= 90 else flat[:89] + "…"
