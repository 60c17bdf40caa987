"""The bot's foundation seen from Discord: start-up, commands, errors, DMs, resilience."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.config import DatabaseSettings, DiscordSettings, Settings
from bot.db.models import DmChannel, GuildRecord, MemberProfile
from bot.runtime import BotRunner
from tests.support.bot import TOKEN
from tests.support.people import Person
from tests.support.program import add_member, agree, create_group, mentioned_channel
from tests.support.waiting import eventually

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)


def embed_text(message: dict) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def test_bot_comes_online_with_its_commands_and_no_privileged_intents(fake, bot):
    [identify] = fake.identify_payloads
    assert identify["intents"] & PRIVILEGED_INTENTS == 0
    names = {command["name"] for command in fake.global_commands}
    assert {"help", "profile"} <= names
    profile = next(c for c in fake.global_commands if c["name"] == "profile")
    assert {o["name"] for o in profile["options"]} == {"show", "timezone", "stage", "dms", "edit", "test-dm"}


async def test_joining_a_server_is_recorded(fake, world, bot):
    async def recorded() -> bool:
        async with bot.services.db.transaction() as session:
            return await session.get(GuildRecord, world.guild.id) is not None

    # The fake is ready once it sent GUILD_CREATE; the bot records the server when it handles it.
    await eventually(recorded)


async def test_help_lists_commands_privately(fake, world, bot):
    reply = await fake.slash(world.alice, world.guild, "help")
    assert reply.ephemeral
    body = embed_text(reply.message)
    for command in ("/profile timezone", "/group create", "/match optin", "/setup show", "/help"):
        assert command in body
    assert "Who sees what" in body and "never what is said" in body


async def test_help_topic_autocompletes_and_narrows(fake, world, bot):
    choices = await fake.autocomplete(world.alice, world.guild, "help", focused="topic", topic="prof")
    assert [c["value"] for c in choices] == ["profile"]
    reply = await fake.slash(world.alice, world.guild, "help", topic="profile")
    body = embed_text(reply.message)
    assert "`/profile edit` — Edit your time zone" in body
    assert "/group" not in body
    unknown = await fake.slash(world.alice, world.guild, "help", topic="nonsense")
    assert "Pick one of" in embed_text(unknown.message)


async def test_time_zone_autocomplete_then_set(fake, world, bot):
    choices = await fake.autocomplete(
        world.alice, world.guild, "profile timezone", focused="zone", zone="tokyo"
    )
    assert choices[0] == {"name": "Asia/Tokyo", "value": "Asia/Tokyo"}

    reply = await fake.slash(world.alice, world.guild, "profile timezone", zone="Asia/Tokyo")

    assert reply.ephemeral
    assert "Asia/Tokyo" in embed_text(reply.message)
    async with bot.services.db.transaction() as session:
        row = await session.get(MemberProfile, (world.guild.id, world.alice.id))
        assert row.timezone == "Asia/Tokyo"


async def test_unknown_time_zone_gets_a_clear_private_error(fake, world, bot):
    reply = await fake.slash(world.alice, world.guild, "profile timezone", zone="Mars/Olympus_Mons")
    assert reply.ephemeral
    body = embed_text(reply.message)
    assert "not a time zone I know" in body
    assert "Europe/Paris" in body


async def test_profile_form_opens_prefilled_and_saves(fake, world, bot):
    await fake.slash(world.alice, world.guild, "profile timezone", zone="Europe/Paris")
    opened = await fake.slash(world.alice, world.guild, "profile edit")
    assert opened.type == 9
    assert opened.modal["title"] == "Edit your profile"

    fields = _text_inputs(opened.modal)
    assert fields["Time zone"]["value"] == "Europe/Paris"
    saved = await fake.submit_modal(
        world.alice,
        opened,
        {
            fields["Time zone"]["custom_id"]: "America/Denver",
            fields["Quiet hours"]["custom_id"]: "22:00-07:00",
            fields["Bio"]["custom_id"]: "Pediatrics, writing my first grant.",
        },
    )

    assert saved.ephemeral
    body = embed_text(saved.message)
    assert "America/Denver" in body and "22:00–07:00" in body and "first grant" in body


async def test_bad_form_input_is_explained_and_loses_nothing(fake, world, bot):
    await fake.slash(world.alice, world.guild, "profile timezone", zone="Europe/Paris")
    opened = await fake.slash(world.alice, world.guild, "profile edit")
    fields = _text_inputs(opened.modal)

    answer = await fake.submit_modal(
        world.alice,
        opened,
        {
            fields["Time zone"]["custom_id"]: "Europe/Paris",
            fields["Quiet hours"]["custom_id"]: "late evening",
            fields["Bio"]["custom_id"]: "new bio",
        },
    )

    assert answer.ephemeral
    assert "22:00-07:00" in embed_text(answer.message)
    shown = await fake.slash(world.alice, world.guild, "profile show")
    assert "new bio" not in embed_text(shown.message)


async def test_test_dm_arrives_with_a_button_that_works(fake, world, bot):
    reply = await fake.slash(world.alice, world.guild, "profile test-dm")
    confirmation = await reply.wait_followup()
    assert "Check your DMs" in embed_text(confirmation)

    [dm] = fake.dm_messages(world.alice)
    clicked = await fake.click(world.alice, dm, "profile:dm-ok")

    assert clicked.type == 7  # the DM is updated in place
    assert "DMs work" in embed_text(clicked.message)
    assert clicked.message["components"] == []


async def test_test_dm_with_closed_dms_says_how_to_open_them(fake, world, bot):
    fake.close_dms(world.alice)
    reply = await fake.slash(world.alice, world.guild, "profile test-dm")
    answer = await reply.wait_followup()
    assert answer["flags"] & 64
    assert "Direct Messages" in embed_text(answer)
    assert fake.dm_messages(world.alice) == []


async def test_an_unexpected_error_gets_an_error_id_not_a_failed_interaction(fake, world, bot, caplog):
    async with bot.services.db.transaction() as session:
        await session.execute(text("DROP TABLE member_profiles"))

    reply = await fake.slash(world.alice, world.guild, "profile show")

    assert reply.ephemeral
    body = embed_text(reply.message)
    assert "error `" in body
    error_id = body.split("error `")[1].split("`")[0]
    assert any(error_id in record.getMessage() for record in caplog.records)


def _text_inputs(modal: dict) -> dict[str, dict]:
    """Map each text input's label to the input, whatever layout the modal uses."""
    found = {}
    for component in modal["components"]:
        if component["type"] == 18:  # Label wrapping one component
            found[component["label"]] = component["component"]
        elif component["type"] == 1:
            for inner in component["components"]:
                found[inner.get("label")] = inner
    return found


# -- the outbox through the real Discord client ---------------------------------------------


async def outcomes(bot) -> list[tuple[str, str, str | None]]:
    """Return each outbox row's (key, status, failure) once none is waiting to be sent."""
    found: list[tuple[str, str, str | None]] = []

    async def settled() -> bool:
        nonlocal found
        async with bot.services.db.transaction() as session:
            rows = (
                await session.execute(text("SELECT dedupe_key, status, failure FROM outbox ORDER BY id"))
            ).all()
        found = [tuple(row) for row in rows]
        return all(status in ("sent", "failed", "expired", "cancelled") for _, status, _ in found)

    await eventually(settled)
    return found


async def add_to_a_group(world, user) -> Person:
    """Olivia makes a peer group and adds ``user``: the bot DMs them its ground rules and a zone prompt."""
    olivia = world.person(world.owner)
    if "Circle" not in (await olivia.run("group list")).text:
        await create_group(olivia, "Circle", "peer")
    await add_member(olivia, "Circle", world.person(user), "peer", agreed=False)
    return world.person(user)


async def test_an_outbox_dm_is_sent_once_and_its_channel_remembered(fake, world, bot):
    alice = await add_to_a_group(world, world.alice)
    await alice.dm("Ground rules")
    await alice.dm("/profile timezone")
    assert [(status, failure) for _, status, failure in await outcomes(bot)] == [("sent", None)] * 2
    assert len(fake.dm_messages(world.alice)) == 2

    def opened() -> int:
        return len([r for r in fake.requests if r.method == "POST" and r.route == "/users/@me/channels"])

    before = opened()  # once, or twice when both DMs went out at the same moment
    await world.person(world.owner).run("group create", name="Second circle", kind="peer")
    await add_member(world.person(world.owner), "Second circle", alice, "peer", agreed=False)
    await alice.dm("Ground rules · Second circle")
    assert opened() == before  # the DM channel id came from the database this time
    async with bot.services.db.transaction() as session:
        assert (await session.get(DmChannel, world.alice.id)) is not None
    sends = [r for r in fake.requests if r.method == "POST" and r.route == "/channels/{channel_id}/messages"]
    assert all(r.json.get("nonce") and r.json.get("enforce_nonce") for r in sends)


async def test_outbox_buttons_are_handled_after_the_fact(fake, world, bot):
    alice = await add_to_a_group(world, world.alice)
    await agree(alice, "Circle")  # the button of a message the outbox sent


async def test_rate_limits_are_waited_out(fake, world, bot):
    alice = await add_to_a_group(world, world.alice)
    home = mentioned_channel(await world.person(world.owner).run("group info", group="Circle"))
    await alice.dm("/profile timezone")  # nothing else is on its way
    fake.rate_limit("POST", "/channels/{channel_id}/messages", times=2, retry_after=0.05)
    await agree(alice, "Circle")  # her welcome is posted in the home
    await fake.hub.wait_for(lambda: fake.channel_messages(home), 15, "the welcome in the home")
    assert len(fake.channel_messages(home)) == 1
    to_home = [r for r in fake.requests_to("POST", "/channels/{channel_id}/messages") if str(home) in r.path]
    assert [r.status for r in to_home] == [429, 429, 200]  # two 429s waited out, then sent


async def test_closed_dms_and_deleted_channels_are_recorded_not_retried(fake, world, bot, timeline):
    fake.close_dms(world.bob)
    lounge = world.guild.add_text_channel("old-lounge")
    await fake.settle()
    await world.person(world.owner).run("prompts schedule", channel=lounge, every_days=1)
    fake.delete_channel(lounge)

    await add_to_a_group(world, world.bob)  # his ground rules and zone prompt: DMs closed
    await timeline.to(timeline.now().replace(hour=11))  # the lounge's prompt: the channel is gone

    failures = [(key.split(":")[0], status, failure) for key, status, failure in await outcomes(bot)]
    assert ("consent", "failed", "dm_closed") in failures
    assert ("convo", "failed", "channel_missing") in failures
    assert {status for _, status, _ in failures} == {"failed"}
    def refused() -> list[int]:
        return sorted(r.status for r in fake.requests if r.status in (403, 404) and r.method == "POST")

    assert refused() == [403, 403, 404]  # each message tried once (both DMs went out together)
    await timeline.advance(hours=2)
    assert refused() == [403, 403, 404]  # and not retried (each refusal counts toward Discord's ban line)


async def test_a_dropped_gateway_connection_resumes(fake, world, bot):
    await fake.drop_gateway(resumable=True)
    await fake.wait_for_resume(timeout=10)
    reply = await fake.slash(world.alice, world.guild, "help")
    assert reply.ephemeral


async def test_leaving_a_server_is_recorded(fake, world, bot):
    fake.remove_guild(world.guild)

    async def left() -> bool:
        async with bot.services.db.transaction() as session:
            row = await session.get(GuildRecord, world.guild.id)
            return row is not None and row.left_at is not None  # None: its arrival not recorded yet

    await eventually(left)


async def test_dev_guild_gets_the_commands_instantly_instead_of_globally(fake, world, database_url, clock):
    settings = Settings(
        discord=DiscordSettings(token=TOKEN, api_base_url=fake.api_base_url, dev_guild_id=world.guild.id),
        database=DatabaseSettings(url=database_url),
    )
    stop = asyncio.Event()
    runner = asyncio.create_task(BotRunner(settings, clock=clock).run(stop))
    try:
        await fake.wait_until_ready(timeout=15)
        assert fake.global_commands == []
        assert {"help", "group", "profile"} <= {c["name"] for c in fake.guild_commands(world.guild)}
        reply = await fake.slash(world.alice, world.guild, "help")
        assert reply.ephemeral
    finally:
        stop.set()
        await asyncio.wait_for(runner, 10)


async def test_a_server_that_removed_the_bot_while_it_was_offline_is_marked_left(
    fake, world, database_url, clock
):
    from tests.support.bot import running_bot, settings_for

    old = fake.add_guild("Last year's program", owner=world.owner)
    settings = settings_for(fake, database_url)

    async with running_bot(fake, settings, clock) as first:

        async def both_recorded() -> bool:
            async with first.services.db.transaction() as session:
                return all([await session.get(GuildRecord, g.id) for g in (world.guild, old)])

        await eventually(both_recorded)
    fake.remove_guild(old)  # while the bot is offline: no GUILD_DELETE reaches it

    async with running_bot(fake, settings, clock) as second:

        async def reconciled() -> bool:
            async with second.services.db.transaction() as session:
                gone = await session.get(GuildRecord, old.id, populate_existing=True)
                kept = await session.get(GuildRecord, world.guild.id, populate_existing=True)
                return gone.left_at is not None and kept.left_at is None

        await eventually(reconciled)
