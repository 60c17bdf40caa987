"""Who is asking: the facts about a Discord member that rights depend on, as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """A person acting in a server."""

    user_id: int
    is_admin: bool = False  # Administrator or Manage Server in this server
    role_ids: frozenset[int] = frozenset()
