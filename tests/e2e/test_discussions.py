"""Facilitated discussions end to end: open from a prompt, count voices, close; ground rules."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import final
from tests.e2e.test_foundation import embed_text
from tests.support.program import create_group
from tests.support.waiting import eventually


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

    async def counted() -> bool:  # what Carol sees privately: counts only
        seen = embed_text(
            await final(await fake.slash(carol, world.guild, "discuss participation", channel=thread))
        )
        return f"<@{world.alice.id}>: 2 messages" in seen and f"<@{world.bob.id}>: 1 message" in seen

    await eventually(counted)
    closed = await fake.slash(carol, world.guild, "discuss close", channel=thread)
    assert "archived and locked" in embed_text(await final(closed))
    closing = fake.channel_messages(thread)[-1]
    assert f"<@{world.alice.id}> (2)" in embed_text(closing) and "/goal set" in embed_text(closing)
    stored = world.guild.get_channel(thread.id)
    assert stored.archived and stored.locked
    [closing_edit] = [r for r in fake.requests_to("PATCH", "/channels/{channel_id}") if r.json.get("locked")]
    by_carol = f"carol ({carol.id})"  # in the server's audit log
    assert closing_edit.audit_reason == f"{by_carol} closed the discussion in group Circle (no reason given)"


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
    with pytest.raises(
        AssertionError, match=r"length must be within \[1, 1000\]"
    ):  # Discord's client stops it
        await fake.slash(circle.carol, world.guild, "discuss start", group="Circle", prompt="x" * 1001)
    thread = world.guild.add_thread(world.general, "A thread home", owner=world.owner)
    await fake.settle()
    await create_group(world.person(world.owner), "Threaded", "peer", home=thread)
    reply = await fake.slash(world.owner, world.guild, "discuss start", group="Threaded", prompt="Hello?")
    assert "needs a home channel" in embed_text(await final(reply))


async def test_an_anonymous_question_leaves_no_trace_of_its_author_and_can_be_muted(fake, world, bot, circle):
    from sqlalchemy import text

    await final(
        await fake.slash(circle.carol, world.guild, "discuss start", group="Circle", prompt="Setbacks?")
    )
    [thread] = world.guild.threads

    form = await fake.slash(world.alice, world.guild, "discuss ask-anonymously", group="Circle")
    posted = await fake.submit_modal(
        world.alice, form, {"Your question or concern": "How do I say no to my chair?"}
    )
    assert "without your name" in embed_text(await final(posted))

    [question] = [m for m in fake.channel_messages(thread) if "anonymous question" in embed_text(m)]
    assert "How do I say no to my chair?" in embed_text(question)
    assert str(world.alice.id) not in str(question) and "alice" not in str(question).lower()
    async with bot.services.db.transaction() as session:
        for table in ("anonymous_posts", "anonymous_mutes", "moderation_log", "discussion_participation"):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            assert str(world.alice.id) not in str(rows), f"{table} holds the author in readable form"

    muted = await fake.click(circle.carol, question, question["components"][0]["components"][0]["custom_id"])
    assert muted.ephemeral and "don't know who" in embed_text(muted.message)
    again = await fake.slash(world.alice, world.guild, "discuss ask-anonymously", group="Circle")
    refused = await fake.submit_modal(world.alice, again, {"Your question or concern": "Another one"})
    assert "stopped your anonymous posts" in embed_text(await final(refused))
    other = await fake.slash(world.bob, world.guild, "discuss ask-anonymously", group="Circle")
    allowed = await fake.submit_modal(world.bob, other, {"Your question or concern": "Bob's question"})
    assert "without your name" in embed_text(await final(allowed))


async def test_only_facilitators_can_mute_anonymous_authors(fake, world, bot, circle):
    await final(
        await fake.slash(circle.carol, world.guild, "discuss start", group="Circle", prompt="Anything?")
    )
    [thread] = world.guild.threads
    form = await fake.slash(world.alice, world.guild, "discuss ask-anonymously", group="Circle")
    await final(await fake.submit_modal(world.alice, form, {"Your question or concern": "A question"}))
    [question] = [m for m in fake.channel_messages(thread) if "anonymous question" in embed_text(m)]
    refused = await fake.click(world.bob, question, question["components"][0]["components"][0]["custom_id"])
    assert "Only coordinators and the facilitators" in embed_text(refused.message)


async def test_a_discussion_closes_by_itself_when_its_time_is_up(fake, world, circle, timeline):
    await final(
        await fake.slash(
            circle.carol, world.guild, "discuss start", group="Circle", prompt="Quick one?", hours=2
        )
    )
    [thread] = world.guild.threads
    fake.post_message(world.bob, thread, "Here is my answer")
    await timeline.advance(hours=1, minutes=59)
    assert not world.guild.get_channel(thread.id).archived

    await timeline.advance(minutes=2)
    await timeline.advance(minutes=5)  # closed once
    stored = world.guild.get_channel(thread.id)
    assert stored.archived and stored.locked
    closings = [m for m in fake.channel_messages(thread) if "Discussion closed" in embed_text(m)]
    assert len(closings) == 1 and closings[0] == fake.channel_messages(thread)[-1]
