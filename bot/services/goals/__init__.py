"""Goals: set, milestones, progress, done, drop; partners who are told and can cheer.

Visibility is checked here and nowhere else (``queries.py``): a private goal is its owner's
alone; a "partners" goal is also seen by its partners; a "group" goal by the members of its
group. Coordinators and facilitators get no exception — private means private.

- ``service.py``: :class:`GoalService`: reading goals; put together from ``changes.py`` (what
  the owner does), ``partners.py`` (accountability partners) and ``access.py`` (dependencies).
- ``views.py``: what the service returns; ``queries.py``: finding goals, who may see them.
- ``nudges.py``: :class:`GoalNudges`: stale-goal nudges, due-date reminders, weekly wins;
  ``due.py``: the due date's two reminders (before and on the day) and who hears them.
"""

from bot.services.goals.nudges import GoalNudges
from bot.services.goals.partners import GoalIsPrivate
from bot.services.goals.service import GoalService
from bot.services.goals.views import GoalView, MilestoneView

__all__ = ["GoalIsPrivate", "GoalNudges", "GoalService", "GoalView", "MilestoneView"]
