"""Mentoring groups: create, find, change membership, archive — with rights checked here.

Changes that touch Discord (a home channel's access) follow one pattern so that nothing is
left half-done: check the rules in one transaction, act on Discord through the GroupHomes
port (without holding a database lock), then check again and record in a second transaction;
if that last step fails, the Discord change is undone.

- ``service.py``: :class:`GroupService`: create, find, list, change, archive; put together from
  ``membership.py`` (join, leave, add, remove, agree to the ground rules) over ``access.py``
  (who may see and manage a group).
- ``views.py``: what the service returns; ``queries.py``: finding a group and a membership.
- ``homes.py``: the :class:`GroupHomes` port (a group's private channel or thread and its access).
- ``ground_rules.py``: a group's ground rules and their version.
"""

from bot.services.groups.homes import BotLacksPermission, GroupHomes, Home, HomeGone
from bot.services.groups.service import GroupService
from bot.services.groups.views import GroupSummary, GroupView, Membership

__all__ = [
    "BotLacksPermission",
    "GroupHomes",
    "GroupService",
    "GroupSummary",
    "GroupView",
    "Home",
    "HomeGone",
    "Membership",
]
