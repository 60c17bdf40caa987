"""Coffee pairings: every few weeks, opted-in members are paired to meet someone new.

- ``service.py``: :class:`CoffeeService`: what members and coordinators do (set up, opt in and
  out, pause, skip, do-not-pair, look back, "did you meet?", counts).
- ``rounds.py``: :class:`CoffeeRounds`: the sweep that draws rounds, opens the pairs' private
  threads and follows up.
"""

from bot.services.coffee.rounds import CoffeeRounds
from bot.services.coffee.service import (
    EVERY_WEEKS_MAX,
    PAUSE_WEEKS_MAX,
    CoffeeService,
    CoffeeStats,
    MemberStatus,
    PastCoffee,
    ProgramView,
)

__all__ = [
    "EVERY_WEEKS_MAX",
    "PAUSE_WEEKS_MAX",
    "CoffeeRounds",
    "CoffeeService",
    "CoffeeStats",
    "MemberStatus",
    "PastCoffee",
    "ProgramView",
]
