"""Members' data rights: see what is stored, take a copy, erase it; and the server-wide clean-ups.

What each table holds about a member, and how it is erased, is declared in ``rules.py``; the
service adds what a member sees (a plain summary, an export written for people rather than
tables) and what happens on its own.

- ``service.py``: :class:`PrivacyService` (the summary), put together from ``export.py`` (the
  export), ``erasure.py`` (erasing a member's data) and ``retention.py`` (servers the bot left
  purged after a grace period, old answers and participation counts deleted).
- ``rules.py``: per table, what is exported and how a member's rows are erased or pseudonymised.
- ``research.py``: the de-identified research export (opted-in members, keyed pseudonyms).
"""

from bot.services.privacy.erasure import ErasureReport
from bot.services.privacy.export import EXPORT_FORMAT, EXPORT_SECTIONS
from bot.services.privacy.retention import guild_data, purge_guild
from bot.services.privacy.service import DataSummary, PrivacyService

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_SECTIONS",
    "DataSummary",
    "ErasureReport",
    "PrivacyService",
    "guild_data",
    "purge_guild",
]
