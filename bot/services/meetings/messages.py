"""What the bot posts and sends about meetings, as plain messages (times as ``<t:…>`` markup)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from discord.utils import format_dt

from bot.messaging import Button, Card, Field, OutgoingMessage
from bot.services.verbatim import verbatim

MEETING_COLOR = 0x5B8DEF
CANCELLED_COLOR = 0x99AAB5


@dataclass(frozen=True)
class Where:
    """Where a meeting happens, in words for a message."""

    home_channel_id: int | None
    voice_channel_id: int | None
    event_url: str | None

    def describe(self) -> str:
        """Return "in <#voice>" / "in <#home>", with the event link when there is one."""
        place = (
            f"in <#{self.voice_channel_id}>"
            if self.voice_channel_id
            else (f"in <#{self.home_channel_id}>" if self.home_channel_id else "online")
        )
        return f"{place} · [event]({self.event_url})" if self.event_url else place


def rsvp_buttons(meeting_id: int) -> tuple[Button, ...]:
    """Return Going / Can't make it, handled by persistent buttons in the meetings cog."""
    return (
        Button(f"meet:rsvp:{meeting_id}:yes", "Going", "success"),
        Button(f"meet:rsvp:{meeting_id}:no", "Can't make it", "secondary"),
    )


def poll_message(
    meeting_id: int, title: str, slots: Sequence[datetime], duration_minutes: int
) -> OutgoingMessage:
    """Return the poll for the group's home: the candidate times and a button to mark one's own."""
    title = verbatim(title)  # typed by a facilitator: shown as written
    times = "\n".join(f"• {format_dt(slot, 'F')}" for slot in slots)
    text = (
        f"When can you meet for **{title}** ({duration_minutes} min)? These times show in your own "
        f"time zone:\n{times}\n\nPress **Mark my times** and pick every time that works for you; "
        "only the facilitators see who can come when."
    )
    return OutgoingMessage(
        cards=(Card(title=f"📅 {title}: when can you meet?", description=text[:4096], color=MEETING_COLOR),),
        buttons=(Button(f"meet:mark:{meeting_id}", "Mark my times", "primary"),),
    )


def announcement(
    meeting_id: int,
    title: str,
    starts_at: datetime,
    duration_minutes: int,
    where: Where,
    *,
    marked: int,
    invited: int,
    recurring: bool,
) -> OutgoingMessage:
    """Return the confirmed meeting for the group's home, with RSVP buttons."""
    title = verbatim(title)  # typed by a facilitator: shown as written
    if recurring:
        how = "Our regular meeting, at the hour that weighs least on everyone this time."
    else:
        how = f"{marked} of {invited} said this time works."
    text = (
        f"**{format_dt(starts_at, 'F')}** ({format_dt(starts_at, 'R')}) · {duration_minutes} min\n"
        f"Where: {where.describe()}\n{how}\n\n"
        "Reminders come by DM a day and an hour before (never in your quiet hours). "
        "Let the group know whether you'll come:"
    )
    return OutgoingMessage(
        cards=(Card(title=f"📅 {title}", description=text, color=MEETING_COLOR),),
        buttons=rsvp_buttons(meeting_id),
    )


def reminder(
    meeting_id: int, title: str, group_name: str, starts_at: datetime, kind: str, where: Where
) -> OutgoingMessage:
    """Return a reminder DM, a day or an hour before."""
    title, group_name = verbatim(title), verbatim(group_name)  # typed: shown as written
    when = "tomorrow" if kind == "day" else "soon"
    text = (
        f"**{title}** with {group_name} starts {format_dt(starts_at, 'R')}, at {format_dt(starts_at, 'F')}.\n"
        f"Where: {where.describe()}"
    )
    return OutgoingMessage(
        cards=(Card(title=f"⏰ Meeting {when}", description=text, color=MEETING_COLOR),),
        buttons=rsvp_buttons(meeting_id),
    )


def attendance_prompt(meeting_id: int, title: str, group_name: str, starts_at: datetime) -> OutgoingMessage:
    """Return the DM asking the facilitators, once the meeting is over, who came."""
    title, group_name = verbatim(title), verbatim(group_name)  # typed: shown as written
    text = (
        f"**{title}** ({group_name}, {format_dt(starts_at, 'F')}) is over. Who came? It takes a few seconds "
        "and keeps the group's attendance honest (or use `/meet attendance`)."
    )
    return OutgoingMessage(
        cards=(Card(title="📋 Record attendance", description=text, color=MEETING_COLOR),),
        buttons=(Button(f"meet:attend:{meeting_id}", "Record attendance", "primary"),),
    )


def cancelled_notice(title: str, starts_at: datetime | None, by: int) -> OutgoingMessage:
    """Return the note for the group's home that the meeting (or its poll) is off."""
    title = verbatim(title)  # typed by a facilitator: shown as written
    if starts_at is None:
        text = f"The poll for **{title}** is closed without a meeting (<@{by}> cancelled it)."
    else:
        text = f"**{title}** on {format_dt(starts_at, 'F')} is cancelled (by <@{by}>). Reminders are off."
    return OutgoingMessage(cards=(Card(title="📅 Cancelled", description=text, color=CANCELLED_COLOR),))


def event_failed(title: str, starts_at: datetime, why: str) -> OutgoingMessage:
    """Return the DM telling whoever confirmed that the meeting stands but its server event failed."""
    title = verbatim(title)  # typed by a facilitator: shown as written
    text = (
        f"**{title}** on {format_dt(starts_at, 'F')} is confirmed and the group was told, with reminders, "
        f"but I couldn't put it on the server's calendar:\n{why[:800]}"
    )
    return OutgoingMessage(
        cards=(
            Card(
                title="Meeting confirmed, no server event",
                description=text,
                fields=(
                    Field("Next time", "Give my role the permission, and later meetings get their event."),
                ),
            ),
        )
    )


def duration_text(minutes: int) -> str:
    """Return "1 h 30 min" for 90."""
    span = timedelta(minutes=minutes)
    hours, rest = divmod(int(span.total_seconds()) // 60, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)
