"""Interaction records (what the fake remembers about each INTERACTION_CREATE it sent) and the
:class:`InteractionReply` tests get back from the driver."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from typing import TYPE_CHECKING, Any

from .state import FLAG_EPHEMERAL, FLAG_LOADING, FakeChannel, FakeGuild, FakeUser
from .util import make_token

if TYPE_CHECKING:
    from .state import World

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

#: Callback types allowed for each interaction type.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    APPLICATION_COMMAND_AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}


class FakeInteraction:
    """One interaction sent to the bot, and everything the bot answered to it."""

    def __init__(
        self,
        world: World,
        *,
        type: int,
        user: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        locale: str = "en-US",
        command_name: str | None = None,
        source_message_id: int | None = None,
        parent: FakeInteraction | None = None,
    ) -> None:
        self.world = world
        self.id = world.ids.next()
        self.token = make_token("aW50ZXJhY3Rpb246")
        self.type = type
        self.user = user
        self.guild = guild
        self.channel = channel
        self.locale = locale
        self.command_name = command_name
        self.source_message_id = source_message_id
        self.parent = parent
        self.payload: dict[str, Any] = {}
        self.created_at = asyncio.get_running_loop().time()
        self.response_type: int | None = None
        self.response_message_id: int | None = None
        self.deferred_resolved = False
        self.followup_ids: list[int] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.answered = asyncio.Event()
        self.answered_at: float | None = None
        self._changed = asyncio.Event()
        world.interactions[self.id] = self
        world.interactions_by_token[self.token] = self

    # ------------------------------------------------------------------ state changes
    def notify(self) -> None:
        """Wake up waiters (follow-ups, edits)."""
        self._changed.set()
        self._changed = asyncio.Event()

    def mark_answered(self) -> None:
        """Called once the callback's answer was written to the bot."""
        self.answered_at = asyncio.get_running_loop().time()
        self.answered.set()
        self.notify()

    @property
    def original_message_id(self) -> int | None:
        """The message ``@original`` refers to (response message, else the component's)."""
        if self.response_message_id is not None:
            return self.response_message_id
        if self.response_type in (6, 7) or self.type in (MESSAGE_COMPONENT, MODAL_SUBMIT):
            return self.source_message_id
        return None

    def metadata(self) -> dict[str, Any]:
        """``interaction_metadata`` of messages created in answer to this interaction."""
        owners = {"0": str(self.guild.id) if self.guild is not None else "0"}
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "user": self.user.to_dict(),
            "authorizing_integration_owners": owners,
        }
        if self.response_message_id is not None:
            data["original_response_message_id"] = str(self.response_message_id)
        if self.type == MESSAGE_COMPONENT and self.source_message_id is not None:
            data["interacted_message_id"] = str(self.source_message_id)
        if self.type == MODAL_SUBMIT and self.parent is not None:
            data["triggering_interaction_metadata"] = self.parent.metadata()
        if self.type == APPLICATION_COMMAND:
            data["command_type"] = 1
            data["name"] = self.command_name
        return data

    async def wait_changed(self, within: float) -> None:
        """Wait for the next change, at most ``within`` seconds."""
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), within)


class InteractionReply:
    """What the user saw after an interaction: the callback and what followed.

    ``type`` is the callback type (4 message, 5 deferred, 6 deferred update, 7 update,
    8 autocomplete, 9 modal). ``message`` is always read fresh from the fake, so it reflects
    later edits of the response.
    """

    def __init__(self, world: World, interaction: FakeInteraction) -> None:
        self._world = world
        self.interaction = interaction

    def __repr__(self) -> str:
        return f"<InteractionReply type={self.type} ephemeral={self.ephemeral} content={self.content!r}>"

    @property
    def type(self) -> int | None:
        """The callback type the bot answered with."""
        return self.interaction.response_type

    @property
    def payload(self) -> dict[str, Any]:
        """The INTERACTION_CREATE payload that was sent to the bot."""
        return self.interaction.payload

    @property
    def message(self) -> dict[str, Any] | None:
        """The response message (types 4/5), or the updated component message (6/7)."""
        mid = self.interaction.original_message_id
        if mid is None or self.type in (8, 9):
            return None
        msg = self._world.get_message(mid)
        return copy.deepcopy(msg) if msg is not None else None

    @property
    def ephemeral(self) -> bool:
        """Whether the response message is only visible to the user (flags & 64)."""
        msg = self.message
        return bool(msg and int(msg["flags"]) & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while a deferred ("thinking") response has not been completed."""
        msg = self.message
        return bool(msg and int(msg["flags"]) & FLAG_LOADING)

    @property
    def content(self) -> str | None:
        """Content of the response message (None while deferred / for modals)."""
        msg = self.message
        if msg is None or int(msg["flags"]) & FLAG_LOADING:
            return None
        return msg["content"]

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Embeds of the response message."""
        msg = self.message
        return msg["embeds"] if msg else []

    @property
    def components(self) -> list[dict[str, Any]]:
        """Components of the response message."""
        msg = self.message
        return msg["components"] if msg else []

    @property
    def modal(self) -> dict[str, Any] | None:
        """For type 9: ``{"custom_id", "title", "components"}``."""
        return copy.deepcopy(self.interaction.modal)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """For type 8: the autocomplete choices."""
        return copy.deepcopy(self.interaction.choices)

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Follow-up messages (the first one after a defer is the completed original)."""
        out = []
        for mid in self.interaction.followup_ids:
            msg = self._world.get_message(mid)
            if msg is not None:
                out.append(copy.deepcopy(msg))
        return out

    async def wait_followup(self, index: int = 0, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait for follow-up number ``index`` (after a defer: the completed response)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.interaction.followup_ids) <= index:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no follow-up #{index} within {timeout} s (got {len(self.interaction.followup_ids)}); "
                    f"callback type {self.type}"
                )
            await self.interaction.wait_changed(min(remaining, 0.1))
        msg = self._world.get_message(self.interaction.followup_ids[index])
        assert msg is not None, "the follow-up message was deleted"
        return copy.deepcopy(msg)
