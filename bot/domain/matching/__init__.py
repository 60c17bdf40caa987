"""Suggest mentoring pairs and peer groups: pure, deterministic, explainable to a coordinator.

- ``suggest.py``: :func:`suggest`, the entry point.
- ``people.py``: the candidates, checked and prepared (waking hours as masks over the UTC day).
- ``rounds.py``: the weights of a match and the greedy choices of one round.
- ``proposal.py``: what is proposed; ``reasons.py``: why, in words.
"""

from bot.domain.matching.people import Candidate, Mode, Role, waking_overlap_minutes
from bot.domain.matching.proposal import Proposal, ProposedGroup, Unmatched
from bot.domain.matching.suggest import MAX_GROUP_SIZE, MIN_GROUP_SIZE, suggest, suggest_within_capacity

__all__ = [
    "MAX_GROUP_SIZE",
    "MIN_GROUP_SIZE",
    "Candidate",
    "Mode",
    "Proposal",
    "ProposedGroup",
    "Role",
    "Unmatched",
    "suggest",
    "suggest_within_capacity",
    "waking_overlap_minutes",
]
