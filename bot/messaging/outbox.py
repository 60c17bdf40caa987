"""The outbox: every message the bot sends on its own is recorded first, then sent exactly once.

A feature enqueues a message under an idempotency key inside its own transaction, so the
record and the decision to send commit together. The dispatcher claims due rows, sends them
with a nonce derived from the key (Discord returns the first message for a repeated nonce,
so a crash between the send and the record still yields one message), and marks each row
only after Discord accepted it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import OutboxMessage
from bot.db.upsert import insert_ignore
from bot.messaging.message import OutgoingMessage
from bot.messaging.ports import DeliveryError, Notifier, RecipientUnreachable, Target

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_BATCH = 200


def nonce_for(key: str) -> str:
    """Return Discord's message nonce (at most 25 characters) for an outbox key."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch pass did."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    target: Target,
    message: OutgoingMessage,
    now: datetime,
    not_before: datetime | None = None,
    guild_id: int | None = None,
) -> bool:
    """Record a message to send; return False when ``key`` was already recorded."""
    inserted = await insert_ignore(
        session,
        OutboxMessage.__table__,
        {
            "dedupe_key": key,
            "guild_id": guild_id,
            "target_kind": target.kind,
            "target_id": target.id,
            "payload": message.to_json(),
            "not_before": not_before or now,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        },
    )
    return inserted == 1


class OutboxDispatcher:
    """Claims due outbox rows and sends them through the notifier."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        notifier: Notifier,
        *,
        max_concurrent: int = 8,
        stale_after: timedelta = timedelta(minutes=5),
    ) -> None:
        self._db = db
        self._clock = clock
        self._notifier = notifier
        self._limit = asyncio.Semaphore(max_concurrent)
        self._stale_after = stale_after
        self._lock = asyncio.Lock()

    async def dispatch_due(self) -> DispatchReport:
        """Send every message whose time has come; safe to call concurrently and repeatedly."""
        async with self._lock:
            sent = failed = retrying = 0
            while batch := await self._claim():
                outcomes = await asyncio.gather(*(self._send(row) for row in batch))
                sent += outcomes.count("sent")
                failed += outcomes.count("failed")
                retrying += outcomes.count("retrying")
                if len(batch) < CLAIM_BATCH:
                    break
            return DispatchReport(sent=sent, failed=failed, retrying=retrying)

    async def _claim(self) -> list[OutboxMessage]:
        now = self._clock.now()
        due = or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
            # A claim whose process died before marking it: send again, the nonce prevents a double.
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= now - self._stale_after),
        )
        async with self._db.transaction() as session:
            query = select(OutboxMessage).where(due).order_by(OutboxMessage.not_before).limit(CLAIM_BATCH)
            if self._db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.scalars(query)).all())
            for row in rows:
                row.status = "sending"
                row.claimed_at = now
                row.attempts += 1
            return rows

    async def _send(self, row: OutboxMessage) -> str:
        target = Target(kind=row.target_kind, id=row.target_id)  # type: ignore[arg-type]
        message = OutgoingMessage.from_json(row.payload)
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
                await self._finish(row.id, status="failed", failure=exc.reason)
                return "failed"
            except Exception as exc:
                if not isinstance(exc, DeliveryError):
                    log.exception("outbox %s: unexpected error while sending", row.id)
                    exc = DeliveryError("unexpected_error")
                if row.attempts >= MAX_ATTEMPTS:
                    log.warning("outbox %s gave up after %s attempts: %s", row.id, row.attempts, exc.reason)
                    await self._finish(row.id, status="failed", failure=exc.reason)
                    return "failed"
                retry_at = self._clock.now() + timedelta(seconds=30 * 2 ** (row.attempts - 1))
                await self._finish(row.id, status="pending", failure=exc.reason, not_before=retry_at)
                return "retrying"
        await self._finish(row.id, status="sent", message_id=result.message_id, sent_at=self._clock.now())
        return "sent"

    async def _finish(self, row_id: int, **values: object) -> None:
        async with self._db.transaction() as session:
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))
