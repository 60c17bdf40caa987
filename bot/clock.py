"""The source of "now", injectable so tests never wait on the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current moment as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current moment."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current moment in UTC."""
        return datetime.now(UTC)
