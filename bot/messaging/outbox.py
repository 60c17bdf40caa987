"""The outbox: every message the bot sends on its own is recorded first, then sent exactly once.

A feature enqueues a message under an idempotency key inside its own transaction, so the
record and the decision to send commit together. The dispatcher claims due rows, sends them
with a nonce derived from the key (Discord returns the first message for a repeated nonce,
so a crash between the send and the record still yields one message), and marks each row
only after Discord accepted it. Discord forgets a nonce after a few minutes: a message tried
before and retried later than that (the bot was down for longer) is first looked for in its
channel, by a digest of what was sent kept with the claim, and sent only if it is not there.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import MemberProfile, OutboxMessage
from bot.db.upsert import insert_ignore, locked_row
from bot.messaging.message import OutgoingMessage
from bot.messaging.ports import DeliveryError, Notifier, RecipientUnreachable, Target
from bot.scheduling.shards import ShardScope

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Messages claimed in one unit of work: each is read and fingerprinted on the event loop, and at
# 48 sends a second 50 last a second, so a claim never holds the loop long.
CLAIM_BATCH = 50
KEEP_SETTLED = timedelta(days=30)  # sent, failed, expired or cancelled messages are then deleted
PRUNE_EVERY = timedelta(hours=1)
# Claim order: what is due now goes before a backlog caught up after an outage.
DUE_NOW, CATCH_UP = 0, 1
# The payload of a message its feature renders only when it is sent (``render_when_sent``): a
# round's thousands of DMs are queued at once, without building each one there and then.
RENDER_WHEN_SENT = {"render": "when_sent"}
# Looking for an earlier attempt's message starts this long before its claim: the host's clock
# and Discord's (which stamps message ids) may disagree a little.
CLOCK_SKEW = timedelta(seconds=30)


def nonce_for(key: str) -> str:
    """Return Discord's message nonce (at most 25 characters) for an outbox key."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch pass did."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    expired: int = 0


@dataclass(frozen=True)
class Outcome:
    """How a message ended: told to the feature that enqueued it."""

    key: str
    guild_id: int | None
    target: Target
    status: str  # sent | failed | expired
    failure: str | None = None
    message_id: int | None = None
    channel_id: int | None = None


OutcomeListener = Callable[[Outcome], Awaitable[None]]
# Records an outcome in the unit of work that marks the message (a savepoint: its failure is logged
# and rolled back alone).
OutcomeRecorder = Callable[[AsyncSession, Outcome], Awaitable[None]]
# Given the keys of messages about to be sent, return those still wanted.
WantedCheck = Callable[[list[str]], Awaitable[set[str]]]
# Given the keys of messages queued as RENDER_WHEN_SENT, return each one's message (in the
# claiming unit of work); a key left out stays unrendered and is not sent.
Renderer = Callable[[AsyncSession, list[str]], Awaitable[dict[str, OutgoingMessage]]]


def outbox_row(
    *,
    key: str,
    target: Target,
    message: OutgoingMessage,
    now: datetime,
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    guild_id: int | None = None,
    priority: int = DUE_NOW,
    payload: dict[str, Any] | None = None,
) -> dict[str, object]:
    """Return the outbox row for a message to send (to insert many at once with ``enqueue_rows``).

    ``payload`` is ``message.to_json()`` when the caller already has it (one message to many).
    """
    return {
        "dedupe_key": key,
        "guild_id": guild_id,
        "target_kind": target.kind,
        "target_id": target.id,
        "payload": payload if payload is not None else message.to_json(),
        "not_before": not_before or now,
        "expires_at": expires_at,
        "status": "pending",
        "priority": priority,
        "attempts": 0,
        "created_at": now,
    }


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    target: Target,
    message: OutgoingMessage,
    now: datetime,
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    guild_id: int | None = None,
    priority: int = DUE_NOW,
) -> bool:
    """Record a message to send; return False when ``key`` was already recorded."""
    row = outbox_row(
        key=key,
        target=target,
        message=message,
        now=now,
        not_before=not_before,
        expires_at=expires_at,
        guild_id=guild_id,
        priority=priority,
    )
    return await enqueue_rows(session, [row]) == 1


async def enqueue_rows(session: AsyncSession, rows: list[dict[str, object]]) -> int:
    """Record many messages in one statement; keys already recorded are skipped. Return how many new."""
    return await insert_ignore(session, OutboxMessage.__table__, rows) if rows else 0


async def cancel(session: AsyncSession, keys: Iterable[str]) -> int:
    """Cancel messages not sent yet (e.g. a reminder once the member answered); return how many."""
    keys = list(keys)
    if not keys:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key.in_(keys), OutboxMessage.status == "pending")
        .values(status="cancelled")
    )
    return result.rowcount or 0


class OutboxDispatcher:
    """Claims due outbox rows and sends them through the notifier."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        notifier: Notifier,
        *,
        max_concurrent: int = 8,
        stale_after: timedelta = timedelta(minutes=2),
        nonce_memory: timedelta = timedelta(minutes=3),
        scope: ShardScope | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self._db = db
        self._stopping = stopping  # the process is stopping: leave the rest for the next start
        self._scope = scope or ShardScope()  # other processes send their servers' messages
        self._clock = clock
        self._notifier = notifier
        self._limit = asyncio.Semaphore(max_concurrent)
        self._stale_after = stale_after
        self._nonce_memory = nonce_memory
        self._lock = asyncio.Lock()
        self._listeners: list[tuple[str, OutcomeListener]] = []
        self._recorders: list[tuple[str, OutcomeRecorder]] = []
        self._checks: list[tuple[str, WantedCheck]] = []
        self._renderers: list[tuple[str, Renderer]] = []
        self._pruned_at: datetime | None = None

    def on_outcome(self, key_prefix: str, listener: OutcomeListener) -> None:
        """Tell ``listener`` how each message whose key starts with ``key_prefix`` ended."""
        self._listeners.append((key_prefix, listener))

    def record_outcome(self, key_prefix: str, recorder: OutcomeRecorder) -> None:
        """Have ``recorder`` note how each message under ``key_prefix`` ended, as the outbox marks it.

        One write per message instead of two, which matters in a round of thousands.
        """
        self._recorders.append((key_prefix, recorder))

    def send_only_if_wanted(self, key_prefix: str, check: WantedCheck) -> None:
        """Send messages whose key starts with ``key_prefix`` only if ``check`` still wants them.

        ``check`` is asked just before sending; the others are cancelled unsent (a reminder for
        someone who has left or been paused since it was planned). One call per claimed batch.
        """
        self._checks.append((key_prefix, check))

    def render_when_sent(self, key_prefix: str, renderer: Renderer) -> None:
        """Have ``renderer`` build the messages queued as ``RENDER_WHEN_SENT`` under ``key_prefix``.

        It is asked once per claimed batch; the message it returns is stored with the claim, so a
        retry, or a look for an earlier attempt, sees exactly what was sent.
        """
        self._renderers.append((key_prefix, renderer))

    async def dispatch_due(self) -> DispatchReport:
        """Send every message whose time has come; safe to call concurrently and repeatedly."""
        now = self._clock.now()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            await self.prune(now)
        async with self._lock:
            counts = {"sent": 0, "failed": 0, "retrying": 0, "expired": 0}
            while not self._stopping():
                claimed, blocked = await self._claim()
                if not claimed:
                    break
                batch = await self._drop_unwanted(claimed)
                # Sends run side by side: a batch's due-now messages finish before its backlog starts.
                for priority in sorted({row.priority for row in batch}):
                    tier = [row for row in batch if row.priority == priority]
                    for outcome in await asyncio.gather(*(self._dispatch(row, blocked) for row in tier)):
                        counts[outcome] += 1
                if len(claimed) < CLAIM_BATCH or self._stopping():
                    break
            return DispatchReport(**counts)

    async def prune(self, now: datetime) -> int:
        """Delete settled messages older than ``KEEP_SETTLED``; return how many.

        Their copies of answers and notes need not outlive their purpose, and every key that could
        be enqueued again (a week, a round, a day) is long past by then.
        """
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.status.in_(("sent", "failed", "expired", "cancelled")),
                    OutboxMessage.created_at < now - KEEP_SETTLED,
                )
            )
            return result.rowcount or 0

    async def _drop_unwanted(self, rows: list[OutboxMessage]) -> list[OutboxMessage]:
        """Cancel the claimed messages a feature no longer wants sent; return the rest."""
        unwanted: set[str] = set()
        for prefix, check in self._checks:
            keys = [row.dedupe_key for row in rows if row.dedupe_key.startswith(prefix)]
            if keys:
                unwanted |= set(keys) - await check(keys)
        if not unwanted:
            return rows
        async with self._db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([r.id for r in rows if r.dedupe_key in unwanted]))
                .values(status="cancelled", failure="not_wanted")
            )
        log.info("outbox: %d messages no longer wanted, cancelled unsent", len(unwanted))
        return [row for row in rows if row.dedupe_key not in unwanted]

    async def _claim(self) -> tuple[list[OutboxMessage], dict[tuple[int, int], str]]:
        now = self._clock.now()
        due = or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
            # A claim whose process died before marking it: send again (its nonce, or a look first,
            # prevents a double).
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= now - self._stale_after),
        )
        async with self._db.transaction() as session:
            query = (
                select(OutboxMessage)
                .where(due, self._scope.clause(OutboxMessage.guild_id))
                .order_by(OutboxMessage.priority, OutboxMessage.not_before)
                .limit(CLAIM_BATCH)
            )
            if self._db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.scalars(query)).all())
            await self._render(session, rows)
            for row in rows:
                row.status = "sending"
                row.claimed_at = now
                row.attempts += 1
                if row.first_claimed_at is None:
                    row.first_claimed_at = now
                if row.sent_digest is None:
                    with contextlib.suppress(ValueError):  # not a message: _dispatch fails it
                        row.sent_digest = self._notifier.fingerprint(OutgoingMessage.from_json(row.payload))
            return rows, await _blocked_dms(session, rows)

    async def _render(self, session: AsyncSession, rows: list[OutboxMessage]) -> None:
        """Build the messages of claimed rows queued to be rendered when sent."""
        for prefix, renderer in self._renderers:
            keys = [
                r.dedupe_key
                for r in rows
                if r.payload == RENDER_WHEN_SENT and r.dedupe_key.startswith(prefix)
            ]
            if keys:
                messages = await renderer(session, keys)
                for row in rows:
                    if row.dedupe_key in messages:
                        row.payload = messages[row.dedupe_key].to_json()

    async def _dispatch(self, row: OutboxMessage, blocked: dict[tuple[int, int], str]) -> str:
        target = Target(kind=row.target_kind, id=row.target_id)  # type: ignore[arg-type]
        message = _message_of(row)
        if message is None:
            await self._finish(row, target, status="failed", failure="invalid_message")
            return "failed"
        now = self._clock.now()
        expired = row.expires_at is not None and now > row.expires_at
        first = row.first_claimed_at
        if row.attempts > 1 and first is not None and (expired or now - first >= self._nonce_memory):
            # An earlier attempt may have made the message, and Discord no longer knows its nonce
            # (or it is too late to send: then it was either sent or expired).
            settled = await self._look_for_earlier(row, target, message, since=first - CLOCK_SKEW)
            if settled is not None:
                return settled
        if expired:
            await self._finish(row, target, status="expired", failure="too_late")
            return "expired"
        if row.target_kind == "dm" and (reason := blocked.get((row.guild_id or 0, row.target_id))):
            # Every refused DM counts toward Discord's invalid-request ban line: don't ask again.
            await self._finish(row, target, status="failed", failure=reason)
            return "failed"
        return await self._send(row, target, message)

    async def _look_for_earlier(
        self, row: OutboxMessage, target: Target, message: OutgoingMessage, *, since: datetime
    ) -> str | None:
        """Read the target once for the message an earlier attempt may have made; record it if there.

        Return the outcome when the row is settled or rescheduled, None when it is still to send.
        """
        # The digest kept with the claim, and today's: a new version may render it differently.
        fingerprints = {self._notifier.fingerprint(message)}
        if row.sent_digest is not None:
            fingerprints.add(row.sent_digest)
        async with self._limit:
            try:
                found = await self._notifier.find_sent(target, since=since, fingerprints=fingerprints)
            except RecipientUnreachable as exc:
                log.info(
                    "outbox %s: %s %s cannot be read (%s): counted as not found",
                    row.id,
                    row.target_kind,
                    row.target_id,
                    exc.reason,
                )
                return None
            except DeliveryError as exc:
                return await self._retry_later(row, target, exc)
        taken = await self._recorded_elsewhere(row.id, [sent.message_id for sent in found])
        earlier = next((sent for sent in found if sent.message_id not in taken), None)
        if earlier is None:
            log.info("outbox %s: not found in %s %s", row.id, row.target_kind, row.target_id)
            return None
        log.info("outbox %s: found as message %s, sent before a restart", row.id, earlier.message_id)
        await self._finish(
            row, target, status="sent", message_id=earlier.message_id, channel_id=earlier.channel_id
        )
        return "sent"

    async def _recorded_elsewhere(self, row_id: int, message_ids: list[int]) -> set[int]:
        """Return which of these messages other rows were marked sent with (an identical message)."""
        if not message_ids:
            return set()
        async with self._db.reading() as session:
            found = await session.scalars(
                select(OutboxMessage.message_id).where(
                    OutboxMessage.message_id.in_(message_ids), OutboxMessage.id != row_id
                )
            )
            return set(found.all())  # type: ignore[arg-type]

    async def _send(self, row: OutboxMessage, target: Target, message: OutgoingMessage) -> str:
        async with self._limit:
            try:
                result = await self._notifier.send(target, message, nonce=nonce_for(row.dedupe_key))
            except RecipientUnreachable as exc:
                log.info(
                    "outbox %s to %s %s not deliverable: %s",
                    row.id,
                    row.target_kind,
                    row.target_id,
                    exc.reason,
                )
                if exc.reason == "dm_closed" and row.guild_id is not None:
                    await self._block_dms(row.guild_id, row.target_id)
                await self._finish(row, target, status="failed", failure=exc.reason)
                return "failed"
            except Exception as exc:
                if not isinstance(exc, DeliveryError):
                    log.exception("outbox %s: unexpected error while sending", row.id)
                    exc = DeliveryError("unexpected_error")
                return await self._retry_later(row, target, exc)
        await self._finish(
            row, target, status="sent", message_id=result.message_id, channel_id=result.channel_id
        )
        return "sent"

    async def _retry_later(self, row: OutboxMessage, target: Target, error: DeliveryError) -> str:
        """Try again after a backoff, or give up after ``MAX_ATTEMPTS``."""
        if row.attempts >= MAX_ATTEMPTS:
            log.warning("outbox %s gave up after %s attempts: %s", row.id, row.attempts, error.reason)
            await self._finish(row, target, status="failed", failure=error.reason)
            return "failed"
        retry_at = self._clock.now() + timedelta(seconds=30 * 2 ** (row.attempts - 1))
        await self._update(row.id, status="pending", failure=error.reason, not_before=retry_at)
        return "retrying"

    async def _finish(
        self,
        row: OutboxMessage,
        target: Target,
        *,
        status: str,
        failure: str | None = None,
        message_id: int | None = None,
        channel_id: int | None = None,
    ) -> None:
        sent_at = self._clock.now() if status == "sent" else None
        outcome = Outcome(row.dedupe_key, row.guild_id, target, status, failure, message_id, channel_id)
        async with self._db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(
                    status=status, failure=failure, message_id=message_id, sent_at=sent_at, sent_digest=None
                )
            )
            for prefix, recorder in self._recorders:
                if row.dedupe_key.startswith(prefix):
                    try:
                        async with session.begin_nested():
                            await recorder(session, outcome)
                    except Exception:
                        log.exception("outbox %s: outcome recorder for %r failed", row.id, prefix)
        for prefix, listener in self._listeners:
            if row.dedupe_key.startswith(prefix):
                try:
                    await listener(outcome)
                except Exception:
                    log.exception("outbox %s: outcome listener for %r failed", row.id, prefix)

    async def _update(self, row_id: int, **values: object) -> None:
        async with self._db.transaction() as session:
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))

    async def _block_dms(self, guild_id: int, user_id: int) -> None:
        async with self._db.transaction() as session:
            now = self._clock.now()
            profile = await locked_row(
                session, MemberProfile, (guild_id, user_id), created_at=now, updated_at=now
            )
            if profile.dm_blocked_at is None:
                profile.dm_blocked_at = now


async def _blocked_dms(session: AsyncSession, rows: list[OutboxMessage]) -> dict[tuple[int, int], str]:
    """Return (guild, user) pairs whose DMs must not be tried, with the reason."""
    pairs = {(r.guild_id, r.target_id) for r in rows if r.target_kind == "dm" and r.guild_id is not None}
    if not pairs:
        return {}
    profiles = await session.scalars(
        select(MemberProfile).where(tuple_(MemberProfile.guild_id, MemberProfile.user_id).in_(pairs))
    )
    blocked = {}
    for p in profiles:
        if p.dm_allowed is False:
            blocked[(p.guild_id, p.user_id)] = "dm_disabled"
        elif p.dm_blocked_at is not None:
            blocked[(p.guild_id, p.user_id)] = "dm_blocked"
    return blocked


def _message_of(row: OutboxMessage) -> OutgoingMessage | None:
    """Return the row's message, or None (logged) when what is stored is not one: it is never sent."""
    try:
        return OutgoingMessage.from_json(row.payload)
    except ValueError:
        log.exception("outbox %s: what is stored is not a message; it fails unsent", row.id)
        return None
