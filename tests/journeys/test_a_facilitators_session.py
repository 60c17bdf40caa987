"""Journey: a facilitator runs a session of her peer group and keeps the space safe.

Carol facilitates the "Faculty Circle" (Alice, Bob and Dana are peers) that Cora coordinates.
She opens a discussion from the prompt library, runs it as a round, takes an anonymous question,
slows and locks the conversation, times out and warns, handles a report, and reads the log that
the coordinators also see in their moderation channel.
"""

from __future__ import annotations

import pytest

from tests.fake_discord import FakeChannel, P, overwrite
from tests.support.people import Typed, text_of
from tests.support.program import add_member, create_group


@pytest.fixture
async def circle(server, bot, timeline):
    """Cora's program with a coordinators-only #mod-log; Carol facilitates Alice, Bob and Dana."""
    server.give_role(server.cora, "Program coordinators")
    coordinators = server.guild.get_role("Program coordinators")
    await server.olivia.run("setup coordinator-role", role=coordinators)
    server.modlog = server.guild.add_text_channel(  # made by the owner in Discord, the bot let in
        "mod-log",
        overwrites=[
            overwrite(server.guild, deny=P.VIEW_CHANNEL),
            overwrite(coordinators, allow=P.VIEW_CHANNEL),
            overwrite(server.fake.bot_user, allow=P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS),
        ],
    )
    await server.fake.settle()
    logged = await server.cora.run("setup modlog-channel", channel=server.modlog)
    assert "Moderation log saved" in logged.text

    group = await create_group(server.cora, "Faculty Circle", "facilitated_peer")
    await add_member(server.cora, group, server.carol, "facilitator")
    for person in (server.alice, server.bob, server.dana):
        await add_member(server.carol, group, person, "peer")
    await timeline.settle()
    return group


async def open_discussion(server, circle) -> FakeChannel:
    """Carol opens a discussion from the library, found by typing "rejection"."""
    opened = await server.carol.run(
        "discuss start", group=Typed("Faculty"), prompt=Typed("rejection"), hours=48
    )
    assert "Discussion open" in opened.text
    [thread] = [t for t in server.guild.threads if t.parent_id == circle.home]
    return thread


def log_posts(server) -> str:
    return "\n".join(text_of(m) for m in server.fake.channel_messages(server.modlog))


async def test_a_discussion_from_a_library_prompt_run_as_a_round_then_closed(server, circle, timeline):
    carol, alice, bob, dana = server.carol, server.alice, server.bob, server.dana
    thread = await open_discussion(server, circle)
    [opening] = server.fake.channel_messages(thread)
    assert "rejection" in text_of(opening) and "stays in this group" in text_of(opening)
    assert all(person.can_see(thread) for person in (carol, alice, bob, dana))

    started = await carol.run("discuss round", where=thread, turn_minutes=30, nudge_after_hours=24)
    assert "Round started" in started.text
    await timeline.settle()

    def spotlight_on() -> str:
        [latest] = [m for m in server.fake.channel_messages(thread) if "Spotlight" in text_of(m)][-1:]
        return latest["content"]

    first = spotlight_on()
    speaker = next(p for p in (alice, bob, dana) if p.mention in first)
    speaker.say("My first R01 was triaged; I resubmitted in March.", thread)
    await server.fake.hub.wait_for(lambda: speaker.mention not in spotlight_on(), 15, "the spotlight to move")
    await timeline.advance(minutes=31)  # the next one stays quiet: the turn passes on
    await timeline.advance(minutes=31)
    assert "Everyone has had the spotlight" in "\n".join(
        text_of(m) for m in server.fake.channel_messages(thread)
    )

    counts = await carol.run("discuss participation", where=thread)
    assert (counts.private and f"{speaker.mention} (1)" in counts.text) or "1 message" in counts.text
    assert "triaged" not in counts.text  # counts, never content

    closed = await carol.run("discuss close", where=thread)
    assert "archived and locked" in closed.text
    closing = server.fake.channel_messages(thread)[-1]
    assert speaker.mention in text_of(closing) and "/goal set" in text_of(closing)
    stored = server.channel(thread.id)
    assert stored.archived and stored.locked


async def test_an_anonymous_question_reaches_the_discussion_without_its_authors_name(
    server, circle, timeline
):
    thread = await open_discussion(server, circle)
    form = await server.alice.run("discuss ask-anonymously", group=Typed("Faculty"))
    posted = await server.alice.fill(form, {"Your question or concern": "How do I say no to my chair?"})
    assert "without your name" in posted.text

    [question] = [m for m in server.fake.channel_messages(thread) if "anonymous question" in text_of(m)]
    assert "How do I say no to my chair?" in text_of(question)
    assert str(server.alice.id) not in str(question) and "alice" not in str(question).lower()
    muted = await server.carol.press(question, "Mute this anonymous author (facilitators)")
    assert muted.private and "don't know who" in muted.text


async def test_slow_mode_lock_timeout_warning_and_report_are_done_and_logged(server, circle, timeline):
    carol, alice, bob, dana = server.carol, server.alice, server.bob, server.dana
    thread = await open_discussion(server, circle)
    home = server.channel(circle.home)

    slow = await carol.run("facilitate slowmode", group=Typed("Faculty"), seconds=30)
    assert "30 s" in slow.text
    assert server.channel(home.id).rate_limit_per_user == 30

    remark = bob.say("That idea is frankly stupid.", thread)
    timed_out = await carol.run(
        "facilitate timeout", group=Typed("Faculty"), user=bob, minutes=60, reason="Cooling off"
    )
    assert "Timed out" in timed_out.text
    assert server.guild.member(bob.user).communication_disabled_until is not None
    with pytest.raises(AssertionError):  # Discord itself now keeps Bob from writing
        bob.say("One more thing", thread)

    report_form = await dana.apps("Report to facilitator", remark)
    reported = await dana.fill(report_form, {"Anything to add? (optional)": "This was hurtful."})
    assert reported.private and "Report sent" in reported.text
    told = await carol.dm("reported a message")
    assert "This was hurtful." in text_of(told) and dana.mention in text_of(told)
    assert bob.dms("reported a message") == []

    warned = await carol.run(
        "facilitate warn", group=Typed("Faculty"), user=bob, reason="Please criticise ideas kindly"
    )
    assert warned.private
    warning = await bob.dm("Please criticise ideas kindly")
    assert "Faculty Circle" in text_of(warning)

    locked = await carol.run("facilitate lock", group=Typed("Faculty"), thread=thread)
    assert "Locked" in locked.text
    assert server.channel(thread.id).locked
    with pytest.raises(AssertionError):  # nobody but facilitators writes in a locked thread
        alice.say("Wait, I wanted to add…", thread)

    log = await carol.run("facilitate log", group=Typed("Faculty"))
    assert log.private
    for what in ("timed out", "warned", "Please criticise ideas kindly", "Cooling off"):
        assert what in log.text, f"{what!r} missing from the log:\n{log.text}"
    await timeline.settle()
    posted = log_posts(server)
    assert (
        "Cooling off" in posted and "Please criticise ideas kindly" in posted and "report" in posted.lower()
    )
    assert not alice.can_see(server.modlog) and server.cora.can_see(server.modlog)


async def test_lock_slow_mode_and_message_removal_tell_discords_audit_log_who_and_why(server, circle):
    carol = server.carol
    thread = await open_discussion(server, circle)
    since = len(server.fake.requests)
    await carol.run("facilitate slowmode", group=Typed("Faculty"), seconds=30, reason="Let everyone speak")
    await carol.run("facilitate lock", group=Typed("Faculty"), thread=thread, reason="Heated exchange")
    remark = server.bob.say("Something unkind", server.channel(circle.home))
    form = await carol.apps("Remove (facilitator)", remark)
    await carol.fill(form, {"Reason (the author is told)": "Not kind"})

    moderation = [
        r
        for r in server.fake.requests[since:]
        if (r.method, r.route)
        in {("PATCH", "/channels/{channel_id}"), ("DELETE", "/channels/{channel_id}/messages/{message_id}")}
    ]
    assert len(moderation) == 3
    for request in moderation:
        reason = next((v for k, v in request.headers.items() if k.lower() == "x-audit-log-reason"), None)
        assert reason is not None and "carol" in reason.lower(), f"{request} has no audit-log reason"
