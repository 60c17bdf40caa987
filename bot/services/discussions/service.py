"""Facilitated discussions and ground rules.

A facilitator opens a thread in the group's home from a prompt; the opening post carries the
prompt, the ground rules and the confidentiality reminder, and every member is added. The bot
counts who speaks (never what is said), and the closing note thanks people with those counts
and invites them to carry insights into their goals.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from discord.utils import format_dt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import (
    AnonymousMute,
    AnonymousPost,
    Discussion,
    DiscussionRound,
    GroundRules,
    GroupMember,
    GuildSettings,
    Participation,
)
from bot.db.upsert import insert_ignore, locked_row
from bot.domain.discussions import CONFIDENTIALITY_REMINDER, parse_rules, thread_name
from bot.domain.text import clip
from bot.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound, Unavailable
from bot.messaging import Button, Card, Field, OutgoingMessage
from bot.scheduling.engine import SchedulingEngine
from bot.scheduling.shards import ShardScope
from bot.services.actors import Actor, Audit
from bot.services.groups import GroupService, GroupView
from bot.services.groups.ground_rules import rules_of
from bot.services.prompt_library import resolve_in
from bot.services.verbatim import verbatim


class DiscussionSpaces(Protocol):
    """Opens and closes discussion threads on Discord; the runtime implements it."""

    async def open_thread(
        self,
        guild_id: int,
        channel_id: int,
        name: str,
        opening: OutgoingMessage,
        member_ids: list[int],
        *,
        private: bool = False,
    ) -> int:
        """Create a thread in the channel, post the opening message, add the members; return its id."""
        ...

    async def close_thread(
        self, guild_id: int, thread_id: int, closing: OutgoingMessage, audit: Audit | None = None
    ) -> None:
        """Post the closing note, then archive and lock the thread (``audit``: who closed it)."""
        ...

    async def post(self, guild_id: int, channel_id: int, message: OutgoingMessage) -> None:
        """Post a message now (an on-demand reminder)."""
        ...


@dataclass(frozen=True)
class DiscussionView:
    """An open or closed discussion."""

    id: int
    group_name: str
    thread_id: int
    prompt: str
    ends_at: datetime | None
    counts: tuple[tuple[int, int], ...]  # (user, messages), most first


class DiscussionService:
    """Ground rules, reminders, and discussions from start to close."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        groups: GroupService,
        spaces: DiscussionSpaces | None = None,
        *,
        scheduler: SchedulingEngine | None = None,
        anonymity_secret: str = "",
    ) -> None:
        self._secret = anonymity_secret
        self._scheduler = scheduler
        self._scope = scheduler.scope if scheduler is not None else ShardScope()
        self._db = db
        self._clock = clock
        self._groups = groups
        self.spaces = spaces  # set by the runtime

    # -- ground rules ---------------------------------------------------------------------

    async def rules(self, guild_id: int, viewer: Actor, group_ref: str) -> tuple[GroupView, tuple[str, ...]]:
        """Return a group's ground rules (its own, or the default set)."""
        group = await self._groups.get(guild_id, viewer, group_ref)
        async with self._db.reading() as session:
            return group, await _rules(session, group.id)

    async def set_rules(self, guild_id: int, actor: Actor, group_ref: str, text: str) -> tuple[str, ...]:
        """Replace a group's ground rules (its facilitators and coordinators)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "change the ground rules of")
        rules = parse_rules(text)
        now = self._clock.now()
        async with self._db.transaction() as session:
            row = await locked_row(
                session,
                GroundRules,
                group.id,
                guild_id=guild_id,
                rules=list(rules),
                version=0,
                updated_by=actor.user_id,
                updated_at=now,
            )
            row.rules, row.version, row.updated_by, row.updated_at = (
                list(rules),
                row.version + 1,
                actor.user_id,
                now,
            )
        await self._groups.ask_consent_again(guild_id, group.id)  # new rules: everyone agrees again
        return rules

    async def remind(
        self, guild_id: int, actor: Actor, group_ref: str, channel_id: int | None = None
    ) -> None:
        """Post the confidentiality reminder with the ground rules in the group's home (or a thread)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "post reminders in")
        target = channel_id or (group.home.channel_id if group.home else None)
        if target is None:
            raise Invalid(f"“{group.name}” has no home channel to post in.")
        async with self._db.reading() as session:
            rules = await _rules(session, group.id)
        await self._spaces().post(guild_id, target, reminder_message(group.name, rules))

    # -- discussions ----------------------------------------------------------------------

    async def start(
        self, guild_id: int, actor: Actor, group_ref: str, prompt: str, duration_hours: int | None = None
    ) -> DiscussionView:
        """Open a discussion thread from a prompt (facilitators and coordinators)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "start discussions in")
        async with self._db.reading() as session:
            text = await resolve_in(session, guild_id, prompt)
        return await self.open(group, text, duration_hours, started_by=actor.user_id)

    async def open(
        self, group: GroupView, prompt: str, duration_hours: int | None, *, started_by: int
    ) -> DiscussionView:
        """Open a discussion thread in the group's home (rights already checked; schedules use it)."""
        if group.home is None or group.home.kind == "linked_thread":
            raise Invalid(f"“{group.name}” needs a home channel for discussion threads (see `/group home`).")
        if duration_hours is not None and not 1 <= duration_hours <= 24 * 14:
            raise Invalid("A discussion can run from 1 hour to 14 days.")
        now = self._clock.now()
        ends_at = now + timedelta(hours=duration_hours) if duration_hours else None
        async with self._db.reading() as session:
            rules = await _rules(session, group.id)
        # Only members past the consent gate, and not on a break, are brought into the thread.
        members = [m.user_id for m in group.members if m.agreed and not m.paused]
        opening = opening_message(prompt, rules, ends_at)
        thread_id = await self._spaces().open_thread(
            group.guild_id, group.home.channel_id, thread_name(prompt), opening, members
        )
        async with self._db.transaction() as session:
            row = Discussion(
                guild_id=group.guild_id,
                group_id=group.id,
                thread_id=thread_id,
                prompt=prompt,
                started_by=started_by,
                started_at=now,
                ends_at=ends_at,
            )
            session.add(row)
            await session.flush()
            return DiscussionView(row.id, group.name, thread_id, prompt, ends_at, ())

    async def close(self, guild_id: int, actor: Actor, thread_id: int) -> DiscussionView:
        """Close a discussion: a closing note with participation counts, then archive and lock."""
        async with self._db.reading() as session:
            row = await discussion_in(session, guild_id, thread_id)
        group = await self._groups.require_manager(guild_id, actor, row.group_id, "close discussions in")
        if row.closed_at is not None:
            raise Conflict("This discussion is already closed.")
        async with self._db.reading() as session:
            counts = await counts_in(session, row.id)
        audit = Audit(actor, "closed the discussion", None, group.name)
        await self._spaces().close_thread(guild_id, thread_id, closing_message(counts), audit)
        async with self._db.transaction() as session:
            stored = await session.get(Discussion, row.id, with_for_update=True)
            assert stored is not None
            stored.closed_at = self._clock.now()
        return DiscussionView(row.id, group.name, thread_id, row.prompt, row.ends_at, counts)

    async def close_expired(self) -> int:
        """Close every discussion whose time is up (a periodic job); return how many were closed."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            due = (
                await session.scalars(
                    select(Discussion).where(
                        Discussion.closed_at.is_(None),
                        Discussion.ends_at <= now,
                        self._scope.clause(Discussion.guild_id),
                    )
                )
            ).all()
            claimed = []
            for row in due:
                # Claim first: another process, or a facilitator's /discuss close, may race us.
                result = await session.execute(
                    update(Discussion)
                    .where(Discussion.id == row.id, Discussion.closed_at.is_(None))
                    .values(closed_at=now)
                )
                if result.rowcount:
                    claimed.append((row.id, row.guild_id, row.thread_id, await counts_in(session, row.id)))
        closed = 0
        for discussion_id, guild_id, thread_id, counts in claimed:
            try:
                await self._spaces().close_thread(guild_id, thread_id, closing_message(counts))
            except Unavailable:
                # Not gone, only out of reach (Discord has not sent the server yet): close it next time.
                log.info("discussion thread %s waits for Discord to be closed", thread_id)
                async with self._db.transaction() as session:
                    await session.execute(
                        update(Discussion)
                        .where(Discussion.id == discussion_id, Discussion.closed_at == now)
                        .values(closed_at=None)
                    )
                continue
            except DomainError:
                log.info("discussion thread %s could not be closed (gone or no permission)", thread_id)
            closed += 1
        return closed

    async def message_in(self, guild_id: int, channel_id: int, author_id: int) -> None:
        """Count a message in an open discussion thread (its text is never read)."""
        async with self._db.transaction() as session:
            discussion_id = await session.scalar(
                select(Discussion.id).where(
                    Discussion.guild_id == guild_id,
                    Discussion.thread_id == channel_id,
                    Discussion.closed_at.is_(None),
                )
            )
            if discussion_id is None:
                return
            await insert_ignore(
                session,
                Participation.__table__,
                {"discussion_id": discussion_id, "user_id": author_id, "messages": 0},
            )
            row = await session.get(Participation, (discussion_id, author_id), with_for_update=True)
            assert row is not None
            row.messages += 1
            answered = await _note_spotlight_answer(session, discussion_id, author_id, self._clock.now())
        if answered and self._scheduler is not None:
            self._scheduler.run_soon("discussions")  # pass the spotlight on now, not at the next sweep

    async def participation(self, guild_id: int, actor: Actor, thread_id: int) -> DiscussionView:
        """Return who has spoken and how much (facilitators; never the content)."""
        async with self._db.reading() as session:
            row = await discussion_in(session, guild_id, thread_id)
        group = await self._groups.require_manager(guild_id, actor, row.group_id, "see participation in")
        async with self._db.reading() as session:
            counts = await counts_in(session, row.id)
            members = (
                await session.scalars(
                    select(GroupMember.user_id).where(
                        GroupMember.group_id == row.group_id, GroupMember.left_at.is_(None)
                    )
                )
            ).all()
        spoken = {user for user, _ in counts}
        silent = tuple((user, 0) for user in members if user not in spoken)
        return DiscussionView(row.id, group.name, thread_id, row.prompt, row.ends_at, counts + silent)

    # -- anonymous voice ------------------------------------------------------------------

    async def ask_anonymously(self, guild_id: int, user_id: int, group_ref: str, text: str) -> int:
        """Post a member's question into the group's open discussion without their name; return the thread."""
        text = text.strip()
        if not 1 <= len(text) <= ANONYMOUS_MAX:
            raise Invalid(f"An anonymous question has 1 to {ANONYMOUS_MAX} characters.")
        group = await self._groups.get(guild_id, Actor(user_id), group_ref)
        if group.role_of(user_id) is None:
            raise NotAllowed(f"Only members of “{group.name}” can post in its discussions.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            author = await self._author_hash(session, guild_id, user_id)
            if await session.get(AnonymousMute, (group.id, author)) is not None:
                raise NotAllowed(
                    "A facilitator has stopped your anonymous posts in this group; "
                    "you can still post in your name."
                )
            thread_id = await session.scalar(
                select(Discussion.thread_id)
                .where(Discussion.group_id == group.id, Discussion.closed_at.is_(None))
                .order_by(Discussion.started_at.desc())
                .limit(1)
            )
            if thread_id is None:
                raise Invalid(f"“{group.name}” has no open discussion; ask a facilitator to start one.")
            post = AnonymousPost(
                guild_id=guild_id, group_id=group.id, thread_id=thread_id, author_hash=author, created_at=now
            )
            session.add(post)
            await session.flush()
            post_id = post.id
        try:
            await self._spaces().post(guild_id, thread_id, anonymous_message(text, post_id))
        except Exception:
            async with self._db.transaction() as session:
                await session.delete(await session.get(AnonymousPost, post_id))
            raise
        return thread_id

    async def mute_anonymous(self, guild_id: int, actor: Actor, post_id: int) -> str:
        """Stop an anonymous author from posting anonymously in the group, without learning who it is."""
        async with self._db.reading() as session:
            post = await session.get(AnonymousPost, post_id)
        if post is None or post.guild_id != guild_id:
            raise NotFound("That anonymous post no longer exists.")
        group = await self._groups.require_manager(
            guild_id, actor, post.group_id, "mute anonymous authors in"
        )
        async with self._db.transaction() as session:
            await insert_ignore(
                session,
                AnonymousMute.__table__,
                {
                    "group_id": post.group_id,
                    "author_hash": post.author_hash,
                    "muted_by": actor.user_id,
                    "created_at": self._clock.now(),
                },
            )
        return group.name

    async def _author_hash(self, session: AsyncSession, guild_id: int, user_id: int) -> str:
        settings = await locked_row(session, GuildSettings, guild_id, default_timezone="UTC")
        if settings.anonymity_salt is None:
            settings.anonymity_salt = secrets.token_hex(32)
        return author_hash(self._secret, settings.anonymity_salt, guild_id, user_id)

    def _spaces(self) -> DiscussionSpaces:
        if self.spaces is None:
            raise RuntimeError("DiscussionService.spaces is not wired")
        return self.spaces


def author_hash(secret: str, salt: str, guild_id: int, user_id: int) -> str:
    """Return the keyed hash that stands for an anonymous author (never reversible to the id)."""
    key = (secret + salt).encode()
    return hmac.new(key, f"{guild_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


async def _rules(session: AsyncSession, group_id: int) -> tuple[str, ...]:
    return (await rules_of(session, group_id))[0]


async def discussion_in(session: AsyncSession, guild_id: int, thread_id: int) -> Discussion:
    """Return the discussion a thread holds, or raise NotFound."""
    row = await session.scalar(
        select(Discussion).where(Discussion.guild_id == guild_id, Discussion.thread_id == thread_id)
    )
    if row is None:
        raise NotFound("That thread isn't a discussion the bot opened; run this inside one, or pick it.")
    return row


async def counts_in(session: AsyncSession, discussion_id: int) -> tuple[tuple[int, int], ...]:
    """Return (member, messages) of a discussion, most first."""
    rows = await session.execute(
        select(Participation.user_id, Participation.messages)
        .where(Participation.discussion_id == discussion_id)
        .order_by(Participation.messages.desc(), Participation.user_id)
    )
    return tuple((user, count) for user, count in rows.all())


async def _note_spotlight_answer(
    session: AsyncSession, discussion_id: int, author_id: int, now: datetime
) -> bool:
    """Record that the member in the spotlight spoke, so the sweep moves on; return whether they were."""
    row = await session.scalar(
        select(DiscussionRound).where(
            DiscussionRound.discussion_id == discussion_id, DiscussionRound.finished_at.is_(None)
        )
    )
    if row is None or row.turn_answered_at is not None or row.spotlight_order[row.position] != author_id:
        return False
    row.turn_answered_at = now
    return True


def rules_field(rules: tuple[str, ...]) -> Field:
    """Return the ground rules as a numbered field."""
    return Field(
        "Ground rules",
        clip("\n".join(f"{n}. {verbatim(rule)}" for n, rule in enumerate(rules, start=1)), 1024, at="\n"),
    )


def reminder_message(group_name: str, rules: tuple[str, ...]) -> OutgoingMessage:
    """Build the confidentiality reminder."""
    return OutgoingMessage(
        cards=(
            Card(
                title=f"🔒 {verbatim(group_name)}",
                description=CONFIDENTIALITY_REMINDER,
                fields=(rules_field(rules),),
            ),
        )
    )


def opening_message(prompt: str, rules: tuple[str, ...], ends_at: datetime | None) -> OutgoingMessage:
    """Build a discussion's opening post: the prompt, the ground rules, the reminder."""
    fields = [rules_field(rules), Field("🔒 Confidential", CONFIDENTIALITY_REMINDER)]
    if ends_at is not None:
        fields.append(Field("Open until", format_dt(ends_at, "F")))
    return OutgoingMessage(
        cards=(Card(title="Discussion", description=verbatim(prompt), fields=tuple(fields)),)
    )


ANONYMOUS_MAX = 1500
log = logging.getLogger(__name__)


def anonymous_message(text: str, post_id: int) -> OutgoingMessage:
    """Build an anonymous post: no name, no mention; facilitators may mute its author."""
    return OutgoingMessage(
        cards=(
            Card(
                title="An anonymous question",
                description=verbatim(text),
                footer="Posted anonymously with /discuss ask-anonymously",
            ),
        ),
        buttons=(Button(f"anon:mute:{post_id}", "Mute this anonymous author (facilitators)", "secondary"),),
    )


def closing_message(counts: tuple[tuple[int, int], ...]) -> OutgoingMessage:
    """Build the closing note: thanks, participation counts, and an invitation to act on insights."""
    voices = ", ".join(f"<@{user}> ({n})" for user, n in counts) or "nobody yet"
    text = (
        f"Thank you all. Voices in this discussion: {voices}.\n\n"
        "Did something here change what you'll do next? Turn it into a goal with `/goal set`."
    )
    return OutgoingMessage(cards=(Card(title="Discussion closed", description=text[:4000]),))
