"""A clock the tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Tells whatever time the test set."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        assert moment.tzinfo is not None, "use aware datetimes"
        self.current = moment.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current
