"""The one scheduling engine every feature uses."""

from bot.scheduling.engine import SchedulingEngine

__all__ = ["SchedulingEngine"]
