"""People acting through Discord to arrange a test's world: slash commands, forms and buttons only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.e2e.conftest import button_id, final
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import FakeDiscord, FakeGuild, FakeUser

_TIMESTAMP = re.compile(r"<t:(\d+)(?::[tTdDfFR])?>")


def text_of(message: dict) -> str:
    """Return everything a person reads in a message: content, embed titles, descriptions and fields."""
    return embed_text(message)


def moments_in(text: str) -> list[datetime]:
    """Return the moments a message shows with Discord's ``<t:…>`` markup, in order."""
    return [datetime.fromtimestamp(int(seconds), UTC) for seconds in _TIMESTAMP.findall(text)]


async def set_clock(fake: FakeDiscord, guild: FakeGuild, user: FakeUser, zone: str, quiet: str = "") -> None:
    """``user`` fills in their time zone and quiet hours with `/profile edit`."""
    form = await fake.slash(user, guild, "profile edit")
    assert form.type == 9, "the profile form did not open"
    saved = await fake.submit_modal(user, form, {"Time zone": zone, "Quiet hours": quiet})
    shown = text_of(await final(saved))
    assert zone in shown, shown


async def create_group(
    fake: FakeDiscord, guild: FakeGuild, coordinator: FakeUser, name: str, kind: str
) -> int:
    """A coordinator creates a group with `/group create`; return the id of its private channel."""
    created = await final(await fake.slash(coordinator, guild, "group create", name=name, kind=kind))
    assert f"Created “{name}”" in text_of(created), text_of(created)
    [home] = [c for c in guild.channels.values() if f"<#{c.id}>" in text_of(created)]
    return home.id


async def join_group(
    fake: FakeDiscord, guild: FakeGuild, by: FakeUser, group: str, user: FakeUser, role: str
) -> None:
    """``by`` adds ``user`` with `/group add`, and ``user`` agrees to the ground rules with `/group agree`."""
    added = await final(
        await fake.slash(by, guild, "group add", group=group, role=role, options={"user": user})
    )
    assert "agree to the ground rules" in text_of(added) or "Added" in text_of(added), text_of(added)
    shown = await fake.slash(user, guild, "group agree", group=group)
    agreed = await fake.click(user, shown.message, button_id(shown.message, "I agree"))
    assert "Welcome to" in text_of(await final(agreed))
