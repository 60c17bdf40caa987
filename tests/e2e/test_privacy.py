"""Members' data rights end to end: what is stored, a copy of it, erasing it; servers the bot left."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from bot.db.base import Base
from bot.db.models import GuildRecord
from bot.services.privacy import guild_data
from tests.e2e.conftest import button_id, final
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import P
from tests.support.people import Typed, moments
from tests.support.program import mentioned_channel
from tests.support.waiting import eventually

AFTER_NINE_EVERYWHERE = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
# What Alice wrote herself: none of it may survive her erasure.
ALICE_WROTE = {
    "bio": "Paediatric oncologist learning to say no",
    "answer": "Finally drafted the specific aims",
    "why": "Tenure review next spring",
    "note": "Two of five sections done",
    "cheer": "You have got this, Bob",
    "report": "This remark hurt me",
}
BOB_ANSWER = "Worried about the lab funding"
BOB_SECRET_GOAL = "Leave academia quietly"


@pytest.fixture
async def everywhere(fake, world, circle, timeline):
    """Alice has data in every feature; Bob and Carol have things of their own, some about Alice.

    Everyone does it through Discord, as in a program's first fortnight.
    """
    alice, bob, carol = (world.person(u) for u in (world.alice, world.bob, circle.carol))
    olivia = world.person(world.owner)
    home = world.guild.get_channel(circle.home.channel_id)

    form = await alice.run("profile edit")
    await alice.fill(form, {"Time zone": "Europe/Berlin", "Bio": ALICE_WROTE["bio"]})
    await alice.run("match optin", wants="peer")

    await olivia.run("checkin schedule", group="Circle", cadence="daily", time="09:00")
    await timeline.to(AFTER_NINE_EVERYWHERE)
    mine = await answer_check_in(alice, ALICE_WROTE["answer"])
    await alice.press(mine, "Whole group")
    await answer_check_in(bob, BOB_ANSWER)

    await alice.run(
        "goal set", title="Submit the R01", why=ALICE_WROTE["why"], visibility="partners", group="Circle"
    )
    await alice.run("goal milestone-add", goal=Typed("R01"), title="Specific aims")
    await alice.run("goal update", goal=Typed("R01"), progress=40, note=ALICE_WROTE["note"])
    await alice.run("goal partner", goal=Typed("R01"), user=bob)
    await bob.run("goal cheer", goal=Typed("R01"), note="Proud of you")
    await bob.run("goal set", title="Renew the grant", visibility="partners", group="Circle")
    await bob.run("goal partner", goal=Typed("grant"), user=alice)
    await alice.run("goal cheer", goal=Typed("grant"), note=ALICE_WROTE["cheer"])
    await bob.run("goal set", title=BOB_SECRET_GOAL)  # only he sees it

    coffee = world.guild.add_text_channel("coffee")
    await fake.settle()
    await olivia.run("coffee setup", channel=coffee)
    for person in (alice, bob):
        await person.run("coffee join")
    await alice.run("coffee avoid", member=carol)  # her private list
    await carol.run("coffee avoid", member=alice)  # Carol's private list: Alice must never learn of it
    status = await alice.run("coffee status")
    await timeline.to(moments(status.text)[0])
    [pair] = [t for t in world.guild.threads if t.parent_id == coffee.id]
    await timeline.advance(days=12)  # the pair is asked whether they met
    asked = [m for m in fake.channel_messages(pair) if "Did you meet?" in embed_text(m)][-1]
    await alice.press(asked, "We met")

    opened = await carol.run("discuss start", group="Circle", prompt="What helped you this month?")
    thread = world.guild.get_channel(mentioned_channel(opened))
    alice.say("Saying no to a committee.", thread)
    alice.say("And a walk every morning.", thread)
    bob.say("Thank you.", thread)

    async def counted() -> bool:
        seen = (await carol.run("discuss participation", where=thread)).text
        return f"{alice.mention}: 2 messages" in seen and f"{bob.mention}: 1 message" in seen

    await eventually(counted)

    remark = bob.say("a hurtful remark", home)
    form = await alice.apps("Report to facilitator", remark)
    await alice.fill(form, {"Anything to add? (optional)": ALICE_WROTE["report"]})
    answer = alice.say("a sharp answer", home)
    form = await bob.apps("Report to facilitator", answer)
    await bob.fill(form, {"Anything to add? (optional)": "Bob's own note"})  # who reported her: secret
    await carol.run("facilitate warn", group="Circle", user=alice, reason="Please let others finish")
    await timeline.settle()
    return SimpleNamespace(thread=thread, home=home, carol=circle.carol)


async def answer_check_in(person, progress: str):
    """Answer the check-in DM in its form; return the saved answer (with its sharing buttons)."""
    [dm] = person.dms("Check-in ·")
    form = await person.press(dm, "Answer")
    return await person.fill(
        form, {"How are you doing? (1 low – 5 great)": ["4"], "Progress since last time?": progress}
    )


async def exported(fake, user) -> dict:
    [dm] = [m for m in fake.dm_messages(user) if m.get("attachments")]
    return attached_json(fake, dm)


def attached_json(fake, message: dict) -> dict:
    [attachment] = message["attachments"]
    _, data, _ = fake.world.files[int(attachment["id"])]
    return json.loads(data)


async def test_export_holds_a_members_data_from_everywhere_and_nothing_others_keep_private(
    fake, world, everywhere
):
    alice, bob, carol = world.alice, world.bob, everywhere.carol
    reply = await fake.slash(alice, world.guild, "privacy export")
    assert reply.ephemeral and "Check your DMs" in embed_text(await final(reply))
    data = await exported(fake, alice)

    assert data["user_id"] == str(alice.id) and data["server_id"] == str(world.guild.id)
    assert data["profile"]["bio"] == ALICE_WROTE["bio"] and data["profile"]["time_zone"] == "Europe/Berlin"
    [membership] = data["groups"]
    assert membership["group"] == "Circle" and membership["agreed_to_ground_rules_at"]
    assert data["matching"]["wants"] == "peer"
    [answer] = data["checkins"]["answers"]
    assert answer["answers"][1]["value"] == ALICE_WROTE["answer"] and answer["shared_with"] == "group"
    statuses = [d["status"] for d in data["checkins"]["deliveries"]]
    assert statuses.count("answered") == 1 and set(statuses) <= {"answered", "missed", "sent"}
    [goal] = data["goals"]["your_goals"]
    assert goal["why"] == ALICE_WROTE["why"] and goal["milestones"][0]["title"] == "Specific aims"
    assert goal["partners"] == [str(bob.id)]
    assert ALICE_WROTE["note"] in [u["note"] for u in goal["updates"]]
    assert "Proud of you" in [u["note"] for u in goal["updates"]]  # Bob's cheer was sent to her
    assert [g["title"] for g in data["goals"]["goals_you_support"]] == ["Renew the grant"]
    assert [n["note"] for n in data["goals"]["your_notes_on_others_goals"]] == [ALICE_WROTE["cheer"]]
    [pairing] = data["coffee"]["pairings"]
    assert str(bob.id) in pairing["with"] and pairing["you_said_you_met"] == "yes"
    assert data["coffee"]["do_not_pair_list"] == [str(carol.id)]
    [discussion] = data["discussions"]
    assert discussion["your_messages_counted"] == 2
    moderation = data["moderation"]
    assert [r["note"] for r in moderation["reports_you_made"]] == [ALICE_WROTE["report"]]
    assert [(a["action"], a["reason"]) for a in moderation["actions_about_you"]] == [
        ("warn", "Please let others finish")
    ]
    assert {row["created_by"] for row in data["records"].get("groups", [])} <= {str(alice.id)}

    everything = json.dumps(data)
    assert BOB_ANSWER not in everything and BOB_SECRET_GOAL not in everything  # others' private data
    assert "Bob's own note" not in everything  # nor who reported her, or what they wrote
    assert "coffee_avoidances" not in data["records"]  # Carol's list naming Alice stays hers


async def test_export_comes_privately_in_the_server_when_dms_are_closed(fake, world, everywhere):
    fake.close_dms(world.alice)
    reply = await fake.slash(world.alice, world.guild, "privacy export")
    message = await final(reply)
    assert reply.ephemeral and "DMs are closed" in embed_text(message)
    assert attached_json(fake, message)["profile"]["bio"] == ALICE_WROTE["bio"]


async def test_show_says_what_is_stored_and_who_sees_it_and_that_text_is_in_clear(fake, world, everywhere):
    reply = await fake.slash(world.alice, world.guild, "privacy show")
    shown = embed_text(await final(reply))
    assert reply.ephemeral
    assert "time zone, bio" in shown and "Circle" in shown
    assert "1 your group" in shown  # the shared answer
    assert "messages counted in 1 discussions" in shown and "1 reports you made" in shown
    assert "stored in clear" in shown
    assert ALICE_WROTE["bio"] not in shown  # what, not the content


async def group_numbers(world, everywhere) -> dict:
    """The group's figures as Olivia, a coordinator, sees them in Discord (counts, never names)."""
    olivia = world.person(world.owner)
    summary = (await olivia.run("checkin summary", group="Circle")).text
    stats = (await olivia.run("coffee stats")).text
    talk = (await olivia.run("discuss participation", where=everywhere.thread)).text
    log = (await olivia.run("facilitate log", group="Circle")).text
    return {
        "answered": re.findall(r"\d+ of \d+ answered", summary),
        "coffee": [line for line in stats.splitlines() if line.startswith(("Rounds", "Pairs"))],
        "voices": sorted(re.findall(r": (\d+) messages?", talk)),
        "moderation": sorted(re.findall(r"\b(warned|reported|removed|timed out|paused)\b", log)),
    }


async def database_rows(bot) -> dict[str, list[str]]:
    async with bot.services.db.transaction() as session:
        return {
            table.name: [
                repr(tuple(row)) for row in (await session.execute(text(f"SELECT * FROM {table.name}")))
            ]
            for table in Base.metadata.sorted_tables
        }


async def test_erasing_leaves_no_trace_of_the_member_and_group_counts_still_add_up(
    fake, world, bot, everywhere
):
    alice = world.alice
    before = await group_numbers(world, everywhere)
    assert any(str(alice.id) in m.get("content", "") for m in fake.channel_messages(everywhere.home))

    reply = await fake.slash(alice, world.guild, "privacy erase")
    asked = await final(reply)
    assert reply.ephemeral and "cannot be undone" in embed_text(asked)
    done = await fake.click(alice, asked, button_id(asked, "Erase"))
    assert "Erased" in embed_text(await final(done))

    rows = await database_rows(bot)
    for table, listed in rows.items():
        for row in listed:
            for content in ALICE_WROTE.values():
                assert content not in row, f"{table} still holds what Alice wrote: {row}"
            if str(alice.id) in row:
                # Only Carol's own do-not-pair choice may still name her (it protects Carol).
                assert table == "coffee_avoidances" and row.index(str(alice.id)) > 0, f"{table}: {row}"
    assert BOB_ANSWER in " ".join(rows["checkin_answers"])  # others' data is untouched

    after = await group_numbers(world, everywhere)
    assert after == before  # response rate, pairs, voices and the audit log all still add up
    # Her shared answer is gone from the group's channel, and so is her access to it.
    assert not any(
        "shared their check-in" in (m.get("content") or "") for m in fake.channel_messages(everywhere.home)
    )
    assert not world.guild.permissions_for(alice, everywhere.home) & P.VIEW_CHANNEL
    shown = embed_text(await final(await fake.slash(alice, world.guild, "privacy show")))
    assert "nothing yet" in shown and "0 reports you made" in shown


async def test_cancelling_an_erasure_keeps_everything(fake, world, bot, everywhere):
    asked = await final(await fake.slash(world.alice, world.guild, "privacy erase"))
    kept = await fake.click(world.alice, asked, button_id(asked, "Cancel"))
    assert "Nothing erased" in embed_text(kept.message)
    shown = embed_text(await final(await fake.slash(world.alice, world.guild, "profile show")))
    assert ALICE_WROTE["bio"] in shown


async def test_a_coordinator_erases_a_member_who_left_but_not_one_still_here(fake, world, bot, everywhere):
    refused = await fake.slash(
        world.owner, world.guild, "privacy erase-member", options={"user": world.alice}
    )
    assert "still a member" in embed_text(await final(refused))
    world.guild.remove_member(world.alice)
    member = await fake.slash(world.bob, world.guild, "privacy erase-member", options={"user": world.alice})
    assert "coordinator" in embed_text(await final(member)).lower()

    asked = await final(
        await fake.slash(world.owner, world.guild, "privacy erase-member", options={"user": world.alice})
    )
    assert "their profile" in embed_text(asked)
    done = await fake.click(world.owner, asked, button_id(asked, "Erase"))
    assert "Erased" in embed_text(await final(done))
    rows = " ".join(" ".join(listed) for listed in (await database_rows(bot)).values())
    assert ALICE_WROTE["bio"] not in rows and ALICE_WROTE["answer"] not in rows and BOB_ANSWER in rows


async def left_at(bot, guild_id: int) -> datetime | None:
    async with bot.services.db.transaction() as session:
        record = await session.get(GuildRecord, guild_id)
        return record.left_at if record else None


async def test_a_servers_data_is_deleted_after_the_grace_period_once_the_bot_is_removed(
    fake, world, bot, timeline, everywhere
):
    g = world.guild.id
    fake.remove_guild(world.guild)

    async def recorded() -> bool:
        return await left_at(bot, g) is not None

    await eventually(recorded)
    await timeline.advance(days=29)
    assert (await guild_data(bot.services.db, g))[0]  # still there within the 30 days
    await timeline.advance(days=2)
    counts, _, known = await guild_data(bot.services.db, g)
    assert counts == {} and not known


async def test_coming_back_within_the_grace_period_cancels_the_deletion(
    fake, world, bot, timeline, everywhere
):
    g = world.guild.id
    fake.remove_guild(world.guild)

    async def recorded() -> bool:
        return await left_at(bot, g) is not None

    await eventually(recorded)
    fake.rejoin_guild(world.guild)

    async def back() -> bool:
        return await left_at(bot, g) is None

    await eventually(back)
    await timeline.advance(days=40)
    assert "member_profiles" in (await guild_data(bot.services.db, g))[0]


async def test_a_member_allows_research_use_sees_it_in_show_and_export_and_turns_it_off(fake, world, bot):
    alice = world.alice
    shown = embed_text(await final(await fake.slash(alice, world.guild, "privacy show")))
    assert "not allowed (the default)" in shown

    reply = await fake.slash(alice, world.guild, "privacy research", choice="on")

    assert reply.ephemeral and "Research use allowed" in embed_text(await final(reply))
    shown = embed_text(await final(await fake.slash(alice, world.guild, "privacy show")))
    assert "Research" in shown and "allowed: program research" in shown
    await final(await fake.slash(alice, world.guild, "privacy export"))
    assert (await exported(fake, alice))["profile"]["research_use_allowed"] is True

    reply = await fake.slash(alice, world.guild, "privacy research", choice="off")
    assert reply.ephemeral and "leave you out" in embed_text(await final(reply))
    shown = embed_text(await final(await fake.slash(alice, world.guild, "privacy show")))
    assert "allowed: program research" not in shown
