"""Check-in questions and answers: the default set, custom sets, and what a valid answer is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.errors import Invalid

QuestionKind = Literal["short", "long", "scale"]
Visibility = Literal["private", "facilitators", "group"]

VISIBILITIES: tuple[Visibility, ...] = ("private", "facilitators", "group")
VISIBILITY_LABELS: dict[Visibility, str] = {
    "private": "only me",
    "facilitators": "me and the group's facilitators",
    "group": "the whole group",
}
QUESTIONS_MAX = 5  # a Discord modal holds five inputs
QUESTION_MAX = 45  # a modal label holds 45 characters
ANSWER_MAX: dict[QuestionKind, int] = {"short": 300, "long": 1500, "scale": 1}


@dataclass(frozen=True)
class Question:
    """One check-in question."""

    text: str
    kind: QuestionKind = "short"

    def to_json(self) -> dict[str, str]:
        """Return a JSON form."""
        return {"text": self.text, "kind": self.kind}


DEFAULT_QUESTIONS: tuple[Question, ...] = (
    Question("How are you doing? (1 low – 5 great)", "scale"),
    Question("Progress since last time?", "long"),
    Question("What is in your way?", "long"),
    Question("What help would be useful?", "short"),
)


def questions_from_json(data: list[dict[str, str]] | None) -> tuple[Question, ...]:
    """Rebuild stored questions; None means the default set."""
    if not data:
        return DEFAULT_QUESTIONS
    return tuple(Question(q["text"], q["kind"]) for q in data)  # type: ignore[arg-type]


def parse_question_lines(text: str) -> tuple[Question, ...]:
    """Parse one question per line; a line may start with [scale] or [long] (default: short)."""
    questions = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        kind: QuestionKind = "short"
        for prefix in ("scale", "long", "short"):
            if line.lower().startswith(f"[{prefix}]"):
                kind, line = prefix, line[len(prefix) + 2 :].strip()  # type: ignore[assignment]
        if not line:
            raise Invalid("A question line has a kind but no question.")
        if len(line) > QUESTION_MAX:
            raise Invalid(
                f"Each question can be at most {QUESTION_MAX} characters (Discord's limit): “{line[:50]}…”"
            )
        questions.append(Question(line, kind))
    if not 1 <= len(questions) <= QUESTIONS_MAX:
        raise Invalid(f"A question set has 1 to {QUESTIONS_MAX} questions, one per line.")
    return tuple(questions)


def check_answers(questions: tuple[Question, ...], values: list[str]) -> list[dict[str, Any]]:
    """Validate one value per question; return what is stored. Empty text answers are allowed."""
    if len(values) != len(questions):
        raise Invalid("The answer form no longer matches the questions; open the check-in again.")
    answers = []
    for question, value in zip(questions, values, strict=True):
        value = value.strip()
        if question.kind == "scale":
            if value and value not in {"1", "2", "3", "4", "5"}:
                raise Invalid(f"“{question.text}” takes a number from 1 to 5.")
        elif len(value) > ANSWER_MAX[question.kind]:
            raise Invalid(
                f"The answer to “{question.text}” can be at most {ANSWER_MAX[question.kind]} characters "
                f"(it has {len(value)})."
            )
        answers.append({"question": question.text, "kind": question.kind, "value": value})
    if all(not a["value"] for a in answers):
        raise Invalid("Your check-in is empty; answer at least one question (or press Skip).")
    return answers


def check_visibility(value: str) -> Visibility:
    """Return ``value`` as a visibility, or raise Invalid."""
    if value not in VISIBILITIES:
        raise Invalid("Choose who sees your answer: private, facilitators or group.")
    return value  # type: ignore[return-value]
