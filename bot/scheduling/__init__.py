"""The one scheduling engine every feature uses."""

from bot.scheduling.engine import JobSpec, Occurrence, ScheduleSource, SchedulingEngine

__all__ = ["JobSpec", "Occurrence", "ScheduleSource", "SchedulingEngine"]
