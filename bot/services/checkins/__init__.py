"""Check-ins: questions DMed to each member at their local time, answered privately, summed up per round.

- ``schedules.py``: :class:`CheckinService`, the question sets and schedules facilitators make,
  on top of ``planner.py`` (:class:`CheckinPlanner`: the job that plans each member's delivery
  at their local time, sends it once through the outbox and closes rounds with a digest).
- ``answers.py``: :class:`CheckinAnswerService`: answers and who sees them, snooze, skip,
  holidays, history, summaries.
- ``rounds.py``: a round's figures; ``messages.py``: what is sent.
"""

from bot.services.checkins.answers import AnswerView, CheckinAnswerService, OpenCheckin
from bot.services.checkins.planner import CheckinPlanner
from bot.services.checkins.schedules import CheckinService, ScheduleView, SendNowReport

__all__ = [
    "AnswerView",
    "CheckinAnswerService",
    "CheckinPlanner",
    "CheckinService",
    "OpenCheckin",
    "ScheduleView",
    "SendNowReport",
]
