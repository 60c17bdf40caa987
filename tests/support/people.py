"""People acting on Discord as people do: slash commands, buttons, menus, forms, messages and DMs.

Everything here goes through the fake Discord's driver, so the bot sees exactly what Discord
would send it. A person picks a group the way Discord lets them: they type a few letters and
choose from what the bot suggests (``Typed("Writ")``); they press a button by its label and fill
a form by its labels.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tests.fake_discord import FakeChannel, FakeDiscord, FakeGuild, FakeUser, InteractionReply, P

# Generous: these bound a failure on a loaded 2-core machine, they are never waited out.
PATIENCE = 15.0


def text_of(message: dict[str, Any] | None) -> str:
    """Return everything a reader sees written in a message: content, embeds, text displays."""
    if message is None:
        return ""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    parts += [c.get("content") or "" for c in components_of(message) if c.get("type") == 10]
    return "\n".join(part for part in parts if part)


def moments(text: str) -> list[datetime]:
    """Return the moments a text shows with Discord's ``<t:…>`` markup (each reader sees their clock)."""
    return [datetime.fromtimestamp(int(seconds), UTC) for seconds in re.findall(r"<t:(\d+)(?::\w)?>", text)]


def components_of(message: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every component of a message, however deeply laid out (rows, containers, sections)."""

    def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield item
            yield from walk(item.get("components") or [])
            if isinstance(item.get("accessory"), dict):
                yield item["accessory"]
            if isinstance(item.get("component"), dict):
                yield item["component"]

    return walk(message.get("components") or [])


def labels(message: dict[str, Any] | None) -> list[str]:
    """Return the labels of a message's buttons, in order."""
    if message is None:
        return []
    return [c["label"] for c in components_of(message) if c.get("type") == 2 and c.get("label")]


def _button(message: dict[str, Any], label: str) -> str:
    found = [
        c["custom_id"]
        for c in components_of(message)
        if c.get("type") == 2 and c.get("label") == label and c.get("custom_id")
    ]
    if not found:
        raise AssertionError(
            f"no button {label!r} in a message showing {labels(message)}:\n{text_of(message)}"
        )
    return found[0]


def _menu(message: dict[str, Any], menu: str | None) -> str:
    menus = [c for c in components_of(message) if c.get("type") in (3, 5, 6, 7, 8)]
    for candidate in menus:
        if menu is None or menu in (candidate.get("custom_id"), candidate.get("placeholder")):
            return candidate["custom_id"]
    shown = [c.get("placeholder") or c.get("custom_id") for c in menus]
    raise AssertionError(f"no menu {menu!r} in the message (it has {shown})")


class Typed(str):
    """What a person types in an option the bot completes; they then pick the first suggestion."""


class Answer:
    """What a person saw after acting: the bot's answer (a message, an updated message or a form)."""

    def __init__(self, reply: InteractionReply) -> None:
        self.reply = reply

    @classmethod
    async def of(cls, reply: InteractionReply) -> Answer:
        """Wait for the answer a person finally sees: after "thinking…", the completed message.

        A silent acknowledgement (a deferred update) shows nothing new until the bot edits the
        message or follows up: wait for that with :meth:`shows` when it matters.
        """
        if reply.type == 5:
            await reply.wait_followup(timeout=PATIENCE)
        return cls(reply)

    @property
    def message(self) -> dict[str, Any] | None:
        """The message shown, read afresh (later edits show)."""
        if self.reply.type == 6:
            followups = self.reply.followups
            return followups[0] if followups else self.reply.message
        return self.reply.message

    @property
    def text(self) -> str:
        """Everything written in the answer."""
        return text_of(self.message)

    async def shows(self, text: str) -> Answer:
        """Wait until the answer shows ``text`` (the bot may edit it after acknowledging)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PATIENCE
        while text not in self.text:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"the answer never showed {text!r}; it shows:\n{self.text}")
            await self.reply.interaction.wait_changed(min(remaining, 0.1))  # an edit, or a look again
        return self

    @property
    def private(self) -> bool:
        """Whether only the person who acted sees the answer."""
        message = self.message
        return bool(message and int(message["flags"]) & 64)

    @property
    def is_form(self) -> bool:
        """Whether the bot answered with a form to fill in."""
        return self.reply.type == 9

    @property
    def buttons(self) -> list[str]:
        """The labels of the answer's buttons."""
        return labels(self.message)

    def __repr__(self) -> str:
        return f"<Answer form={self.is_form} private={self.private} text={self.text[:200]!r}>"


class Person:
    """Someone in a Discord server: what they can do there, and what they see."""

    def __init__(self, fake: FakeDiscord, guild: FakeGuild, user: FakeUser) -> None:
        self.fake = fake
        self.guild = guild
        self.user = user

    def __repr__(self) -> str:
        return f"<Person {self.user.name}>"

    @property
    def id(self) -> int:
        """Their Discord id."""
        return self.user.id

    @property
    def mention(self) -> str:
        """How a message mentions them."""
        return f"<@{self.user.id}>"

    # -- acting -----------------------------------------------------------------------------

    async def run(self, command: str, *, where: FakeChannel | None = None, **options: Any) -> Answer:
        """Run a slash command in the server, choosing ``Typed`` options from the suggestions."""
        values: dict[str, Any] = {}
        for name, value in options.items():
            if isinstance(value, Person):
                value = value.user
            elif isinstance(value, Typed):
                value = await self.suggestion(command, name, str(value), where=where, **values)
            values[name] = value
        reply = await self.fake.slash(self.user, self.guild, command, channel=where, options=values)
        return await Answer.of(reply)

    async def suggestion(
        self, command: str, option: str, typed: str, *, where: FakeChannel | None = None, **given: Any
    ) -> Any:
        """Type in an option and return the value of the first suggestion whose name matches."""
        choices = await self.fake.autocomplete(
            self.user, self.guild, command, focused=option, channel=where, options={**given, option: typed}
        )
        for choice in choices:
            if typed.casefold() in choice["name"].casefold():
                return choice["value"]
        names = [choice["name"] for choice in choices]
        raise AssertionError(f"{self.user.name} typed {typed!r} in /{command} {option}, offered {names}")

    async def suggestions(self, command: str, option: str, typed: str = "", **given: Any) -> list[str]:
        """Return the names the bot suggests as this person types in an option."""
        choices = await self.fake.autocomplete(
            self.user, self.guild, command, focused=option, options={**given, option: typed}
        )
        return [choice["name"] for choice in choices]

    async def press(self, on: Answer | dict[str, Any], label: str) -> Answer:
        """Press the button labelled ``label`` on a message (or on an answer's message)."""
        message = on.message if isinstance(on, Answer) else on
        assert message is not None, f"nothing to press {label!r} on"
        reply = await self.fake.click(self.user, message, _button(message, label))
        return await Answer.of(reply)

    async def choose(
        self, on: Answer | dict[str, Any], values: list[Any], *, menu: str | None = None
    ) -> Answer:
        """Pick ``values`` in a menu of a message (the only one, or the one with that placeholder)."""
        message = on.message if isinstance(on, Answer) else on
        assert message is not None, "no message with a menu"
        reply = await self.fake.select(self.user, message, _menu(message, menu), values)
        return await Answer.of(reply)

    async def fill(self, form: Answer, fields: dict[str, Any]) -> Answer:
        """Fill in the form the bot opened (fields by label) and submit it."""
        assert form.is_form, f"the bot did not open a form: {form!r}"
        reply = await self.fake.submit_modal(self.user, form.reply, fields)
        return await Answer.of(reply)

    async def apps(self, command: str, message: dict[str, Any]) -> Answer:
        """Use a message's Apps menu (a message command such as "Report to facilitator")."""
        reply = await self.fake.message_command(self.user, self.guild, command, message)
        return await Answer.of(reply)

    def say(self, text: str, where: FakeChannel | int) -> dict[str, Any]:
        """Write a message in a channel or thread."""
        channel = self.fake.world.channels[where] if isinstance(where, int) else where
        return self.fake.post_message(self.user, channel, text)

    # -- seeing -----------------------------------------------------------------------------

    def dms(self, containing: str = "") -> list[dict[str, Any]]:
        """The bot's DMs to this person (those whose text contains ``containing``), oldest first."""
        return [m for m in self.fake.dm_messages(self.user) if containing in text_of(m)]

    async def dm(self, containing: str, *, count: int = 1) -> dict[str, Any]:
        """Wait for the ``count``-th DM containing ``containing``; return the latest such DM."""
        await self.fake.hub.wait_for(
            lambda: len(self.dms(containing)) >= count,
            PATIENCE,
            f"DM #{count} to {self.user.name} containing {containing!r}",
        )
        return self.dms(containing)[-1]

    def can_see(self, channel: FakeChannel | int) -> bool:
        """Whether Discord shows this person the channel."""
        channel = self.fake.world.channels[channel] if isinstance(channel, int) else channel
        if self.guild.member(self.user) is None:
            return False
        return bool(self.guild.permissions_for(self.user, channel) & P.VIEW_CHANNEL)
