"""Facilitator moderation within a group's own spaces, members' reports, and the audit log.

Rights: coordinators act anywhere in their server; a facilitator acts only in their own
groups, only on its members, and never on coordinators or the group's other facilitators.
Every action and report is recorded (ids and reasons, never message content) and, if the
server has a moderation log channel, posted there for coordinators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Group, GroupMember, ModerationRecord
from bot.errors import Invalid, NotAllowed, NotFound
from bot.messaging import Card, Field, OutgoingMessage, Target
from bot.messaging.outbox import Outcome, enqueue
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor, Audit
from bot.services.checkin_plans import cancel_waiting_checkins, plan_again
from bot.services.groups import GroupService, GroupView
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

REASON_MAX = 500
TIMEOUT_MAX = timedelta(days=28)  # Discord's limit
SLOWMODE_MAX = 21_600  # seconds: Discord's limit
LOG_PAGE = 10
# The private notes shown in the server when their DM could not be delivered.
NOTE_ACTIONS = {
    "warn": "A facilitator asked you to take care: {reason}",
    "pause": "Your participation in a group is paused for now: {reason}",
    "remove_message": "A facilitator removed a message of yours. Reason: {reason}",
}
ACTION_LABELS = {
    "lock": "locked a thread",
    "unlock": "unlocked a thread",
    "slowmode": "set slow mode",
    "timeout": "timed out",
    "untimeout": "lifted the timeout of",
    "remove_message": "removed a message by",
    "warn": "warned",
    "pause": "paused",
    "restore": "restored",
    "remove": "removed from the group",
    "report": "reported a message by",
}


class ModerationActions(Protocol):
    """What moderation does on Discord; the runtime implements it with discord.py."""

    async def set_locked(self, guild_id: int, thread_id: int, locked: bool, audit: Audit) -> None:
        """Lock or unlock a thread."""
        ...

    async def set_slowmode(self, guild_id: int, channel_id: int, seconds: int, audit: Audit) -> None:
        """Set a channel's or thread's slow mode (0 clears it)."""
        ...

    async def timeout(self, guild_id: int, user_id: int, until: datetime | None, audit: Audit) -> None:
        """Time a member out until a moment, or lift it (None)."""
        ...

    async def delete_message(self, guild_id: int, channel_id: int, message_id: int, audit: Audit) -> int:
        """Delete a message; return its author's id."""
        ...


@dataclass(frozen=True)
class Place:
    """A channel or thread, and the channel a thread belongs to."""

    channel_id: int
    parent_id: int | None = None


@dataclass(frozen=True)
class LogEntry:
    """A line of the moderation history."""

    actor_id: int
    target_id: int | None
    action: str
    reason: str | None
    details: dict[str, Any]
    at: datetime


def check_reason(reason: str | None, *, required: bool = True) -> str | None:
    """Return the trimmed reason, or raise Invalid when it is missing or too long."""
    text = (reason or "").strip()
    if not text:
        if required:
            raise Invalid("Give a short reason: it is recorded and, where it applies, told to the member.")
        return None
    if len(text) > REASON_MAX:
        raise Invalid(f"A reason can be at most {REASON_MAX} characters (this one has {len(text)}).")
    return text


class ModerationService:
    """Every facilitator moderation action, members' reports, and the history."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine,
        actions: ModerationActions | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler
        self.actions = actions  # set by the runtime

    # -- the space ------------------------------------------------------------------------

    async def lock(
        self,
        guild_id: int,
        actor: Actor,
        group_ref: str,
        thread: Place,
        locked: bool,
        reason: str | None = None,
    ) -> GroupView:
        """Lock or unlock a discussion thread of the group."""
        reason = check_reason(reason, required=False)
        group = await self._authorize(guild_id, actor, group_ref)
        if thread.parent_id is None:
            raise Invalid("Only threads can be locked; use slow mode to calm a channel.")
        _require_place(group, thread)
        action = "locked the thread" if locked else "unlocked the thread"
        audit = Audit(actor, action, reason, group.name)
        await self._actions().set_locked(guild_id, thread.channel_id, locked, audit)
        await self._record(
            group, actor, None, "lock" if locked else "unlock", reason, {"channel_id": thread.channel_id}
        )
        return group

    async def slowmode(
        self,
        guild_id: int,
        actor: Actor,
        group_ref: str,
        place: Place,
        seconds: int,
        reason: str | None = None,
    ) -> GroupView:
        """Set slow mode in the group's home or one of its threads (0 clears it)."""
        reason = check_reason(reason, required=False)
        if not 0 <= seconds <= SLOWMODE_MAX:
            raise Invalid("Slow mode is 0 (off) to 21,600 seconds (6 hours).")
        group = await self._authorize(guild_id, actor, group_ref)
        _require_place(group, place)
        action = f"set slow mode to {seconds} s" if seconds else "turned slow mode off"
        audit = Audit(actor, action, reason, group.name)
        await self._actions().set_slowmode(guild_id, place.channel_id, seconds, audit)
        await self._record(
            group, actor, None, "slowmode", reason, {"channel_id": place.channel_id, "seconds": seconds}
        )
        return group

    # -- members --------------------------------------------------------------------------

    async def timeout(
        self, guild_id: int, actor: Actor, group_ref: str, target: Actor, minutes: int, reason: str
    ) -> datetime:
        """Time a member of the group out; return until when."""
        reason = check_reason(reason)  # type: ignore[assignment]
        duration = timedelta(minutes=minutes)
        if minutes < 1 or duration > TIMEOUT_MAX:
            raise Invalid("A timeout lasts from 1 minute to 28 days (Discord's maximum).")
        group = await self._authorize(guild_id, actor, group_ref, target)
        until = self._clock.now() + duration
        action = f"timed out {{target}} for {minutes} min"
        audit = Audit(actor, action, reason, group.name, target)
        await self._actions().timeout(guild_id, target.user_id, until, audit)
        await self._record(group, actor, target.user_id, "timeout", reason, {"minutes": minutes})
        return until

    async def lift_timeout(self, guild_id: int, actor: Actor, group_ref: str, target: Actor) -> None:
        """Lift a member's timeout."""
        group = await self._authorize(guild_id, actor, group_ref, target)
        audit = Audit(actor, "lifted the timeout of {target}", None, group.name, target)
        await self._actions().timeout(guild_id, target.user_id, None, audit)
        await self._record(group, actor, target.user_id, "untimeout", None, {})

    async def warn(self, guild_id: int, actor: Actor, group_ref: str, target: Actor, reason: str) -> None:
        """Warn a member privately; the warning is recorded."""
        reason = check_reason(reason)  # type: ignore[assignment]
        group = await self._authorize(guild_id, actor, group_ref, target)
        await self._record(
            group,
            actor,
            target.user_id,
            "warn",
            reason,
            {},
            note_to=(
                target.user_id,
                f"A facilitator of **{verbatim(group.name)}** asked you to take care: {verbatim(reason)}",
            ),
        )

    async def pause(self, guild_id: int, actor: Actor, group_ref: str, target: Actor, reason: str) -> None:
        """Pause a member's participation: access to the home removed, schedules stopped for them."""
        reason = check_reason(reason)  # type: ignore[assignment]
        group = await self._authorize(guild_id, actor, group_ref, target)
        if group.home is not None and self._groups.homes is not None:
            audit = Audit(actor, "paused {target}", reason, group.name, target)
            await self._groups.homes.revoke(guild_id, group.home, target.user_id, audit)
        await self._set_paused(group, target.user_id, self._clock.now())
        await self._record(
            group,
            actor,
            target.user_id,
            "pause",
            reason,
            {},
            note_to=(
                target.user_id,
                f"Your participation in **{verbatim(group.name)}** is paused for now: {verbatim(reason)}",
            ),
        )

    async def restore(self, guild_id: int, actor: Actor, group_ref: str, target: Actor) -> None:
        """Restore a paused member's participation."""
        group = await self._authorize(guild_id, actor, group_ref, target)
        agreed = any(m.user_id == target.user_id and m.agreed for m in group.members)
        if (
            group.home is not None and self._groups.homes is not None and agreed
        ):  # the consent gate still holds
            audit = Audit(actor, "restored {target}", None, group.name, target)
            await self._groups.homes.grant(guild_id, group.home, target.user_id, audit)
        await self._set_paused(group, target.user_id, None)
        await self._record(
            group,
            actor,
            target.user_id,
            "restore",
            None,
            {},
            note_to=(target.user_id, f"Welcome back to **{verbatim(group.name)}**."),
        )

    async def remove(self, guild_id: int, actor: Actor, group_ref: str, target: Actor, reason: str) -> None:
        """Remove a member from the group, with a recorded reason."""
        reason = check_reason(reason)  # type: ignore[assignment]
        group = await self._authorize(guild_id, actor, group_ref, target)
        action = "removed {target} from the group"
        audit = Audit(actor, action, reason, group.name, target)
        await self._groups.remove_member(guild_id, actor, group.id, target.user_id, audit)
        await self._record(group, actor, target.user_id, "remove", reason, {})

    # -- messages -------------------------------------------------------------------------

    async def remove_message(
        self,
        guild_id: int,
        actor: Actor,
        place: Place,
        message_id: int,
        reason: str,
        *,
        author: Actor | None = None,
    ) -> int:
        """Remove a message in a group's space; its author gets a private note. Return the author."""
        reason = check_reason(reason)  # type: ignore[assignment]
        group = await self._group_at(guild_id, place)
        group = await self._authorize(guild_id, actor, group.id, author)
        audit = Audit(actor, "removed a message", reason, group.name)
        author_id = await self._actions().delete_message(guild_id, place.channel_id, message_id, audit)
        note = (
            f"A facilitator removed a message of yours in **{verbatim(group.name)}**. "
            f"Reason: {verbatim(reason)}"
        )
        await self._record(
            group,
            actor,
            author_id,
            "remove_message",
            reason,
            {"channel_id": place.channel_id, "message_id": message_id},
            note_to=(author_id, note),
        )
        return author_id

    async def report(
        self,
        guild_id: int,
        reporter_id: int,
        place: Place,
        message_id: int,
        author_id: int,
        jump_url: str,
        note: str | None,
        *,
        owner_id: int,
    ) -> None:
        """Send a member's report privately to the group's facilitators (or the coordinators)."""
        note = check_reason(note, required=False)
        group = await self._group_at(guild_id, place, required=False)
        settings = await self._settings.get(guild_id)
        recipients = group.facilitator_ids if group else []
        text = f"<@{reporter_id}> reported a message by <@{author_id}>: {jump_url}" + (
            f"\n> {verbatim(note)}" if note else ""
        )
        card = OutgoingMessage(cards=(Card(title="A member asked for help", description=text),))
        now = self._clock.now()
        async with self._db.transaction() as session:
            record = ModerationRecord(
                guild_id=guild_id,
                group_id=group.id if group else None,
                actor_id=reporter_id,
                target_id=author_id,
                action="report",
                reason=note,
                details={"channel_id": place.channel_id, "message_id": message_id, "jump_url": jump_url},
                created_at=now,
            )
            session.add(record)
            await session.flush()
            if not recipients and settings.modlog_channel_id is None:
                recipients = [owner_id]  # no facilitator and no log channel: the server's owner
            for user_id in recipients:
                await enqueue(
                    session,
                    key=f"report:{record.id}:{user_id}",
                    target=Target("dm", user_id),
                    message=card,
                    now=now,
                    guild_id=guild_id,
                )
            await self._post_to_log(
                session, settings.modlog_channel_id, record, group.name if group else None
            )
        self._scheduler.run_soon("outbox")

    # -- notes that could not be delivered by DM ---------------------------------------------

    async def on_note_outcome(self, outcome: Outcome) -> None:
        """Keep a private note whose DM was refused, to show it privately in the server instead."""
        if outcome.status == "sent":
            return
        record_id = int(outcome.key.split(":")[1])
        async with self._db.transaction() as session:
            record = await session.get(ModerationRecord, record_id, with_for_update=True)
            if record is not None:
                record.details = {**record.details, "undelivered": True}

    async def take_undelivered_notes(self, guild_id: int, user_id: int) -> list[str]:
        """Return (once) the notes for ``user_id`` whose DM failed, to show them privately."""
        async with self._db.transaction() as session:
            records = (
                await session.scalars(
                    select(ModerationRecord).where(
                        ModerationRecord.guild_id == guild_id,
                        ModerationRecord.target_id == user_id,
                        ModerationRecord.action.in_(tuple(NOTE_ACTIONS)),
                    )
                )
            ).all()
            notes = []
            for record in records:
                if record.details.get("undelivered"):
                    notes.append(NOTE_ACTIONS[record.action].format(reason=verbatim(record.reason)))
                    record.details = {**record.details, "undelivered": False, "shown_in_server": True}
            return notes

    # -- history --------------------------------------------------------------------------

    async def history(
        self, guild_id: int, actor: Actor, group_ref: str, page: int = 0
    ) -> tuple[list[LogEntry], int]:
        """Return one page of a group's moderation history (newest first) and the page count."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "see the moderation log of")
        async with self._db.reading() as session:
            total = (
                await session.scalar(select(func.count()).where(ModerationRecord.group_id == group.id)) or 0
            )
            rows = await session.scalars(
                select(ModerationRecord)
                .where(ModerationRecord.group_id == group.id)
                .order_by(ModerationRecord.created_at.desc(), ModerationRecord.id.desc())
                .offset(page * LOG_PAGE)
                .limit(LOG_PAGE)
            )
            entries = [
                LogEntry(r.actor_id, r.target_id, r.action, r.reason, r.details, r.created_at) for r in rows
            ]
        return entries, max(1, -(-total // LOG_PAGE))

    # -- helpers --------------------------------------------------------------------------

    async def _authorize(
        self, guild_id: int, actor: Actor, group_ref: str | int, target: Actor | None = None
    ) -> GroupView:
        group = await self._groups.require_manager(guild_id, actor, group_ref, "moderate")
        if target is None:
            return group
        if target.user_id == actor.user_id:
            raise Invalid("You can't use moderation tools on yourself.")
        if await self._settings.is_coordinator(guild_id, actor):
            return group
        if await self._settings.is_coordinator(guild_id, target):
            raise NotAllowed("Facilitators can't act on coordinators; ask another coordinator.")
        role = group.role_of(target.user_id)
        if role == "facilitator":
            raise NotAllowed(f"Facilitators can't act on the other facilitators of “{group.name}”.")
        if role is None:
            raise NotAllowed(
                f"<@{target.user_id}> is not in “{verbatim(group.name)}”: "
                "facilitators act within their own groups."
            )
        return group

    async def _group_at(self, guild_id: int, place: Place, *, required: bool = True) -> GroupView | None:  # type: ignore[return]
        homes = [c for c in (place.channel_id, place.parent_id) if c is not None]
        async with self._db.reading() as session:
            group_id = await session.scalar(
                select(Group.id).where(Group.guild_id == guild_id, Group.home_channel_id.in_(homes)).limit(1)
            )
        if group_id is None:
            if required:
                raise NotFound(
                    "That message isn't in a group's channel or thread; coordinators handle the rest."
                )
            return None
        return await self._groups.view_of(guild_id, group_id)

    async def _set_paused(self, group: GroupView, user_id: int, when: datetime | None) -> None:
        now = self._clock.now()
        async with self._db.transaction() as session:
            await session.execute(
                update(GroupMember)
                .where(
                    GroupMember.group_id == group.id,
                    GroupMember.user_id == user_id,
                    GroupMember.left_at.is_(None),
                )
                .values(paused_at=when)
            )
            # Check-ins already planned are taken back with the pause, and planned again on return.
            if when is not None:
                await cancel_waiting_checkins(
                    session, now, guild_id=group.guild_id, user_id=user_id, group_id=group.id
                )
            else:
                await plan_again(session, now, guild_id=group.guild_id, group_id=group.id)
        self._scheduler.run_soon("checkin-planner")

    async def _record(
        self,
        group: GroupView,
        actor: Actor,
        target_id: int | None,
        action: str,
        reason: str | None,
        details: dict[str, Any],
        *,
        note_to: tuple[int, str] | None = None,
    ) -> None:
        now = self._clock.now()
        settings = await self._settings.get(group.guild_id)
        async with self._db.transaction() as session:
            record = ModerationRecord(
                guild_id=group.guild_id,
                group_id=group.id,
                actor_id=actor.user_id,
                target_id=target_id,
                action=action,
                reason=reason,
                details=details,
                created_at=now,
            )
            session.add(record)
            await session.flush()
            if note_to is not None:
                await enqueue(
                    session,
                    key=f"modnote:{record.id}",
                    target=Target("dm", note_to[0]),
                    message=OutgoingMessage(
                        cards=(Card(title="A note from your group's facilitators", description=note_to[1]),)
                    ),
                    now=now,
                    guild_id=group.guild_id,
                )
            await self._post_to_log(session, settings.modlog_channel_id, record, group.name)
        self._scheduler.run_soon("outbox")

    async def _post_to_log(
        self, session: AsyncSession, channel_id: int | None, record: ModerationRecord, group_name: str | None
    ) -> None:
        if channel_id is None:
            return
        target = f" <@{record.target_id}>" if record.target_id else ""
        fields = [Field("Group", group_name or "—", True)]
        if record.reason:
            fields.append(Field("Reason" if record.action != "report" else "Note", record.reason[:1024]))
        if "jump_url" in record.details:
            fields.append(Field("Message", record.details["jump_url"]))
        await enqueue(
            session,
            key=f"modlog:{record.id}",
            target=Target("channel", channel_id),
            message=OutgoingMessage(
                cards=(
                    Card(
                        title="Moderation",
                        description=f"<@{record.actor_id}> {ACTION_LABELS[record.action]}{target}",
                        fields=tuple(fields),
                    ),
                )
            ),
            now=record.created_at,
            guild_id=record.guild_id,
        )

    def _actions(self) -> ModerationActions:
        if self.actions is None:
            raise RuntimeError("ModerationService.actions is not wired")
        return self.actions


def _require_place(group: GroupView, place: Place) -> None:
    home = group.home.channel_id if group.home else None
    if home is None or home not in (place.channel_id, place.parent_id):
        raise NotAllowed(
            f"That channel isn't part of “{verbatim(group.name)}”; "
            "facilitators act in their own group's spaces."
        )
