"""Facilitator moderation end to end: each action's effect on Discord and in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import ModerationRecord
from tests.e2e.conftest import World, button_id, final
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import DEFAULT_BOT, P
from tests.support import program as support
from tests.support.people import Person


class Circle:
    """A facilitated group: Carol facilitates, Alice and Bob are peers; Olivia coordinates."""

    def __init__(self, fake, bot, world: World) -> None:
        self.fake, self.bot, self.world = fake, bot, world
        self.carol = fake.add_user("carol")
        self.dan = fake.add_user("dan")
        world.guild.add_member(self.carol)
        world.guild.add_member(self.dan)

    async def arrange(self) -> None:
        """Olivia makes "Circle" and "Other" through Discord; everyone agrees to the ground rules."""
        world, guild = self.world, self.world.guild
        olivia = world.person(world.owner)
        group = await support.create_group(olivia, "Circle", "facilitated_peer")
        await support.add_member(olivia, group, world.person(self.carol), "facilitator")
        for user in (world.alice, world.bob):
            await support.add_member(olivia, group, world.person(user), "peer")
        other = await support.create_group(olivia, "Other", "peer")
        await support.add_member(olivia, other, world.person(self.dan), "peer")
        self.home = guild.get_channel(group.home)
        self.other_home = guild.get_channel(other.home)

    async def records(self, action: str) -> list[ModerationRecord]:
        async with self.bot.services.db.transaction() as session:
            return list(
                await session.scalars(select(ModerationRecord).where(ModerationRecord.action == action))
            )


@pytest.fixture
async def circle(fake, bot, world):
    arranged = Circle(fake, bot, world)
    await arranged.arrange()
    return arranged


async def test_a_facilitator_times_out_a_member_of_their_group(fake, world, circle):
    reply = await fake.slash(
        circle.carol,
        world.guild,
        "facilitate timeout",
        group="Circle",
        minutes=60,
        reason="Cooling off",
        options={"user": world.alice},
    )
    assert "Timed out" in embed_text(await final(reply))
    patches = [
        r for r in fake.requests_to("PATCH", "/guilds/{guild_id}/members/{user_id}") if r.status == 200
    ]
    assert patches and patches[-1].json.get("communication_disabled_until")
    [record] = await circle.records("timeout")
    assert (record.actor_id, record.target_id, record.reason) == (
        circle.carol.id,
        world.alice.id,
        "Cooling off",
    )


async def test_facilitators_cannot_act_outside_their_group_or_on_other_facilitators(fake, world, bot, circle):
    outside = await fake.slash(
        circle.carol, world.guild, "facilitate warn", group="Circle", reason="x", options={"user": circle.dan}
    )
    assert "is not in “Circle”" in embed_text(await final(outside))
    other_group = await fake.slash(
        circle.carol, world.guild, "facilitate warn", group="Other", reason="x", options={"user": circle.dan}
    )
    assert "No group" in embed_text(await final(other_group))

    await support.add_member(world.person(world.owner), "Circle", world.person(circle.dan), "facilitator")
    peer_facilitator = await fake.slash(
        circle.carol, world.guild, "facilitate warn", group="Circle", reason="x", options={"user": circle.dan}
    )
    assert "other facilitators" in embed_text(await final(peer_facilitator))
    on_coordinator = await fake.slash(
        circle.carol,
        world.guild,
        "facilitate warn",
        group="Circle",
        reason="x",
        options={"user": world.owner},
    )
    assert "can't act on coordinators" in embed_text(await final(on_coordinator))
    member = await fake.slash(
        world.alice, world.guild, "facilitate warn", group="Circle", reason="x", options={"user": world.bob}
    )
    assert "Only coordinators and the facilitators" in embed_text(await final(member))


async def test_a_timeout_beyond_28_days_and_empty_reasons_are_refused(fake, world, bot, circle):
    with pytest.raises(AssertionError, match="value must be within"):  # Discord's client stops it
        await fake.slash(
            circle.carol,
            world.guild,
            "facilitate timeout",
            group="Circle",
            minutes=28 * 24 * 60 + 1,
            reason="r",
            options={"user": world.alice},
        )
    blank = await fake.slash(
        circle.carol,
        world.guild,
        "facilitate warn",
        group="Circle",
        reason="   ",
        options={"user": world.alice},
    )
    assert "Give a short reason" in embed_text(await final(blank))


async def test_warnings_reach_the_member_privately_and_are_logged(fake, world, bot, circle):
    await final(
        await fake.slash(
            circle.carol,
            world.guild,
            "facilitate warn",
            group="Circle",
            reason="Please let others finish",
            options={"user": world.bob},
        )
    )

    await world.person(world.bob).dm("Please let others finish")
    log = await fake.slash(circle.carol, world.guild, "facilitate log", group="Circle")
    assert "warned" in embed_text(log.message) and "Please let others finish" in embed_text(log.message)


async def test_a_long_log_is_read_a_page_at_a_time(fake, world, circle):
    for n in range(11):  # ten entries a page
        await final(
            await fake.slash(
                circle.carol,
                world.guild,
                "facilitate warn",
                group="Circle",
                reason=f"Reminder *{n}*",
                options={"user": world.bob},
            )
        )
    first = (await fake.slash(circle.carol, world.guild, "facilitate log", group="Circle")).message
    # Ten a page, newest first, each reason as written (its asterisks are not markdown).
    assert "Page 1 of 2" in embed_text(first) and "Reminder \\*10\\*" in embed_text(first)
    assert "Reminder \\*0\\*" not in embed_text(first)
    assert disabled(first) == {"Newer": True, "Older": False}
    older = await fake.click(circle.carol, first, button_id(first, "Older"))
    assert "Page 2 of 2" in embed_text(older.message) and "Reminder \\*0\\*" in embed_text(older.message)
    assert disabled(older.message) == {"Newer": False, "Older": True}
    newer = await fake.click(circle.carol, older.message, button_id(older.message, "Newer"))
    assert "Page 1 of 2" in embed_text(newer.message)


def disabled(message: dict) -> dict[str, bool]:
    return {
        c["label"]: c.get("disabled", False) for row in message["components"] for c in row["components"]
    }


async def test_removing_a_message_from_the_context_menu(fake, world, bot, circle):
    posted = fake.post_message(world.alice, circle.home, "something unkind")
    form = await fake.message_command(circle.carol, world.guild, "Remove (facilitator)", posted)
    assert form.type == 9
    done = await fake.submit_modal(circle.carol, form, {"Reason (the author is told)": "Not kind"})
    assert "Message removed" in embed_text(await final(done))
    assert all(m["id"] != posted["id"] for m in fake.channel_messages(circle.home))
    [record] = await circle.records("remove_message")
    assert record.target_id == world.alice.id and "something unkind" not in str(record.details)


async def test_removing_by_link_checks_the_link(fake, world, circle):
    posted = fake.post_message(world.alice, circle.home, "spam")
    elsewhere = f"https://discord.com/channels/1/{circle.home.id}/{posted['id']}"
    reply = await fake.slash(
        circle.carol, world.guild, "facilitate remove-message", link=elsewhere, reason="spam"
    )
    assert "another server" in embed_text(await final(reply))
    link = f"https://discord.com/channels/{world.guild.id}/{circle.home.id}/{posted['id']}"
    fake.delete_message(posted)
    gone = await fake.slash(circle.carol, world.guild, "facilitate remove-message", link=link, reason="spam")
    assert "no longer exists" in embed_text(await final(gone))


async def test_a_report_reaches_the_groups_facilitators_only(fake, world, bot, circle):
    posted = fake.post_message(world.bob, circle.home, "a hurtful remark")
    form = await fake.message_command(world.alice, world.guild, "Report to facilitator", posted)
    confirmed = await fake.submit_modal(world.alice, form, {"Anything to add? (optional)": "This hurt."})
    assert confirmed.ephemeral and "Report sent" in embed_text(confirmed.message)

    await world.person(circle.carol).dm("reported a message")
    assert not any("reported a message" in embed_text(m) for m in fake.dm_messages(world.bob))
    assert not any("reported a message" in embed_text(m) for m in fake.dm_messages(circle.dan))
    fake.delete_message(posted)
    [record] = await circle.records("report")
    assert record.details["message_id"] == int(posted["id"])  # kept after the message is gone


async def test_pause_and_restore_change_access(fake, world, bot, circle):
    def can_see(user) -> bool:
        return bool(world.guild.permissions_for(user, circle.home) & P.VIEW_CHANNEL)

    await final(
        await fake.slash(
            circle.carol,
            world.guild,
            "facilitate pause",
            group="Circle",
            reason="On leave",
            options={"user": world.bob},
        )
    )
    assert not can_see(world.bob)
    await final(
        await fake.slash(
            circle.carol, world.guild, "facilitate restore", group="Circle", options={"user": world.bob}
        )
    )
    assert can_see(world.bob)


async def test_lock_and_slowmode(fake, world, bot, circle):
    thread = world.guild.add_thread(circle.home, "Round 1", owner=world.alice)
    await fake.settle()
    locked = await fake.slash(circle.carol, world.guild, "facilitate lock", group="Circle", thread=thread)
    assert "Locked" in embed_text(await final(locked))
    assert world.guild.get_channel(thread.id).locked
    slow = await fake.slash(circle.carol, world.guild, "facilitate slowmode", group="Circle", seconds=30)
    assert "30 s" in embed_text(await final(slow))
    assert world.guild.get_channel(circle.home.id).rate_limit_per_user == 30
    wrong = await fake.slash(
        circle.carol,
        world.guild,
        "facilitate slowmode",
        group="Circle",
        seconds=30,
        options={"channel": world.general},
    )
    assert "isn't part of “Circle”" in embed_text(await final(wrong))


async def test_the_bot_says_which_permission_it_lacks(fake, bot):
    owner, member = fake.add_user("owner2"), fake.add_user("member2")
    guild = fake.add_guild("No mod", owner=owner, bot_permissions=DEFAULT_BOT & ~P.MODERATE_MEMBERS)
    guild.add_text_channel("general")
    guild.add_member(member)
    await fake.settle()
    by_owner = Person(fake, guild, owner)
    group = await support.create_group(by_owner, "G", "peer")
    await support.add_member(by_owner, group, Person(fake, guild, member), "peer")
    reply = await fake.slash(
        owner, guild, "facilitate timeout", group="G", minutes=5, reason="r", options={"user": member}
    )
    assert "**Moderate Members**" in embed_text(await final(reply))


async def test_members_see_who_looks_after_their_group(fake, world, circle):
    info = await fake.slash(world.alice, world.guild, "group info", group="Circle")
    assert f"<@{circle.carol.id}>" in embed_text(info.message) and "Looked after by" in embed_text(
        info.message
    )


async def test_a_warning_to_closed_dms_is_shown_privately_at_the_next_command(fake, world, circle, timeline):
    fake.close_dms(world.bob)
    await final(
        await fake.slash(
            circle.carol,
            world.guild,
            "facilitate warn",
            group="Circle",
            reason="Mind the ground rules",
            options={"user": world.bob},
        )
    )
    await timeline.settle()  # the DM was refused: the warning waits for Bob's next command

    reply = await fake.slash(world.bob, world.guild, "help")
    note = await reply.wait_followup()
    assert note["flags"] & 64 and "Mind the ground rules" in embed_text(note)
    again = await fake.slash(world.bob, world.guild, "help")
    assert again.followups == []  # shown once


def audit_reasons(fake, method: str, route: str) -> list[str | None]:
    """The audit-log reasons of the bot's requests to one route, oldest first."""
    return [r.audit_reason for r in fake.requests_to(method, route) if r.status < 300]


async def test_every_moderation_request_names_who_asked_and_why_in_the_audit_log(fake, world, bot, circle):
    carol = world.person(circle.carol)
    by_carol = f"carol ({circle.carol.id})"
    thread = world.guild.add_thread(circle.home, "Round 1", owner=world.alice)
    await fake.settle()

    await carol.run("facilitate lock", group="Circle", thread=thread, reason="Heated")
    await carol.run("facilitate lock", group="Circle", thread=thread, locked=False)
    await carol.run("facilitate slowmode", group="Circle", seconds=30, reason="Too fast")
    assert audit_reasons(fake, "PATCH", "/channels/{channel_id}") == [
        f"{by_carol} locked the thread in group Circle: Heated",
        f"{by_carol} unlocked the thread in group Circle (no reason given)",
        f"{by_carol} set slow mode to 30 s in group Circle: Too fast",
    ]

    bob = f"Bob ({world.bob.id})"  # his display name in the server
    await carol.run("facilitate timeout", group="Circle", minutes=10, reason="Cool off", user=world.bob)
    await carol.run("facilitate untimeout", group="Circle", user=world.bob)
    assert audit_reasons(fake, "PATCH", "/guilds/{guild_id}/members/{user_id}") == [
        f"{by_carol} timed out {bob} for 10 min in group Circle: Cool off",
        f"{by_carol} lifted the timeout of {bob} in group Circle (no reason given)",
    ]

    posted = fake.post_message(world.alice, circle.home, "something unkind")
    form = await fake.message_command(circle.carol, world.guild, "Remove (facilitator)", posted)
    await final(await fake.submit_modal(circle.carol, form, {"Reason (the author is told)": "Not kind"}))
    assert audit_reasons(fake, "DELETE", "/channels/{channel_id}/messages/{message_id}") == [
        f"{by_carol} removed a message in group Circle: Not kind"
    ]

    await carol.run("facilitate pause", group="Circle", reason="On leave", user=world.bob)
    await carol.run("facilitate restore", group="Circle", user=world.bob)
    await carol.run("facilitate remove", group="Circle", reason="Left the program", user=world.bob)
    assert audit_reasons(fake, "DELETE", "/channels/{channel_id}/permissions/{target}") == [
        f"{by_carol} paused {bob} in group Circle: On leave",
        f"{by_carol} removed {bob} from the group in group Circle: Left the program",
    ]
    assert audit_reasons(fake, "PUT", "/channels/{channel_id}/permissions/{target}")[-1] == (
        f"{by_carol} restored {bob} in group Circle (no reason given)"
    )
