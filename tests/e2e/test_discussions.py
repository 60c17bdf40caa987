"""Facilitated discussions end to end: open from a prompt, count voices, close; ground rules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.services.actors import Actor
from tests.e2e.conftest import World, agree_all, final
from tests.e2e.test_foundation import embed_text
from tests.support.waiting import eventually


@pytest.fixture
async def circle(fake, bot, world: World):
    carol = fake.add_user("carol")
    world.guild.add_member(carol)
    admin = Actor(world.owner.id, is_admin=True)
    group = await bot.services.groups.create(world.guild.id, admin, name="Circle", kind="facilitated_peer")
    await bot.services.groups.add_member(world.guild.id, admin, group.id, carol.id, "facilitator")
    for user in (world.alice, world.bob):
        await bot.services.groups.add_member(world.guild.id, admin, group.id, user.id, "peer")
    await agree_all(bot, world.guild.id, group.id, carol, world.alice, world.bob)
    return SimpleNamespace(carol=carol, home=group.home)


async def test_a_discussion_from_the_library_to_its_closing_note(fake, world, bot, circle):
    carol = circle.carol
    choices = await fake.autocomplete(
        carol, world.guild, "discuss start", focused="prompt", group="Circle", prompt="rejection"
    )
    assert choices and "rejection" in choices[0]["name"]

    opened = await fake.slash(
        carol, world.guild, "discuss start", group="Circle", prompt=choices[0]["value"], hours=48
    )
    assert "Discussion open" in embed_text(await final(opened))
    [thread] = world.guild.threads
    assert thread.parent_id == circle.home.channel_id
    [opening] = fake.channel_messages(thread)
    body = embed_text(opening)
    assert "rejection" in body and "What is said here stays here." in body and "stays in this group" in body
    members = {
        int(r.path.rsplit("/", 1)[1])
        for r in fake.requests_to("PUT", "/channels/{channel_id}/thread-members/{user_id}")
    }
    assert {carol.id, world.alice.id, world.bob.id} <= members

    fake.post_message(world.alice, thread, "Mine was an R21 triage.")
    fake.post_message(world.alice, thread, "I resubmitted in March.")
    fake.post_message(world.bob, thread, "Thank you for sharing.")

    async def counted() -> bool:
        view = await bot.services.discussions.participation(world.guild.id, Actor(carol.id), thread.id)
        return dict(view.counts).get(world.alice.id) == 2 and dict(view.counts).get(world.bob.id) == 1

    await eventually(counted)
    closed = await fake.slash(carol, world.guild, "discuss close", channel=thread)
    assert "archived and locked" in embed_text(await final(closed))
    closing = fake.channel_messages(thread)[-1]
    assert f"<@{world.alice.id}> (2)" in embed_text(closing) and "/goal set" in embed_text(closing)
    stored = world.guild.get_channel(thread.id)
    assert stored.archived and stored.locked


async def test_members_cannot_start_or_close_discussions(fake, world, circle):
    reply = await fake.slash(world.alice, world.guild, "discuss start", group="Circle", prompt="Anything?")
    assert "Only coordinators and the facilitators" in embed_text(await final(reply))


async def test_ground_rules_are_edited_in_a_form_and_posted_on_demand(fake, world, bot, circle):
    form = await fake.slash(circle.carol, world.guild, "discuss rules-edit", group="Circle")
    assert form.type == 9
    saved = await fake.submit_modal(
        circle.carol, form, {"One rule per line": "Cameras optional\nNo advice unless asked"}
    )
    assert "No advice unless asked" in embed_text(saved.message)

    await final(await fake.slash(circle.carol, world.guild, "confidential", group="Circle"))
    posted = fake.channel_messages(circle.home.channel_id)[-1]
    assert "Cameras optional" in embed_text(posted) and "stays in this group" in embed_text(posted)


async def test_an_over_long_prompt_and_a_group_without_a_channel_home_are_refused(fake, world, bot, circle):
    from bot.errors import Invalid

    with pytest.raises(Invalid, match="at most 1000"):
        await bot.services.discussions.start(world.guild.id, Actor(circle.carol.id), "Circle", "x" * 1001)
    thread = world.guild.add_thread(world.general, "A thread home", owner=world.owner)
    await fake.settle()
    admin = Actor(world.owner.id, is_admin=True)
    threaded = await bot.services.groups.create(
        world.guild.id, admin, name="Threaded", kind="peer", link_channel_id=thread.id
    )
    reply = await fake.slash(
        world.owner, world.guild, "discuss start", group=str(threaded.id), prompt="Hello?"
    )
    assert "needs a home channel" in embed_text(await final(reply))
