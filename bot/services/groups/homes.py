"""The port through which group services manage a group's home on Discord."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.errors import DomainError
from bot.services.actors import Audit

HomeKind = Literal["channel", "linked_channel", "linked_thread"]


@dataclass(frozen=True)
class Home:
    """Where a group talks."""

    kind: HomeKind
    channel_id: int


class BotLacksPermission(DomainError):
    """The bot's own Discord permissions do not allow an action; says which and where."""

    title = "I'm missing a permission"

    def __init__(self, permission: str | Sequence[str], where: str, *, nothing_saved: bool = False) -> None:
        names = [permission] if isinstance(permission, str) else list(permission)
        listed = " and ".join(
            filter(None, [", ".join(f"**{n}**" for n in names[:-1]), f"**{names[-1]}**"])
        )
        plural = "permissions" if len(names) > 1 else "permission"
        super().__init__(
            f"I need the {listed} {plural} {where} to do that. "
            + ("Nothing was saved. " if nothing_saved else "")
            + "Ask a server admin to give my role "
            + ("those permissions" if len(names) > 1 else "that permission")
            + " there, then try again."
        )
        self.permission = names[0]
        self.permissions = tuple(names)


class HomeGone(DomainError):
    """The group's home channel or thread no longer exists."""

    title = "The group's home is gone"


class GroupHomes(Protocol):
    """Creates group homes and keeps their access in step with membership."""

    async def create_home(
        self, guild_id: int, name: str, category_id: int | None, member_ids: Iterable[int]
    ) -> Home:
        """Create a private text channel only the members (and the bot) can see."""
        ...

    async def link_home(self, guild_id: int, channel_id: int) -> Home:
        """Check that an existing channel or thread can serve as a home and return it."""
        ...

    async def grant(self, guild_id: int, home: Home, user_id: int, audit: Audit | None = None) -> None:
        """Let ``user_id`` see and talk in the home (``audit``: who asked and why, when someone did)."""
        ...

    async def revoke(self, guild_id: int, home: Home, user_id: int, audit: Audit | None = None) -> None:
        """Take ``user_id``'s access to the home away (``audit``: who asked and why, when someone did)."""
        ...

    async def delete_home(self, guild_id: int, home: Home) -> None:
        """Delete a home the bot created (only to undo a half-finished creation)."""
        ...
