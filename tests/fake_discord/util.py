"""Small helpers shared by the fake: snowflakes, timestamps and JSON."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from collections.abc import Callable
from typing import Any

#: Discord's epoch (2015-01-01T00:00:00Z) in milliseconds.
DISCORD_EPOCH_MS = 1420070400000


class SnowflakeGenerator:
    """Generates increasing snowflakes whose timestamp part is the current time.

    Layout (as Discord's): 42 bits of milliseconds since the Discord epoch, 5 bits worker,
    5 bits process, 12 bits increment. "Now" is ``clock()`` (Discord's now, which a test may
    set to its own), so a message's id tells when it was written on the test's clock, as on
    Discord's; ids still only grow when that clock stands still or goes back.
    """

    def __init__(
        self, worker: int = 1, process: int = 0, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self._clock = clock or utcnow
        self._lock = threading.Lock()
        self._last_ms = 0
        self._increment = 0
        self._worker = worker & 0x1F
        self._process = process & 0x1F

    def next(self) -> int:
        """Return a fresh snowflake, strictly greater than every previous one."""
        with self._lock:
            now = int(self._clock().timestamp() * 1000) - DISCORD_EPOCH_MS
            if now <= self._last_ms:
                now = self._last_ms
                self._increment += 1
                if self._increment > 0xFFF:
                    now += 1
                    self._increment = 0
            else:
                self._increment = 0
            self._last_ms = now
            return (now << 22) | (self._worker << 17) | (self._process << 12) | self._increment

    def for_shard(self, shard_id: int, shard_count: int) -> int:
        """Return a fresh snowflake ``s`` with ``(s >> 22) % shard_count == shard_id``."""
        base = self.next()
        ms = base >> 22
        while ms % shard_count != shard_id:
            ms += 1
        with self._lock:
            self._last_ms = max(self._last_ms, ms)
        return (ms << 22) | (base & ((1 << 22) - 1))


def snowflake_time(snowflake: int) -> dt.datetime:
    """Return the creation time encoded in a snowflake."""
    return dt.datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=dt.UTC)


def utcnow() -> dt.datetime:
    """Return the current aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | None) -> str | None:
    """Format a datetime the way Discord does (``2024-01-01T12:00:00.123000+00:00``)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_iso(value: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp (accepts a trailing ``Z``); naive values are taken as UTC."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def dumps(data: Any) -> str:
    """Serialise to compact JSON, the way Discord answers."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


_token_counter = itertools.count(1)


def make_token(prefix: str) -> str:
    """Return an opaque unique token (interaction tokens, session ids)."""
    import secrets

    return f"{prefix}{next(_token_counter)}_{secrets.token_hex(16)}"


def as_int(value: Any) -> int | None:
    """Convert a snowflake given as str/int/object-with-id to int (None stays None)."""
    if value is None:
        return None
    if hasattr(value, "id"):
        return int(value.id)
    return int(value)
