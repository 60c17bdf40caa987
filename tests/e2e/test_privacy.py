"""Members' data rights end to end: what is stored, a copy of it, erasing it; servers the bot left."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from bot.db.base import Base
from bot.db.models import CheckinDelivery, CoffeeMatchMember, GuildRecord
from bot.services.actors import Actor
from bot.services.privacy import guild_data
from tests.e2e.conftest import button_id, final
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import P
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
async def everywhere(fake, world, bot, circle, clock):
    """Alice has data in every feature; Bob and Carol have things of their own, some about Alice."""
    s, g = bot.services, world.guild.id
    alice, bob, carol = world.alice, world.bob, circle.carol
    admin = Actor(world.owner.id, is_admin=True)
    group = await s.groups.get(g, admin, "Circle")
    home = world.guild.get_channel(circle.home.channel_id)

    await s.profiles.update(g, alice.id, timezone="Europe/Berlin", bio=ALICE_WROTE["bio"])
    await s.matching.opt_in(g, alice.id, "peer")

    await s.checkins.create_schedule(g, admin, group.id, kind="daily", time="09:00")
    clock.set(AFTER_NINE_EVERYWHERE)
    await s.checkins.run_planner()
    await s.outbox.dispatch_due()
    async with s.db.transaction() as session:
        rows = (await session.scalars(select(CheckinDelivery).where(CheckinDelivery.status == "sent"))).all()
        delivery = {row.user_id: row.id for row in rows}
    mine = await s.checkin_answers.submit(alice.id, delivery[alice.id], ["4", ALICE_WROTE["answer"], "", ""])
    await s.checkin_answers.set_visibility(alice.id, mine.id, "group")
    await s.checkin_answers.submit(bob.id, delivery[bob.id], ["2", BOB_ANSWER, "", ""])

    goal = await s.goals.set_goal(
        g, Actor(alice.id), title="Submit the R01", why=ALICE_WROTE["why"], visibility="partners",
        group_ref=str(group.id),
    )  # fmt: skip
    await s.goals.add_milestone(g, Actor(alice.id), str(goal.id), "Specific aims")
    await s.goals.update(g, Actor(alice.id), str(goal.id), progress=40, note=ALICE_WROTE["note"])
    await s.goals.add_partner(g, Actor(alice.id), str(goal.id), bob.id)
    await s.goals.cheer(bob.id, goal.id, note="Proud of you")
    bobs = await s.goals.set_goal(
        g, Actor(bob.id), title="Renew the grant", visibility="partners", group_ref=str(group.id)
    )
    await s.goals.add_partner(g, Actor(bob.id), str(bobs.id), alice.id)
    await s.goals.cheer(alice.id, bobs.id, note=ALICE_WROTE["cheer"])
    await s.goals.set_goal(g, Actor(bob.id), title=BOB_SECRET_GOAL)  # private

    coffee = world.guild.add_text_channel("coffee")
    await fake.settle()
    await s.coffee.configure(g, admin, coffee.id)
    for person in (alice, bob):
        await s.coffee.join(g, person.id)
    await s.coffee.avoid(g, alice.id, carol.id)  # her private list
    await s.coffee.avoid(g, carol.id, alice.id)  # Carol's private list: Alice must never learn of it
    status = await s.coffee.status(g, alice.id)
    clock.set(status.program.next_round_at)
    await s.coffee_rounds.run_due()
    async with s.db.transaction() as session:
        match_id = await session.scalar(
            select(CoffeeMatchMember.match_id).where(CoffeeMatchMember.user_id == alice.id)
        )
    await s.coffee.answer_met(alice.id, match_id, True)

    opened = await s.discussions.start(g, Actor(carol.id), str(group.id), "What helped you this month?")
    thread = world.guild.get_channel(opened.thread_id)
    fake.post_message(alice, thread, "Saying no to a committee.")
    fake.post_message(alice, thread, "And a walk every morning.")
    fake.post_message(bob, thread, "Thank you.")

    async def counted() -> bool:
        view = await s.discussions.participation(g, Actor(carol.id), thread.id)
        return dict(view.counts).get(alice.id) == 2 and dict(view.counts).get(bob.id) == 1

    await eventually(counted)

    remark = fake.post_message(bob, home, "a hurtful remark")
    form = await fake.message_command(alice, world.guild, "Report to facilitator", remark)
    await fake.submit_modal(alice, form, {"Anything to add? (optional)": ALICE_WROTE["report"]})
    answer = fake.post_message(alice, home, "a sharp answer")
    form = await fake.message_command(bob, world.guild, "Report to facilitator", answer)
    await fake.submit_modal(bob, form, {"Anything to add? (optional)": "Bob's own note"})  # who: secret
    await s.moderation.warn(g, Actor(carol.id), str(group.id), Actor(alice.id), "Please let others finish")
    await s.outbox.dispatch_due()
    return SimpleNamespace(group=group, goal=goal, thread=thread, home=home, carol=carol)


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
    assert [d["status"] for d in data["checkins"]["deliveries"]] == ["answered"]
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


async def group_numbers(bot, world, everywhere) -> dict:
    s, g = bot.services, world.guild.id
    owner = Actor(world.owner.id, is_admin=True)
    [checkins] = await s.checkin_answers.summary(g, owner, everywhere.group.id)
    coffee = await s.coffee.stats(g, owner)
    talk = await s.discussions.participation(g, owner, everywhere.thread.id)
    log, _ = await s.moderation.history(g, owner, str(everywhere.group.id))
    return {
        "answered": (checkins.answered, checkins.total),
        "coffee": (coffee.rounds, coffee.pairs, coffee.pairs_met, coffee.answered),
        "voices": sorted(n for _, n in talk.counts if n),
        "moderation": sorted(entry.action for entry in log),
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
    before = await group_numbers(bot, world, everywhere)
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

    after = await group_numbers(bot, world, everywhere)
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
    assert (await bot.services.profiles.get(world.guild.id, world.alice.id)).bio == ALICE_WROTE["bio"]


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
    assert (await bot.services.profiles.get(world.guild.id, world.alice.id)).bio is None
    rows = " ".join(" ".join(listed) for listed in (await database_rows(bot)).values())
    assert ALICE_WROTE["answer"] not in rows and BOB_ANSWER in rows


async def run_purge(bot) -> None:
    await bot.services.privacy.run_purge()  # the hourly job, without waiting an hour


async def left_at(bot, guild_id: int) -> datetime | None:
    async with bot.services.db.transaction() as session:
        record = await session.get(GuildRecord, guild_id)
        return record.left_at if record else None


async def test_a_servers_data_is_deleted_after_the_grace_period_once_the_bot_is_removed(
    fake, world, bot, clock, everywhere
):
    g = world.guild.id
    fake.remove_guild(world.guild)

    async def recorded() -> bool:
        return await left_at(bot, g) is not None

    await eventually(recorded)
    clock.advance(days=29)
    await run_purge(bot)
    assert (await guild_data(bot.services.db, g))[0]  # still there within the 30 days
    clock.advance(days=2)
    await run_purge(bot)
    counts, _, known = await guild_data(bot.services.db, g)
    assert counts == {} and not known


async def test_coming_back_within_the_grace_period_cancels_the_deletion(fake, world, bot, clock, everywhere):
    g = world.guild.id
    fake.remove_guild(world.guild)

    async def recorded() -> bool:
        return await left_at(bot, g) is not None

    await eventually(recorded)
    fake.rejoin_guild(world.guild)

    async def back() -> bool:
        return await left_at(bot, g) is None

    await eventually(back)
    clock.advance(days=40)
    await run_purge(bot)
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
    assert (await bot.services.profiles.get(world.guild.id, alice.id)).research_opt_in is False
