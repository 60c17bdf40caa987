"""Who is asking: the facts about a Discord member that rights depend on, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """A person acting in a server."""

    user_id: int
    is_admin: bool = False  # Administrator or Manage Server in this server
    role_ids: frozenset[int] = frozenset()
    name: str | None = field(default=None, compare=False)  # as shown in the server, for audit logs


@dataclass(frozen=True)
class Audit:
    """Who asked for a change on Discord and why: it becomes the request's audit-log reason."""

    actor: Actor
    action: str  # what was done, in words; "{target}" stands for the member it was done to
    reason: str | None = None  # the facilitator's own words, when they gave some
    group: str | None = None  # the group it was done for
    target: Actor | None = None
