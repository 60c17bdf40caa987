"""Acting as users in channels: posting, reacting, deleting messages."""

from __future__ import annotations

import copy
from typing import Any

from ..permissions import P, has
from ..state import DM, FakeChannel, FakeUser
from .base import DriverBase


class MessageActions(DriverBase):
    """Messages as users write them (MESSAGE_CREATE, reactions, MESSAGE_DELETE)."""

    def post_message(
        self,
        user: FakeUser,
        channel: FakeChannel | None,
        content: str = "",
        *,
        embeds: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
        attachments: list[tuple[str, bytes]] | None = None,
    ) -> dict[str, Any]:
        """``user`` posts a message (MESSAGE_CREATE). ``channel=None`` means the user's DM with
        the bot. Fails like the Discord client would if the user may not post there."""
        world = self.world
        chan = world.dm_channel(user) if channel is None else channel
        if chan.deleted:
            raise AssertionError(f"channel {chan.name!r} was deleted")
        if chan.guild is not None:
            member = chan.guild.member(user)
            if member is None:
                raise AssertionError(f"{user.name} is not a member of {chan.guild.name}")
            perms = chan.guild.permissions_for(member, chan)
            send = P.SEND_MESSAGES_IN_THREADS if chan.is_thread else P.SEND_MESSAGES
            if not has(perms, int(P.VIEW_CHANNEL | send)):
                raise AssertionError(f"{user.name} cannot send messages in #{chan.name}")
            if chan.is_thread and chan.locked and not has(perms, int(P.MANAGE_THREADS)):
                raise AssertionError(f"thread #{chan.name} is locked")  # archived or not: moderators only
            if chan.is_thread and chan.archived:
                chan.archived = False
                world.emit_channel_update(chan)
        elif chan.type == DM and chan.recipient is not user:
            raise AssertionError("that DM channel belongs to another user")
        files = []
        for filename, data in attachments or []:
            aid = world.ids.next()
            world.files[aid] = (filename, data, "application/octet-stream")
            url = f"{world.base_url}/attachments/{chan.id}/{aid}/{filename}"
            files.append(
                {"id": str(aid), "filename": filename, "size": len(data), "url": url, "proxy_url": url}
            )
        reference = None
        if reply_to is not None:
            target = world.get_message(int(reply_to["id"]))
            reference = {"message_id": reply_to["id"], "channel_id": chan.id, "_message": target}
        data = world.build_message(
            chan, user, content=content, embeds=embeds, attachments=files, reference=reference
        )
        world.store_message(chan, data)
        return copy.deepcopy(data)

    def react(self, user: FakeUser, message: dict[str, Any], emoji: str) -> None:
        """``user`` adds a (unicode) reaction (MESSAGE_REACTION_ADD)."""
        from .routes.messages import add_reaction

        chan, msg = self._message(message)
        add_reaction(self.world, chan, msg, user.id, emoji)

    def delete_message(self, message: dict[str, Any]) -> None:
        """Someone (author or moderator) deletes a message (MESSAGE_DELETE)."""
        chan, msg = self._message(message)
        self.world.delete_message(chan, int(msg["id"]))
