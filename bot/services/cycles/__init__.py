"""Program cycles: their calendar, intake, agreements, pulses and endings."""

from bot.services.cycles.intake import CycleIntake
from bot.services.cycles.service import CycleOverview, CycleService, CycleView

__all__ = ["CycleIntake", "CycleOverview", "CycleService", "CycleView"]
