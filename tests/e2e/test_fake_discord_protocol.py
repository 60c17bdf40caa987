"""End-to-end tests of the fake Discord with the real, unmodified discord.py client.

A throwaway ``commands.AutoShardedBot`` (``fake_discord_bots.py``) logs in over HTTP, finds the
gateway via ``GET /gateway/bot`` and talks to the fake exactly as it would talk to Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import zlib

import discord
import pytest
from discord.ext import commands

from tests.e2e.fake_discord_bots import TOKEN, NoIdentifyDelayBot, ThrowawayBot
from tests.fake_discord import FakeDiscord, P, overwrite
from tests.fake_discord.permissions import ALL


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture
async def fake():
    fake = FakeDiscord(token=TOKEN)
    await fake.start()
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base_url
    try:
        yield fake
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
        await fake.stop()
    assert fake.unknown_requests == [], fake.unknown_requests


@pytest.fixture
def world(fake):
    alice = fake.add_user("alice", global_name="Alice")
    bob = fake.add_user("bob")
    guild = fake.add_guild("Peer Mentoring", owner=alice)
    guild.add_text_channel("general")
    guild.add_member(bob)
    return alice, bob, guild


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, bot: commands.AutoShardedBot | None = None):
    bot = bot or ThrowawayBot()
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await fake.wait_until_ready(timeout=5)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 5)


# ----------------------------------------------------------------------------- tests
async def test_login_gateway_ready_and_guild_create(fake, world):
    alice, _bob, guild = world
    async with running(fake) as bot:
        cached = bot.get_guild(guild.id)
        assert cached is not None and cached.name == "Peer Mentoring"
        assert cached.me is not None and cached.me.id == fake.bot_user.id
        assert cached.get_role(guild.id).name == "@everyone"
        assert [c.name for c in cached.text_channels] == ["general"]
        # without the members intent GUILD_CREATE carries only the bot's own member
        assert [m.id for m in cached.members] == [fake.bot_user.id]
        assert cached.owner_id == alice.id
        assert bot.user.id == fake.bot_user.id and bot.application_id == fake.application_id

    paths = [(r.method, r.route) for r in fake.requests]
    assert paths[:3] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me"), ("GET", "/gateway/bot")]
    assert all(
        r.headers["Authorization"] == f"Bot {TOKEN}" for r in fake.requests if r.route.startswith("/users")
    )
    (identify,) = fake.identify_payloads
    assert identify["shard"] == [0, 1]
    assert identify["intents"] == discord.Intents.default().value
    assert not identify["intents"] & (1 << 15)
    conn = fake.hub.connections[0]
    assert conn.request.query["compress"] == "zlib-stream" and conn.request.query["v"] == "10"
    events = [event for event, _ in fake.dispatched]
    assert events[:2] == ["READY", "GUILD_CREATE"]
    ready = fake.dispatched[0][1]
    assert ready["guilds"] == [{"id": str(guild.id), "unavailable": True}]
    assert ready["resume_gateway_url"] == fake.gateway_url


async def test_zlib_stream_frames_are_one_sync_flushed_stream(fake):
    import aiohttp

    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(fake.gateway_url + "?v=10&encoding=json&compress=zlib-stream")
        inflate = zlib.decompressobj()
        hello = await ws.receive()
        assert hello.type is aiohttp.WSMsgType.BINARY and hello.data.endswith(b"\x00\x00\xff\xff")
        assert b'"op":10' in inflate.decompress(hello.data)
        await ws.send_json({"op": 1, "d": None})
        ack = await ws.receive()
        assert inflate.decompress(ack.data) == b'{"op":11}'
        await ws.close()
        plain = await session.ws_connect(fake.gateway_url + "?v=10&encoding=json")
        msg = await plain.receive()
        assert msg.type is aiohttp.WSMsgType.TEXT and '"heartbeat_interval":41250' in msg.data
        await plain.close()


async def test_unauthorized_token(fake):
    bot = ThrowawayBot()
    with pytest.raises(discord.LoginFailure):
        await bot.login("wrong-token")
    await bot.close()
    assert fake.requests[0].status == 401
    assert fake.requests[0].response == {"message": "401: Unauthorized", "code": 0}


async def test_command_sync_stores_commands_with_ids(fake, world):
    async with running(fake) as bot:
        stored = {c["name"]: c for c in fake.global_commands}
        assert set(stored) == {
            "hello",
            "slow",
            "quiet",
            "feedback",
            "panel",
            "checkin",
            "silent",
            "tz",
            "team",
        }
        assert stored["hello"]["application_id"] == str(fake.application_id)
        assert stored["hello"]["options"] == [
            {"type": 3, "name": "name", "description": "…", "required": True}
        ]
        assert stored["team"]["options"][0]["type"] == 2 and stored["team"]["integration_types"] == [0]
        fetched = await bot.tree.fetch_commands()
        assert {c.name: c.id for c in fetched} == {n: int(c["id"]) for n, c in stored.items()}
        ids_before = {n: c["id"] for n, c in stored.items()}
        await bot.tree.sync()  # re-sync keeps ids
        assert {c["name"]: c["id"] for c in fake.global_commands} == ids_before


async def test_slash_command_reply(fake, world):
    alice, _bob, guild = world
    async with running(fake):
        reply = await fake.slash(alice, guild, "hello", name="Bob")
        assert reply.type == 4 and not reply.ephemeral
        assert reply.content == "Hello Bob!"
        general = guild.text_channels[0]
        (msg,) = fake.channel_messages(general)
        assert msg["id"] == reply.message["id"] and msg["interaction_metadata"]["user"]["id"] == str(alice.id)
        payload = reply.payload
        assert payload["member"]["user"]["id"] == str(alice.id)
        assert int(payload["member"]["permissions"]) == ALL  # the owner has every permission
        assert int(payload["app_permissions"]) & P.SEND_MESSAGES
        assert payload["guild_id"] == str(guild.id) and payload["context"] == 0


async def test_defer_then_followup(fake, world):
    alice, _bob, guild = world
    async with running(fake):
        reply = await fake.slash(alice, guild, "slow")
        assert reply.type == 5
        followup = await reply.wait_followup(0, timeout=5)
        assert followup["content"] == "done thinking"
        assert reply.content == "done thinking" and not reply.loading
        # the first follow-up completes the "thinking" message instead of adding one
        assert [m["content"] for m in fake.channel_messages(guild.text_channels[0])] == ["done thinking"]


async def test_ephemeral_defer_then_edit_original(fake, world):
    alice, _bob, guild = world
    async with running(fake):
        reply = await fake.slash(alice, guild, "quiet")
        assert reply.type == 5 and reply.ephemeral
        msg = await reply.wait_followup()
        assert msg["content"] == "only you see this" and msg["flags"] & 64
        assert fake.channel_messages(guild.text_channels[0]) == []
        assert [m["content"] for m in fake.ephemeral_messages(alice)] == ["only you see this"]


async def test_modal_open_and_submit(fake, world):
    alice, _bob, guild = world
    async with running(fake):
        reply = await fake.slash(alice, guild, "feedback")
        assert reply.type == 9
        assert reply.modal["title"] == "Feedback"
        assert [c["type"] for c in reply.modal["components"]] == [1, 18]
        submitted = await fake.submit_modal(alice, reply, {"How was it?": "great", "mood": ["good"]})
        assert submitted.type == 4 and submitted.ephemeral
        assert submitted.content == "got great / good"
        with pytest.raises(AssertionError, match="required"):
            await fake.submit_modal(alice, reply, {"mood": ["bad"]})


async def test_button_click_and_select_in_guild(fake, world):
    alice, bob, guild = world
    async with running(fake):
        reply = await fake.slash(alice, guild, "panel")
        picked = await fake.select(bob, reply.message, "pick", values=["2"])
        assert picked.type == 4 and picked.content == "picked 2" and picked.ephemeral
        clicked = await fake.click(bob, reply.message, "press")
        assert clicked.type == 7
        assert clicked.content == "pressed by bob"
        (msg,) = fake.channel_messages(guild.text_channels[0])
        assert msg["content"] == "pressed by bob" and msg["components"] == []
        with pytest.raises(AssertionError, match="no component"):
            await fake.click(bob, msg, "press")


async def test_button_click_in_dm(fake, world):
    alice, _bob, guild = world
    async with running(fake):
        reply = await fake.slash(alice, guild, "checkin")
        assert reply.ephemeral and reply.content == "Check your DMs"
        (dm,) = fake.dm_messages(alice)
        assert dm["content"] == "How are you?"
        clicked = await fake.click(alice, dm, "checkin:fine")
        assert clicked.type == 4 and clicked.content == "thanks (dm=True)"
        payload = clicked.payload
        assert (
            "guild_id" not in payload and payload["user"]["id"] == str(alice.id) and payload["context"] == 1
        )
        assert [m["content"] for m in fake.dm_messages(alice)] == ["How are you?", "thanks (dm=True)"]


async def test_modal_from_a_dm_button_updates_the_dm_message(fake, world):
    alice, _bob, guild = world
    async with running(fake):
        await fake.slash(alice, guild, "checkin")
        (dm,) = fake.dm_messages(alice)
        opened = await fake.click(alice, dm, "checkin:note")
        assert opened.type == 9 and opened.modal["components"][0]["type"] == 18
        submitted = await fake.submit_modal(alice, opened, {"Anything to add?": "busy week"})
        assert submitted.type == 7
        (dm,) = fake.dm_messages(alice)
        assert dm["content"] == "noted: busy week" and dm["components"] == []
        assert submitted.payload["message"]["id"] == dm["id"]


async def test_autocomplete(fake, world):
    alice, _bob, guild = world
    async with running(fake):
        choices = await fake.autocomplete(alice, guild, "tz", focused="zone", zone="Europe/")
        assert choices == [
            {"name": "Europe/Paris", "value": "Europe/Paris"},
            {"name": "Europe/Berlin", "value": "Europe/Berlin"},
        ]
        reply = await fake.slash(alice, guild, "tz", zone="Asia/Tokyo")
        assert reply.content == "zone=Asia/Tokyo"


async def test_subcommand_group_resolves_member_and_role(fake, world):
    alice, bob, guild = world
    mentors = guild.add_role("Mentors")
    guild.update_member(bob, nick="Bobby", roles=[mentors])
    async with running(fake):
        reply = await fake.slash(alice, guild, "team member add", who=bob, role=mentors, size=3)
        assert reply.content == "Bobby|Mentors|3|Member|True"
        data = reply.payload["data"]
        assert data["options"][0]["type"] == 2 and data["options"][0]["options"][0]["name"] == "add"
        assert set(data["resolved"]) == {"users", "members", "roles"}
        with pytest.raises(AssertionError, match="required option"):
            await fake.slash(alice, guild, "team member add", who=bob)


async def test_interaction_without_answer_fails(fake, world):
    alice, _bob, guild = world
    fake.interaction_deadline = 0.3
    async with running(fake):
        with pytest.raises(AssertionError, match="interaction failed"):
            await fake.slash(alice, guild, "silent")


async def test_rate_limited_route_is_retried_by_discord_py(fake, world, caplog):
    _alice, _bob, guild = world
    async with running(fake) as bot:
        fake.rate_limit("POST", "/channels/{channel_id}/messages", times=2, retry_after=0.05)
        channel = bot.get_channel(guild.text_channels[0].id)
        with caplog.at_level(logging.ERROR, logger="discord.http"):
            message = await channel.send("after the 429s")
        calls = fake.requests_to("POST", "/channels/{channel_id}/messages")
        assert [c.status for c in calls] == [429, 429, 200]
        assert calls[0].response == {
            "message": "You are being rate limited.",
            "retry_after": 0.05,
            "global": False,
            "code": 0,
        }
        assert message.content == "after the 429s"


async def test_closed_dms_raise_forbidden_50007(fake, world):
    _alice, bob, guild = world
    fake.close_dms(bob)
    async with running(fake) as bot:
        user = await bot.fetch_user(bob.id)
        with pytest.raises(discord.Forbidden) as err:
            await user.send("hello")
        assert err.value.code == 50007 and err.value.status == 403
        reply = await fake.slash(bob, guild, "checkin")
        assert reply.content == "I cannot DM you" and bot.dm_errors[0].code == 50007


async def test_deleted_channel_is_not_found_10003(fake, world):
    _alice, _bob, guild = world
    doomed = guild.add_text_channel("doomed")
    async with running(fake) as bot:
        assert bot.get_channel(doomed.id) is not None
        fake.delete_channel(doomed)
        await fake.settle()
        assert bot.get_channel(doomed.id) is None
        with pytest.raises(discord.NotFound) as err:
            await bot.get_partial_messageable(doomed.id).send("anyone?")
        assert err.value.code == 10003


async def test_drop_gateway_then_resume_replays_missed_events(fake, world):
    _alice, _bob, guild = world
    async with running(fake) as bot:
        await fake.drop_gateway(resumable=True)
        while_away = guild.add_text_channel("while-away")
        await fake.wait_for_resume(timeout=10)
        assert bot.resumed.is_set()
        assert bot.get_channel(while_away.id) is not None
        (resume,) = fake.resume_payloads
        assert resume["session_id"] == fake.dispatched[0][1]["session_id"]
        assert len(fake.identify_payloads) == 1


async def test_abrupt_drop_also_resumes(fake, world):
    async with running(fake) as bot:
        await fake.drop_gateway(resumable=True, abrupt=True)
        await fake.wait_for_resume(timeout=10)
        assert bot.resumed.is_set()


async def test_invalid_session_makes_client_identify_again(fake, world):
    _alice, _bob, guild = world
    async with running(fake, NoIdentifyDelayBot()) as bot:
        await fake.drop_gateway(resumable=False)
        await fake.hub.wait_for(lambda: len(fake.identify_payloads) == 2, 10, "a second IDENTIFY")
        await fake.wait_until_ready(timeout=10)
        assert bot.get_guild(guild.id) is not None
        assert fake.resume_payloads == []


async def test_privileged_intent_is_rejected_with_4014(fake, world):
    intents = discord.Intents.default()
    intents.message_content = True
    bot = ThrowawayBot(intents=intents)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(bot.start(TOKEN), 10)
    assert not bot.is_ready()
    assert 4014 in fake.hub.close_codes or fake.identify_payloads


async def test_message_content_needs_the_intent_except_dms_and_mentions(fake, world):
    alice, bob, guild = world
    general = guild.text_channels[0]
    async with running(fake) as bot:
        fake.post_message(bob, general, "secret plans")
        fake.post_message(bob, general, f"hey {fake.bot_user.mention}")
        fake.post_message(alice, None, "a DM")
        await fake.settle()
        seen = [(m.content, m.guild is None) for m in bot.seen_messages]
        assert seen == [("", False), (f"hey {fake.bot_user.mention}", False), ("a DM", True)]


async def test_nonce_deduplicates_repeated_sends(fake, world):
    _alice, _bob, guild = world
    async with running(fake) as bot:
        channel = bot.get_channel(guild.text_channels[0].id)
        first = await channel.send("once", nonce="checkin-42")
        second = await channel.send("once", nonce="checkin-42")
        assert first.id == second.id
        assert len(fake.channel_messages(guild.text_channels[0])) == 1


async def test_a_nonce_is_forgotten_after_the_nonce_memory_and_never_read_back(fake, world):
    _alice, _bob, guild = world
    fake.world.nonce_memory = 0.2
    async with running(fake) as bot:
        channel = bot.get_channel(guild.text_channels[0].id)
        first = await channel.send("once", nonce="checkin-42")
        assert first.nonce == "checkin-42"  # the create answer carries it
        [read] = await bot.http.logs_from(channel.id, 10)
        assert int(read["id"]) == first.id and "nonce" not in read
        assert "nonce" not in await bot.http.get_message(channel.id, first.id)
        await asyncio.sleep(0.3)  # longer than the fake's nonce memory
        again = await channel.send("once", nonce="checkin-42")
        assert again.id != first.id and len(fake.channel_messages(guild.text_channels[0])) == 2


async def test_history_after_an_id_gives_the_oldest_messages_after_it_newest_first(fake, world):
    _alice, _bob, guild = world
    async with running(fake) as bot:
        channel = bot.get_channel(guild.text_channels[0].id)
        sent = [await channel.send(str(n)) for n in range(5)]
        page = await bot.http.logs_from(channel.id, 2, after=sent[1].id)
        assert [m["content"] for m in page] == ["3", "2"]
        everything = await bot.http.logs_from(channel.id, 100, after=0)
        assert [m["content"] for m in everything] == ["4", "3", "2", "1", "0"]
        with pytest.raises(discord.HTTPException) as err:
            await bot.http.logs_from(channel.id, 101)
        assert err.value.status == 400 and err.value.code == 50035


async def test_missing_permissions_403_50013(fake, world):
    _alice, _bob, guild = world
    readonly = guild.add_text_channel("announcements", overwrites=[overwrite(guild, deny=P.SEND_MESSAGES)])
    hidden = guild.add_text_channel("staff", overwrites=[overwrite(guild, deny=P.VIEW_CHANNEL)])
    async with running(fake) as bot:
        with pytest.raises(discord.Forbidden) as err:
            await bot.get_channel(readonly.id).send("hi")
        assert err.value.code == 50013 and err.value.text == "Missing Permissions"
        with pytest.raises(discord.Forbidden) as err:
            await bot.get_channel(hidden.id).send("hi")
        assert err.value.code == 50001  # Discord: a channel the bot cannot see is "Missing Access"


async def test_too_long_message_is_400_50035(fake, world):
    _alice, _bob, guild = world
    async with running(fake) as bot:
        channel = bot.get_channel(guild.text_channels[0].id)
        with pytest.raises(discord.HTTPException) as err:
            await channel.send("x" * 2001)
        assert err.value.status == 400 and err.value.code == 50035
        assert err.value.text == "Invalid Form Body\nIn content: Must be 2000 or fewer in length."
        with pytest.raises(discord.HTTPException) as err:
            await channel.send(embed=discord.Embed(title="t" * 257))
        assert "In embeds.0.title" in err.value.text
        assert fake.channel_messages(guild.text_channels[0]) == []


async def test_timeouts_respect_limits_and_hierarchy(fake, world):
    alice, bob, guild = world
    async with running(fake) as bot:
        member = await bot.get_guild(guild.id).fetch_member(bob.id)
        await member.timeout(dt.timedelta(hours=1))
        assert guild.member(bob).communication_disabled_until is not None
        with pytest.raises(discord.HTTPException) as err:
            await member.timeout(dt.timedelta(days=29))
        assert err.value.code == 50035
        owner = await bot.get_guild(guild.id).fetch_member(alice.id)
        with pytest.raises(discord.Forbidden):
            await owner.timeout(dt.timedelta(minutes=5))


async def test_two_shards_each_get_their_guilds(fake):
    fake.recommended_shards = 2
    owner = fake.add_user("owner")
    g0 = fake.add_guild("zero", owner=owner, shard_id=0, shard_count=2)
    g1 = fake.add_guild("one", owner=owner, shard_id=1, shard_count=2)
    g1.add_text_channel("general")
    async with running(fake, NoIdentifyDelayBot()) as bot:
        assert bot.shard_count == 2
        assert bot.get_guild(g0.id).shard_id == 0 and bot.get_guild(g1.id).shard_id == 1
        assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
        reply = await fake.slash(owner, g1, "hello", name="shard one")
        assert reply.content == "Hello shard one!"
        assert await fake.drop_gateway() == 2
        await fake.wait_for_resume(timeout=10)
        assert sorted(p["session_id"] for p in fake.resume_payloads) == sorted(fake.hub.sessions)
