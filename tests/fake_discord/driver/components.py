"""Acting as users on components: buttons, selects and modals.

Component and modal interactions are only sent once the previous interaction was answered
and the answer that created/edited the target message reached the bot plus a small grace
(``component_grace``): discord.py stores a view only after reading that answer and drops
component interactions for views it does not know yet.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from ..interactions import MESSAGE_COMPONENT, MODAL_SUBMIT, FakeInteraction, InteractionReply
from ..permissions import P, has
from ..state import FLAG_EPHEMERAL, FakeChannel, FakeGuild, FakeMember, FakeUser, iter_components
from .base import DriverBase

SELECT_TYPES = (3, 5, 6, 7, 8)


class ComponentActions(DriverBase):
    """Clicks, selections and modal submissions, waiting as Discord's timing requires."""

    async def click(
        self, user: FakeUser, message: dict[str, Any] | InteractionReply, custom_id: str
    ) -> InteractionReply:
        """``user`` clicks the enabled button ``custom_id`` of ``message``."""
        chan, msg = self._message(message)
        button = self._find_component(msg, custom_id, (2,))
        if button.get("style") in (5, 6):
            raise AssertionError(f"button {custom_id!r} is a link/premium button: it sends no interaction")
        data = {"custom_id": custom_id, "component_type": 2, "id": button.get("id")}
        return await self._component_interaction(user, chan, msg, data, f"click on {custom_id!r}")

    async def select(
        self,
        user: FakeUser,
        message: dict[str, Any] | InteractionReply,
        custom_id: str,
        values: list[Any],
    ) -> InteractionReply:
        """``user`` picks ``values`` in select menu ``custom_id`` (users/roles/channels for
        entity selects, option values for string selects)."""
        chan, msg = self._message(message)
        comp = self._find_component(msg, custom_id, SELECT_TYPES)
        resolved: dict[str, dict[str, Any]] = {}
        guild = chan.guild
        member = guild.member(user) if guild is not None else None
        picked = self._select_values(comp, values, guild, chan, member, resolved)
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": comp["type"],
            "values": picked,
            "id": comp.get("id"),
        }
        if resolved:
            data["resolved"] = resolved
        return await self._component_interaction(user, chan, msg, data, f"select {custom_id!r}")

    def _select_values(
        self,
        comp: dict[str, Any],
        values: list[Any],
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> list[str]:
        ctype = comp["type"]
        low = comp.get("min_values", 1) if comp.get("min_values") is not None else 1
        high = comp.get("max_values", 1) if comp.get("max_values") is not None else 1
        if not low <= len(values) <= high:
            raise AssertionError(
                f"select {comp.get('custom_id')!r} takes {low}..{high} values, got {len(values)}"
            )
        if ctype == 3:
            options = [o["value"] for o in comp.get("options") or []]
            for v in values:
                if v not in options:
                    raise AssertionError(
                        f"{v!r} is not an option of select {comp['custom_id']!r} ({options})"
                    )
            return [str(v) for v in values]
        out = []
        fake_opt = {
            "type": {5: 6, 6: 8, 7: 9, 8: 7}[ctype],
            "name": comp.get("custom_id"),
            "channel_types": comp.get("channel_types"),
        }
        for v in values:
            out.append(self._resolve_entity(fake_opt, v, guild, chan, member, resolved))
        return out

    @staticmethod
    def _find_component(msg: dict[str, Any], custom_id: str, types: tuple[int, ...]) -> dict[str, Any]:
        found = [c for c in iter_components(msg.get("components") or []) if c.get("custom_id") == custom_id]
        if not found:
            ids = [
                c.get("custom_id") for c in iter_components(msg.get("components") or []) if c.get("custom_id")
            ]
            raise AssertionError(f"message {msg['id']} has no component {custom_id!r} (has {ids})")
        comp = found[0]
        if comp.get("type") not in types:
            raise AssertionError(
                f"component {custom_id!r} has type {comp.get('type')}, expected one of {types}"
            )
        if comp.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled")
        return comp

    async def _component_interaction(
        self, user: FakeUser, chan: FakeChannel, msg: dict[str, Any], data: dict[str, Any], what: str
    ) -> InteractionReply:
        world = self.world
        if int(msg["author"]["id"]) != world.bot_user.id:
            raise AssertionError("only the bot's messages can have interactive components")
        flags = int(msg["flags"])
        if flags & FLAG_EPHEMERAL:
            owner = (msg.get("interaction_metadata") or {}).get("user", {}).get("id")
            if owner != str(user.id):
                raise AssertionError(f"{user.name} cannot see this ephemeral message")
        guild = chan.guild
        if guild is not None:
            member = guild.member(user)
            if member is None or not has(guild.permissions_for(member, chan), int(P.VIEW_CHANNEL)):
                raise AssertionError(f"{user.name} cannot see #{chan.name}")
        elif chan.recipient is not user:
            raise AssertionError(f"{user.name} cannot see this DM")
        mid = int(msg["id"])
        await self._wait_before_component(mid)
        inter = FakeInteraction(
            world, type=MESSAGE_COMPONENT, user=user, guild=guild, channel=chan, source_message_id=mid
        )
        data = {k: v for k, v in data.items() if v is not None}
        return await self._dispatch(inter, data, what, message=world.get_message(mid))

    async def _wait_before_component(self, message_id: int | None, answered_at: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        last = self._last_interaction
        if last is not None and not last.answered.is_set():
            remaining = self.interaction_deadline - (loop.time() - last.created_at)
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(last.answered.wait(), remaining)
        written = answered_at
        if message_id is not None:
            deadline = loop.time() + self.interaction_deadline
            while message_id not in self.world.message_written and loop.time() < deadline:
                changed = self.world.written_changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), max(0.0, deadline - loop.time()))
            written = max(written or 0.0, self.world.message_written.get(message_id, 0.0))
        if written:
            delay = written + self.component_grace - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)

    async def submit_modal(
        self, user: FakeUser, reply: InteractionReply, values: dict[str, Any]
    ) -> InteractionReply:
        """``user`` fills in and submits the modal the bot opened in ``reply``. Keys of
        ``values`` are a field's ``custom_id`` or its label; optional fields may be left out."""
        parent = reply.interaction
        modal = parent.modal
        if reply.type != 9 or modal is None:
            raise AssertionError(f"{reply!r} did not open a modal")
        if parent.user is not user:
            raise AssertionError(f"the modal was opened for {parent.user.name}, not {user.name}")
        remaining = dict(values)
        resolved: dict[str, dict[str, Any]] = {}
        guild = parent.guild
        chan = parent.channel
        member = guild.member(user) if guild is not None else None
        components = [
            self._modal_component(c, remaining, guild, chan, member, resolved) for c in modal["components"]
        ]
        if remaining:
            raise AssertionError(f"the modal has no field(s) {sorted(remaining)}")
        data: dict[str, Any] = {"custom_id": modal["custom_id"], "components": components}
        if resolved:
            data["resolved"] = resolved
        source = parent.source_message_id if parent.type == MESSAGE_COMPONENT else None
        await self._wait_before_component(None, answered_at=parent.answered_at)
        inter = FakeInteraction(
            self.world,
            type=MODAL_SUBMIT,
            user=user,
            guild=guild,
            channel=chan,
            locale=parent.locale,
            source_message_id=source,
            parent=parent,
        )
        message = self.world.get_message(source) if source is not None else None
        return await self._dispatch(inter, data, f"submit of modal {modal['title']!r}", message=message)

    def _modal_component(
        self,
        comp: dict[str, Any],
        remaining: dict[str, Any],
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        ctype = comp.get("type")
        if ctype == 1:
            children = [
                self._modal_field(c, c.get("label"), remaining, guild, chan, member, resolved)
                for c in comp.get("components") or []
            ]
            return {"type": 1, "id": comp.get("id"), "components": children}
        if ctype == 18:
            inner = self._modal_field(
                comp["component"], comp.get("label"), remaining, guild, chan, member, resolved
            )
            return {"type": 18, "id": comp.get("id"), "component": inner}
        return {"type": ctype, "id": comp.get("id")}

    def _modal_field(
        self,
        comp: dict[str, Any],
        label: str | None,
        remaining: dict[str, Any],
        guild: FakeGuild | None,
        chan: FakeChannel,
        member: FakeMember | None,
        resolved: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        cid = comp.get("custom_id")
        key = cid if cid in remaining else (label if label in remaining else None)
        given = key is not None
        value = remaining.pop(key) if given else None
        ctype = comp.get("type")
        name = label or cid
        required = comp.get("required", True) is not False
        out: dict[str, Any] = {"type": ctype, "id": comp.get("id"), "custom_id": cid}
        if ctype == 4:
            text = value if given else (comp.get("value") or "")
            if not isinstance(text, str):
                raise TypeError(f"text input {name!r} takes a string")
            if required and not text:
                raise AssertionError(f"text input {name!r} is required")
            low, high = comp.get("min_length"), comp.get("max_length")
            if text and ((low is not None and len(text) < low) or (high is not None and len(text) > high)):
                raise AssertionError(f"text input {name!r}: length must be within [{low}, {high}]")
            out["value"] = text
        elif ctype in SELECT_TYPES:
            # Left as it is, a menu submits what it shows picked (its default options).
            defaults = [o["value"] for o in comp.get("options") or [] if o.get("default")]
            picked = list(value) if given else defaults
            if not picked and not required:
                out["values"] = []
            else:
                out["values"] = self._select_values(comp, picked, guild, chan, member, resolved)
        elif ctype == 23:
            out["value"] = bool(value) if given else bool(comp.get("default"))  # left as shown
        elif ctype == 21:
            options = comp.get("options") or []
            if not given:  # what Discord shows picked when the person leaves it as it is
                value = next((o["value"] for o in options if o.get("default")), None)
            elif value not in [o["value"] for o in options]:
                # A person picks an option by what it says; its value goes to the bot.
                by_label = [o["value"] for o in options if o.get("label") == value]
                if not by_label:
                    offered = [o.get("label") for o in options]
                    raise AssertionError(
                        f"radio group {name!r} has no option {value!r} (it offers {offered})"
                    )
                value = by_label[0]
            if required and value is None:
                raise AssertionError(f"radio group {name!r} is required")
            out["value"] = value
        elif ctype == 22:
            options = comp.get("options") or []
            if not given:
                picked = [o["value"] for o in options if o.get("default")]
            else:  # ticked by what the boxes say; their values go to the bot
                by_label = {o.get("label"): o["value"] for o in options}
                known = {o["value"] for o in options}
                picked = [v if v in known else by_label.get(v, v) for v in value or []]
                unknown = [v for v in picked if v not in known]
                if unknown:
                    raise AssertionError(f"checkbox group {name!r} has no option(s) {unknown}")
            out["values"] = picked
        else:
            raise AssertionError(f"modal component type {ctype} is not supported by the fake")
        return out
