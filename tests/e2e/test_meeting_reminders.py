"""Meeting reminders reach the people still coming: not a member paused or removed since the time
was confirmed (nor one who said they can't make it); a member restored in time is reminded again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import World, button_id, final
from tests.e2e.people import create_group, join_group, text_of

MEETING = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Monday; everyone keeps the server's clock (UTC)


def reminded(fake, user, title: str) -> int:
    return len([m for m in fake.dm_messages(user) if title in text_of(m)])


async def test_reminders_skip_members_paused_or_removed_after_the_meeting_was_confirmed(
    fake, world: World, timeline
):
    carol, dave, erin = fake.add_user("carol"), fake.add_user("dave"), fake.add_user("erin")
    for person in (carol, dave, erin):
        world.guild.add_member(person)
    await fake.settle()
    home = await create_group(fake, world.guild, world.owner, "Circle", "facilitated_peer")
    await join_group(fake, world.guild, world.owner, "Circle", carol, "facilitator")
    peers = (world.alice, world.bob, dave, erin)
    for person in peers:
        await join_group(fake, world.guild, world.owner, "Circle", person, "peer")

    planned = await fake.slash(carol, world.guild, "meet plan", group="Circle", times="2026-11-30 14:00")
    assert "Poll posted" in text_of(await final(planned))
    await timeline.settle()
    [poll] = [m for m in fake.channel_messages(home) if "when can you meet?" in text_of(m)]
    for person in (carol, *peers):
        opened = await fake.click(person, poll, button_id(poll, "Mark my times"))
        [menu] = [c for row in opened.message["components"] for c in row["components"]]
        await fake.select(person, opened, menu["custom_id"], values=[o["value"] for o in menu["options"]])
    confirmed = await final(await fake.slash(carol, world.guild, "meet confirm", group="Circle"))
    assert "Meeting confirmed" in text_of(confirmed)

    # After the time was fixed: Bob is paused, Dave removed, Erin can't make it.
    paused = await fake.slash(
        carol, world.guild, "facilitate pause", group="Circle", options={"user": world.bob}, reason="A break"
    )
    assert "no meeting reminders until restored" in text_of(await final(paused))
    removed = await fake.slash(
        carol, world.guild, "facilitate remove", group="Circle", options={"user": dave}, reason="Moved on"
    )
    assert "is no longer in the group" in text_of(await final(removed))
    await timeline.settle()
    [announced] = [m for m in fake.channel_messages(home) if "said this time works" in text_of(m)]
    cant = await fake.click(erin, announced, button_id(announced, "Can't make it"))
    assert cant.ephemeral

    await timeline.to(MEETING - timedelta(hours=24))
    assert reminded(fake, world.alice, "Meeting tomorrow") == 1
    assert reminded(fake, carol, "Meeting tomorrow") == 1
    for gone in (world.bob, dave, erin):
        assert reminded(fake, gone, "Meeting tomorrow") == 0

    # Bob is restored before the last reminder: he is coming again, and hears of it.
    restored = await fake.slash(
        carol, world.guild, "facilitate restore", group="Circle", options={"user": world.bob}
    )
    assert "is back in the group" in text_of(await final(restored))
    await timeline.to(MEETING - timedelta(hours=1))
    assert reminded(fake, world.alice, "Meeting soon") == 1
    assert reminded(fake, world.bob, "Meeting soon") == 1
    for gone in (dave, erin):
        assert reminded(fake, gone, "Meeting soon") == 0
