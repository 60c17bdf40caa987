"""What people typed is shown as they typed it: a name with markdown characters stays a name.

A group called ``*Peer* __circle__``, a goal titled ``**win** _big_``, a prompt with ``~~x~~`` and
``@everyone``: wherever the bot shows them inside its own markdown, Discord must receive them
escaped, or they turn into styling (and a mention into a ping).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.goals import Clock, best_weekly_moment
from tests.e2e.conftest import World, button_id, final
from tests.e2e.people import moments_in
from tests.e2e.test_meetings import mark, titled
from tests.support.people import Person, Typed, text_of
from tests.support.program import mentioned_channel

NAME = "*Peer* __circle__"
SHOWN_NAME = r"\*Peer\* \_\_circle\_\_"
GOAL = "**win** _big_"
SHOWN_GOAL = r"\*\*win\*\* \_big\_"
PROMPT = "What did ~~x~~ teach you, @everyone?"
SHOWN_PROMPT = "What did \\~\\~x\\~\\~ teach you, @\u200beveryone?"  # no strike-through, no ping
NINE = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)  # the clock starts at 08:00 UTC, Monday


def embed_fields(message: dict) -> list[str]:
    """Every embed title, description, field name and value, one string each."""
    parts = []
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields", []):
            parts += [field["name"], field["value"]]
    return parts


async def peer_circle(world: World) -> int:
    """Olivia creates the group typing its name with stars and underscores; Alice and Bob join and agree."""
    olivia = world.person(world.owner)
    created = await olivia.run("group create", name=NAME, kind="peer")
    assert f"Created “{SHOWN_NAME}”" in created.text, created.text
    for user in (world.alice, world.bob):
        person = world.person(user)
        added = await olivia.run("group add", group=Typed(NAME), user=person, role="peer")
        assert added.text.startswith("Added") and f"**{SHOWN_NAME}**" in added.text, added.text
        rules = await person.dm("Ground rules")
        assert f"Ground rules · {SHOWN_NAME}" in embed_fields(rules)
        await person.press(rules, "I agree")
    return mentioned_channel(created)


async def test_a_group_name_is_shown_as_typed_in_its_home_and_in_the_check_in_dm(
    fake, world: World, bot, timeline
):
    home = await peer_circle(world)
    welcome = [m for m in fake.channel_messages(home) if m["content"].startswith("Welcome")]
    assert welcome and f"who joins **{SHOWN_NAME}** as a peer" in welcome[0]["content"]
    assert welcome[0]["embeds"][0]["title"] == SHOWN_NAME
    shown = await world.person(world.alice).run("group info", group=Typed(NAME))
    assert shown.message["embeds"][0]["title"] == SHOWN_NAME

    olivia = world.person(world.owner)
    scheduled = await olivia.run("checkin schedule", group=Typed(NAME), cadence="daily", time="09:00")
    assert "Check-ins scheduled" in scheduled.text, scheduled.text
    await timeline.to(NINE)
    checkin = await world.person(world.alice).dm("Check-in ·")
    assert checkin["embeds"][0]["title"] == f"Check-in · {SHOWN_NAME}"


async def test_a_goal_title_is_shown_as_typed_in_the_goal_list_and_the_weekly_wins(
    fake, world: World, bot, timeline, clock
):
    home = await peer_circle(world)
    alice = world.person(world.alice)
    await alice.run("goal set", title=GOAL, visibility="group", group=Typed(NAME))
    goal = await alice.suggestion("goal update", "goal", "win")
    await alice.run("goal milestone-add", goal=goal, title="__draft__ sent")
    milestone = await alice.suggestion("goal milestone-done", "milestone", "draft", goal=goal)
    await alice.run("goal milestone-done", goal=goal, milestone=milestone)

    listed = await world.person(world.bob).run("goal list", group=Typed(NAME))
    assert f"**{SHOWN_GOAL}**" in listed.text, listed.text

    friday = best_weekly_moment([Clock("UTC"), Clock("UTC")], 4, clock.now().date())
    await timeline.to(friday)
    await timeline.advance(hours=1)
    [wins] = [m for m in fake.channel_messages(home) if "Weekly wins" in text_of(m)]
    assert wins["embeds"][0]["title"] == f"Weekly wins · {SHOWN_NAME}"
    assert any(f"\\_\\_draft\\_\\_ sent ({SHOWN_GOAL})" in part for part in embed_fields(wins))


async def test_a_discussion_prompt_is_shown_as_typed_and_pings_nobody(fake, world: World, bot, circle):
    opened = await fake.slash(circle.carol, world.guild, "discuss start", group="Circle", prompt=PROMPT)
    assert "Discussion open" in text_of(await final(opened))
    [thread] = world.guild.threads
    [opening] = fake.channel_messages(thread)
    assert SHOWN_PROMPT in embed_fields(opening)
    assert opening["mention_everyone"] is False


async def test_a_bio_is_shown_as_typed_in_the_coffee_intro(fake, world: World, bot, timeline):
    channel = world.guild.add_text_channel("coffee")
    setup = await fake.slash(
        world.owner, world.guild, "coffee setup", options={"channel": channel}, weekday=0
    )
    assert "Coffee pairings are on" in text_of(await final(setup))
    for user in (world.alice, world.bob):
        form = await fake.slash(user, world.guild, "profile edit")
        bio = f"I study *tiny* things with {user.name}_lab, @everyone"
        await final(await fake.submit_modal(user, form, {"Time zone": "Europe/London", "Bio": bio}))
        await final(await fake.slash(user, world.guild, "coffee join"))

    status = text_of(await final(await fake.slash(world.owner, world.guild, "coffee status")))
    await timeline.to(moments_in(status)[0])
    [thread] = [t for t in world.guild.threads if t.parent_id == channel.id]
    [intro] = fake.channel_messages(thread)
    about = [value for value in embed_fields(intro) if "I study" in value]
    assert len(about) == 2
    assert all("I study \\*tiny\\* things with" in value and "@\u200beveryone" in value for value in about)
    assert any("alice\\_lab" in value for value in about)


async def test_a_meeting_title_is_shown_as_typed_in_the_poll_and_the_announcement(
    fake, world: World, bot, circle, timeline
):
    carol = Person(fake, world.guild, circle.carol)
    title = "*Peer* __sync__"
    shown = r"\*Peer\* \_\_sync\_\_"
    planned = await carol.run("meet plan", group="Circle", title=title, times="2026-11-30 14:00")
    assert "Poll posted" in planned.text, planned.text
    await timeline.settle()
    [poll] = titled(fake.channel_messages(circle.home.channel_id), "when can you meet?")
    assert poll["embeds"][0]["title"] == f"📅 {shown}: when can you meet?"
    await mark(fake, circle.carol, poll, "Mon 30 Nov")

    confirmed = await carol.run("meet confirm", group="Circle")
    assert f"**{shown}**" in confirmed.text, confirmed.text
    await timeline.settle()
    [announced] = [m for m in fake.channel_messages(circle.home.channel_id) if button_id_or_none(m, "Going")]
    assert announced["embeds"][0]["title"] == f"📅 {shown}"


def button_id_or_none(message: dict, label: str) -> str | None:
    try:
        return button_id(message, label)
    except AssertionError:
        return None
