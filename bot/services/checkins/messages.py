"""The messages check-ins send, as plain data (rendered to Discord by the runtime)."""

from __future__ import annotations

from datetime import date

from bot.domain.checkin_questions import VISIBILITY_LABELS, Question, Visibility
from bot.domain.text import clip
from bot.messaging import Button, Card, Field, OutgoingMessage
from bot.services.checkins.rounds import EarlierRounds
from bot.services.verbatim import verbatim

SUCCESS = 0x3BA55C


def answer_buttons(delivery_id: int) -> tuple[Button, ...]:
    """Return Answer, Snooze and Skip: persistent buttons handled by the check-ins cog."""
    return (
        Button(f"checkin:answer:{delivery_id}", "Answer", "primary"),
        Button(f"checkin:snooze:{delivery_id}:hour", "Snooze 1 h"),
        Button(f"checkin:snooze:{delivery_id}:tomorrow", "Tomorrow"),
        Button(f"checkin:skip:{delivery_id}", "Skip"),
    )


def checkin_dm(
    delivery_id: int,
    group_name: str,
    round_date: date,
    questions: tuple[Question, ...],
    visibility: Visibility,
) -> OutgoingMessage:
    """Build the check-in itself, sent at the member's local time."""
    card = Card(
        title=f"Check-in · {verbatim(group_name)}",
        description=(
            f"Your check-in for {round_date:%A %d %B}. It takes a minute. "
            f"Unless you choose otherwise, your answers are seen by {VISIBILITY_LABELS[visibility]}."
        ),
        fields=tuple(Field(f"{n}.", verbatim(q.text)) for n, q in enumerate(questions, start=1)),
        footer="Can't answer here? Use /checkin answer in the server.",
    )
    return OutgoingMessage(cards=(card,), buttons=answer_buttons(delivery_id))


def reminder_dm(delivery_id: int, group_name: str, *, snoozed: bool = False) -> OutgoingMessage:
    """Build the one gentle reminder (or the snoozed check-in coming back)."""
    title = "Your snoozed check-in is back" if snoozed else "A gentle reminder"
    text = f"Your check-in for **{verbatim(group_name)}** is still open, whenever you're ready."
    return OutgoingMessage(cards=(Card(title=title, description=text),), buttons=answer_buttons(delivery_id))


def dm_blocked_notice(user_id: int, group_name: str) -> OutgoingMessage:
    """Build the notice told once in the group's home when a member's DMs are closed."""
    return OutgoingMessage(
        content=(
            f"<@{user_id}>, I couldn't DM you this group's check-in: your DMs are closed to me. "
            "Turn on **Direct Messages** in this server's Privacy Settings and run `/profile test-dm`, "
            f"or answer here with `/checkin answer` (only you will see it). — {verbatim(group_name)}"
        ),
        mention_user_ids=(user_id,),
    )


def shared_answer(user_id: int, group_name: str, answers: list[dict[str, str]]) -> OutgoingMessage:
    """Build the post of an answer its author shared with the whole group."""
    fields = tuple(Field(verbatim(a["question"]), _shown(a)) for a in answers if a["value"])
    return OutgoingMessage(
        content=f"<@{user_id}> shared their check-in.",
        cards=(Card(title=f"Check-in · {verbatim(group_name)}", fields=fields, color=SUCCESS),),
    )


def digest(
    group_name: str,
    round_date: date,
    answered: int,
    total: int,
    highlights: list[str],
    *,
    unasked: int = 0,
    earlier: EarlierRounds | None = None,
) -> OutgoingMessage:
    """Build the short digest posted when a round closes (with the rounds missed while away)."""
    text = f"**{answered} of {total}** members checked in for {round_date:%A %d %B}."
    if unasked:
        text += f" {_were(unasked)} never asked: I was offline at their time."
    if earlier is not None:
        text += (
            f"\n\nWhile I was offline, {_rounds(earlier.count)} closed before this one "
            f"({earlier.first:%d %b %Y} to {earlier.last:%d %b %Y}): {earlier.answered} of "
            f"{earlier.total} check-ins answered. Their summaries are folded into this one."
        )
    if highlights:
        text += "\n\nShared with the group:\n" + "\n".join(highlights)
    return OutgoingMessage(
        cards=(Card(title=f"Check-in round closed · {verbatim(group_name)}", description=text[:4000]),)
    )


def _were(unasked: int) -> str:
    return f"{unasked} of them {'was' if unasked == 1 else 'were'}"


def _rounds(count: int) -> str:
    return "1 round" if count == 1 else f"{count} rounds"


def _shown(answer: dict[str, str]) -> str:
    value = answer["value"]
    return f"{value} / 5" if answer["kind"] == "scale" else clip(verbatim(value), 1024)
