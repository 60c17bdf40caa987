"""Program cycles: their calendar, intake, agreements, pulses and endings."""

from bot.services.cycles.agreements import Agreements, AgreementView
from bot.services.cycles.endings import Endings
from bot.services.cycles.intake import CycleIntake
from bot.services.cycles.pulses import Pulses
from bot.services.cycles.report import CycleReports
from bot.services.cycles.service import CycleOverview, CycleService, CycleView

__all__ = [
    "AgreementView",
    "Agreements",
    "CycleIntake",
    "CycleOverview",
    "CycleReports",
    "CycleService",
    "CycleView",
    "Endings",
    "Pulses",
]
