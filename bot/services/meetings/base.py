"""What every part of the meeting service shares: its dependencies."""

from __future__ import annotations

from bot.clock import Clock
from bot.db.engine import Database
from bot.scheduling.engine import SchedulingEngine
from bot.services.groups import GroupService
from bot.services.meetings.calendar import MeetingCalendar
from bot.services.settings import SettingsService


class MeetingServiceBase:
    """The meeting service's dependencies; its parts (polls, confirmations, …) build on this."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine,
        calendar: MeetingCalendar | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler
        self.calendar = calendar  # set by the runtime once the Discord client exists
