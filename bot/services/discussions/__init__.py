"""Facilitated discussions: threads opened from a prompt, rounds in turn, and group rituals.

- ``service.py``: :class:`DiscussionService` (open, steer, close a discussion; anonymous posts)
  and the :class:`DiscussionSpaces` port (the threads on Discord).
- ``rounds.py``: :class:`DiscussionRounds`: each member gets the spotlight in turn; the quiet
  ones get one private nudge.
- ``schedules.py``: :class:`DiscussionSchedules`: scheduled discussions and confidentiality
  reminders on a cadence.
"""

from bot.services.discussions.rounds import DiscussionRounds, RoundView
from bot.services.discussions.schedules import DiscussionSchedules, Rituals
from bot.services.discussions.service import (
    ANONYMOUS_MAX,
    DiscussionService,
    DiscussionSpaces,
    DiscussionView,
)

__all__ = [
    "ANONYMOUS_MAX",
    "DiscussionRounds",
    "DiscussionSchedules",
    "DiscussionService",
    "DiscussionSpaces",
    "DiscussionView",
    "Rituals",
    "RoundView",
]
