"""The fake's REST semantics (permissions, threads, overwrites, roles, limits), exercised by the
real discord.py client."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, timedelta

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.http import Route

from tests.e2e.fake_discord_bots import RestBot
from tests.fake_discord import DEFAULT_BOT, INTENT_GUILD_MEMBERS, P
from tests.fake_discord.testing import running, serving, use_gateway_from_api
from tests.support.waiting import eventually


@pytest.fixture
async def fake():
    async with serving(token="test-token") as fake:
        yield fake
    assert fake.unknown_requests == [], fake.unknown_requests


@pytest.fixture
def world(fake):
    alice = fake.add_user("alice")
    bob = fake.add_user("bob")
    carol = fake.add_user("carol")
    guild = fake.add_guild("Mentoring", owner=alice)
    guild.add_text_channel("general")
    guild.add_member(bob)
    guild.add_member(carol)
    return alice, bob, carol, guild


async def test_private_threads_and_threads_from_messages(fake, world):
    _alice, bob, _carol, guild = world
    async with running(fake, RestBot()) as bot:
        general = bot.get_channel(guild.text_channels[0].id)
        thread = await general.create_thread(
            name="coffee: alice & bob", type=discord.ChannelType.private_thread, invitable=False
        )
        fake_thread = guild.get_channel(thread.id)
        assert fake_thread.type == 12 and fake_thread.owner_id == fake.bot_user.id
        await thread.add_user(discord.Object(bob.id))
        assert set(fake_thread.thread_members) == {fake.bot_user.id, bob.id}
        await thread.send("Say hi!")
        fake.post_message(bob, fake_thread, "hi!")
        assert [m["content"] for m in fake.channel_messages(fake_thread)] == ["Say hi!", "hi!"]
        with pytest.raises(discord.Forbidden) as err:
            await thread.fetch_members()  # needs the GUILD_MEMBERS privileged intent enabled
        assert err.value.code == 50001
        await thread.edit(archived=True, locked=True)
        assert fake_thread.archived and fake_thread.locked

        starter = await general.send("topic of the week")
        discussion = await starter.create_thread(name="discussion")
        assert discussion.id == starter.id
        assert fake.get_message(starter.id)["thread"]["id"] == str(starter.id)
        await fake.settle()
        assert (
            bot.get_channel(guild.id) is None
            and bot.get_guild(guild.id).get_thread(discussion.id) is not None
        )


async def test_thread_locking_needs_manage_threads(fake):
    owner = fake.add_user("owner")
    guild = fake.add_guild(
        "Small", owner=owner, bot_permissions=DEFAULT_BOT & ~P.MANAGE_THREADS, with_default_channel=True
    )
    async with running(fake, RestBot()) as bot:
        general = bot.get_channel(guild.text_channels[0].id)
        thread = await general.create_thread(name="t", type=discord.ChannelType.public_thread)
        await thread.edit(name="renamed")  # the creator may rename its thread
        with pytest.raises(discord.Forbidden) as err:
            await thread.edit(locked=True)
        assert err.value.code == 50013


async def test_only_moderators_write_in_a_locked_thread_archived_or_not(fake, world):
    alice, bob, _carol, guild = world  # alice owns the server
    async with running(fake, RestBot()) as bot:
        general = bot.get_channel(guild.text_channels[0].id)
        thread = await general.create_thread(name="t", type=discord.ChannelType.public_thread)
        fake_thread = guild.get_channel(thread.id)
        fake.post_message(bob, fake_thread, "before")
        await thread.edit(locked=True)
        with pytest.raises(AssertionError, match="locked"):
            fake.post_message(bob, fake_thread, "after")
        fake.post_message(alice, fake_thread, "the owner may")
        assert [m["content"] for m in fake.channel_messages(fake_thread)] == ["before", "the owner may"]


async def test_a_timeout_lasts_until_its_end_on_discords_clock(fake, world):
    _alice, bob, _carol, guild = world
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    fake.clock = lambda: now
    async with running(fake, RestBot()) as bot:
        member = await bot.get_guild(guild.id).fetch_member(bob.id)
        await member.timeout(now + timedelta(minutes=10))
        with pytest.raises(AssertionError, match="cannot send"):
            fake.post_message(bob, guild.text_channels[0], "muted")
        now += timedelta(minutes=11)
        fake.post_message(bob, guild.text_channels[0], "back")
        with pytest.raises(discord.HTTPException):  # Discord's limit is 28 days from its now
            await member.timeout(now + timedelta(days=28, minutes=1))


async def test_private_channel_overwrites(fake, world):
    alice, bob, carol, guild = world
    async with running(fake, RestBot()) as bot:
        g = bot.get_guild(guild.id)
        category = await g.create_category("Pairs")
        room = await g.create_text_channel(
            "Pair Room",
            category=category,
            overwrites={
                g.default_role: discord.PermissionOverwrite(view_channel=False),
                g.me: discord.PermissionOverwrite(view_channel=True, send_messages=True),
                discord.Object(bob.id, type=discord.Member): discord.PermissionOverwrite(view_channel=True),
            },
        )
        fake_room = guild.get_channel(room.id)
        assert fake_room.name == "pair-room" and fake_room.parent_id == category.id
        assert {(o["id"], o["type"]) for o in fake_room.permission_overwrites} == {
            (str(guild.id), 0),
            (str(fake.bot_user.id), 1),
            (str(bob.id), 1),
        }
        fake.post_message(bob, fake_room, "in the room")
        with pytest.raises(AssertionError, match="cannot send"):
            fake.post_message(carol, fake_room, "let me in")
        carol_member = await g.fetch_member(carol.id)
        await room.set_permissions(carol_member, view_channel=True)
        fake.post_message(carol, fake_room, "thanks")
        await room.set_permissions(carol_member, overwrite=None)
        assert str(carol.id) not in {o["id"] for o in fake_room.permission_overwrites}
        await room.send("the bot still sees it")
        assert fake_room.guild.permissions_for(alice, fake_room) & P.VIEW_CHANNEL  # the owner sees everything


async def test_granting_overwrites_needs_manage_roles(fake):
    owner = fake.add_user("owner")
    guild = fake.add_guild("NoRoles", owner=owner, bot_permissions=DEFAULT_BOT & ~P.MANAGE_ROLES)
    async with running(fake, RestBot()) as bot:
        g = bot.get_guild(guild.id)
        with pytest.raises(discord.Forbidden) as err:
            await g.create_text_channel(
                "x", overwrites={g.me: discord.PermissionOverwrite(view_channel=True)}
            )
        assert err.value.code == 50013
        hidden = await g.create_text_channel(
            "y", overwrites={g.default_role: discord.PermissionOverwrite(view_channel=False)}
        )
        with pytest.raises(discord.Forbidden) as err:
            await hidden.send("I hid it from myself")
        assert err.value.code == 50001


async def test_roles_and_hierarchy(fake, world):
    _alice, bob, _carol, guild = world
    above = guild.add_role("Admins", permissions=0, position=10)
    async with running(fake, RestBot()) as bot:
        g = bot.get_guild(guild.id)
        role = await g.create_role(name="Mentees", permissions=discord.Permissions(send_messages=True))
        fake_role = guild.get_role(role.id)
        assert fake_role.name == "Mentees" and fake_role.position < guild.bot_role.position
        member = await g.fetch_member(bob.id)
        await member.add_roles(role)
        assert guild.member(bob).role_ids == [role.id]
        with pytest.raises(discord.Forbidden):
            await member.add_roles(discord.Object(above.id))
        with pytest.raises(discord.Forbidden):
            await g.create_role(name="boss", permissions=discord.Permissions(administrator=True))
        await member.remove_roles(role)
        assert guild.member(bob).role_ids == []
        await fake.settle()
        assert g.get_role(role.id) is not None  # GUILD_ROLE_CREATE reached the cache


async def test_members_intent_when_enabled_for_the_application():
    async with serving(privileged_intents=INTENT_GUILD_MEMBERS) as allowed:
        owner = allowed.add_user("owner")
        guild = allowed.add_guild("Big", owner=owner)
        for i in range(3):
            guild.add_member(allowed.add_user(f"user{i}"))
        intents = discord.Intents.default()
        intents.members = True
        async with running(allowed, RestBot(intents)) as bot:
            assert allowed.identify_payloads[0]["intents"] & INTENT_GUILD_MEMBERS
            cached = bot.get_guild(guild.id)
            await cached.chunk()  # REQUEST_GUILD_MEMBERS -> GUILD_MEMBERS_CHUNK
            assert cached.chunked and len(cached.members) == 5
            members = [m async for m in cached.fetch_members(limit=None)]
            assert sorted(m.name for m in members) == ["TestBot", "owner", "user0", "user1", "user2"]
            newcomer = guild.add_member(allowed.add_user("newcomer"))
            await allowed.settle()
            assert cached.get_member(newcomer.id) is not None  # GUILD_MEMBER_ADD


async def test_member_list_forbidden_without_the_privileged_intent(fake, world):
    *_, guild = world
    async with running(fake, RestBot()) as bot:
        with pytest.raises(discord.Forbidden) as err:
            await bot.http.get_members(guild.id, 1000, None)
        assert err.value.code == 50001
        search = Route("GET", "/guilds/{guild_id}/members/search", guild_id=guild.id)
        found = await bot.http.request(search, params={"query": "car", "limit": 10})
        assert [m["user"]["username"] for m in found] == ["carol"]
        member = await bot.get_guild(guild.id).fetch_member(world[1].id)
        assert member.name == "bob"


async def test_history_edit_delete_reactions_pins(fake, world):
    _alice, bob, _carol, guild = world
    async with running(fake, RestBot()) as bot:
        channel = bot.get_channel(guild.text_channels[0].id)
        first = await channel.send("one")
        await channel.send("two")
        third = await channel.send("three")
        assert [m.content async for m in channel.history(limit=2)] == ["three", "two"]
        assert [m.content async for m in channel.history(after=first, oldest_first=True)] == ["two", "three"]
        edited = await third.edit(content="three!")
        assert edited.edited_at is not None and fake.get_message(third.id)["content"] == "three!"
        theirs = fake.post_message(bob, guild.text_channels[0], "from bob")
        theirs_msg = await channel.fetch_message(int(theirs["id"]))
        with pytest.raises(discord.Forbidden) as err:
            await theirs_msg.edit(content="hacked")
        assert err.value.code == 50005
        await theirs_msg.add_reaction("👍")
        assert fake.get_message(theirs["id"])["reactions"][0]["me"] is True
        await first.pin()
        assert [m.id async for m in channel.pins()] == [first.id]
        await theirs_msg.delete()  # MANAGE_MESSAGES
        assert fake.get_message(theirs["id"]) is None
        await channel.delete_messages([first, third])
        assert [m["content"] for m in fake.channel_messages(guild.text_channels[0]) if m["type"] == 0] == [
            "two"
        ]


async def test_files_are_uploaded_multipart_and_served(fake, world):
    *_, guild = world
    async with running(fake, RestBot()) as bot:
        channel = bot.get_channel(guild.text_channels[0].id)
        message = await channel.send("see file", file=discord.File(io.BytesIO(b"hello"), "notes.txt"))
        (attachment,) = message.attachments
        assert attachment.filename == "notes.txt" and attachment.size == 5
        assert await attachment.read() == b"hello"
        (upload,) = fake.requests_to("POST", "/channels/{channel_id}/messages")[-1].files
        assert upload.field == "files[0]" and upload.data == b"hello"


async def test_component_and_empty_message_validation(fake, world):
    *_, guild = world
    async with running(fake, RestBot()) as bot:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=guild.text_channels[0].id)
        button = {"type": 2, "style": 1, "label": "x", "custom_id": "c" * 101}
        with pytest.raises(discord.HTTPException) as err:
            await bot.http.request(
                route, json={"content": "hi", "components": [{"type": 1, "components": [button]}]}
            )
        assert err.value.code == 50035 and "components.0.components.0.custom_id" in err.value.text
        six_buttons = [{"type": 2, "style": 1, "label": str(i), "custom_id": str(i)} for i in range(6)]
        with pytest.raises(discord.HTTPException) as err:
            await bot.http.request(route, json={"components": [{"type": 1, "components": six_buttons}]})
        assert err.value.code == 50035
        with pytest.raises(discord.HTTPException) as err:
            await bot.get_channel(guild.text_channels[0].id).send("   ")
        assert err.value.code == 50006 and err.value.text == "Cannot send an empty message"
        embeds = [discord.Embed(description="d" * 4000) for _ in range(2)]
        with pytest.raises(discord.HTTPException) as err:
            await bot.get_channel(guild.text_channels[0].id).send(embeds=embeds)
        assert "6000" in err.value.text


async def test_interaction_acknowledged_twice_and_ephemeral_followup(fake, world):
    alice, *_, guild = world
    async with running(fake, RestBot()) as bot:
        reply = await fake.slash(alice, guild, "twice")
        assert reply.content == "first"
        followup = await reply.wait_followup(0)
        assert followup["content"] == "whisper" and followup["flags"] & 64
        (err,) = bot.errors
        assert err.status == 400 and err.code == 40060


async def test_modal_limits_are_enforced(fake, world):
    alice, *_, guild = world
    async with running(fake, RestBot()) as bot:
        reply = await fake.slash(alice, guild, "bigmodal")
        assert reply.content == "modal refused"
        assert bot.errors[0].code == 50035 and "data.title" in bot.errors[0].text


async def test_invalid_command_registration_is_rejected(fake, world):
    async with running(fake, RestBot()) as bot:
        bad = [
            {"name": "Bad Name", "description": "x", "type": 1},
            {"name": "ok", "description": "d" * 101, "type": 1},
        ]
        with pytest.raises(discord.HTTPException) as err:
            await bot.http.bulk_upsert_global_commands(bot.application_id, bad)
        assert err.value.code == 50035
        assert "In 0.name" in err.value.text and "In 1.description" in err.value.text


async def test_guild_join_and_removal(fake, world):
    alice, *_, guild = world
    async with running(fake, RestBot()) as bot:
        # The fake is ready once it has sent the servers; a server added while the client still
        # gathers them would count as one it was already in (on_guild_available, not a join).
        await bot.wait_until_ready()
        other = fake.add_guild("Second", owner=alice, with_default_channel=True)

        async def joined() -> bool:  # the bot's handlers run when the event loop gets to them
            return bot.joined == [other.id] and bot.get_guild(other.id) is not None

        await eventually(joined)
        fake.remove_guild(guild)

        async def removed() -> bool:
            return bot.removed == [guild.id] and bot.get_guild(guild.id) is None

        await eventually(removed)
        with pytest.raises(discord.Forbidden) as err:
            await bot.get_partial_messageable(guild.text_channels[0].id).send("still here?")
        assert err.value.code == 50001
        with pytest.raises(AssertionError, match="not in"):
            await fake.slash(alice, guild, "twice")


async def test_dm_needs_a_shared_guild(fake, world):
    stranger = fake.add_user("stranger")
    async with running(fake, RestBot()) as bot:
        user = await bot.fetch_user(stranger.id)
        with pytest.raises(discord.Forbidden) as err:
            await user.send("hello?")
        assert err.value.code == 50007


async def test_default_member_permissions_hide_commands(fake, world):
    alice, bob, *_ = world
    guild = world[3]

    class AdminBot(RestBot):
        async def setup_hook(self) -> None:
            await use_gateway_from_api(self)

            @self.tree.command(name="admin", description="Coordinators only")
            @app_commands.default_permissions(manage_guild=True)
            async def admin(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("ok")

            await self.tree.sync()

    async with running(fake, AdminBot()):
        assert (await fake.slash(alice, guild, "admin")).content == "ok"
        with pytest.raises(AssertionError, match="cannot see /admin"):
            await fake.slash(bob, guild, "admin")


async def test_a_callback_after_the_deadline_is_unknown_interaction(fake, world):
    alice, *_, guild = world
    fake.interaction_deadline = 0.1
    async with running(fake, RestBot()) as bot:
        with pytest.raises(AssertionError, match="interaction failed"):
            await fake.slash(alice, guild, "late")
        await fake.hub.wait_for(lambda: bool(bot.errors), 5, "the late callback")
        assert bot.errors[0].status == 404 and bot.errors[0].code == 10062


async def test_follow_ups_need_a_live_token(fake, world):
    alice, *_, guild = world
    fake.interaction_token_lifetime = 0.1
    async with running(fake, RestBot()) as bot:
        reply = await fake.slash(alice, guild, "tardy")
        assert reply.type == 5
        await fake.hub.wait_for(lambda: bool(bot.errors), 5, "the follow-up")
        assert bot.errors[0].status == 404 and bot.errors[0].code == 10015


async def test_reconnect_opcode_makes_the_client_resume(fake, world):
    *_, guild = world
    async with running(fake, RestBot()) as bot:
        await fake.request_reconnect()
        await fake.wait_for_resume(timeout=10)
        new = guild.add_text_channel("after-reconnect")
        await fake.settle()
        assert bot.get_channel(new.id) is not None
        assert len(fake.identify_payloads) == 1 and len(fake.resume_payloads) == 1


async def test_injected_faults_answer_as_discord_and_cloudflare_do(fake, world):
    _alice, _bob, _carol, guild = world
    channel = guild.text_channels[0]
    url = f"{fake.api_base_url}/channels/{channel.id}/messages"
    rule = fake.inject_faults("POST", "/channels/{channel_id}/messages", share=1.0, kinds=("429-global",))
    answers = {}
    async with aiohttp.ClientSession(headers={"Authorization": "Bot test-token"}) as http:
        for kind in ("429-global", "429", "500", "502", "503", "500-after", "502-after"):
            rule.kinds = (kind,)
            async with http.post(url, json={"content": kind}) as response:
                answers[kind] = (response.status, response.headers, await response.text())
        rule.share = 0
        async with http.post(url, json={"content": "fine"}) as response:
            assert response.status == 200

    status, headers, body = answers["429-global"]
    assert status == 429 and headers["Via"] and headers["X-RateLimit-Global"] == "true"
    assert json.loads(body) == {
        "message": "You are being rate limited.",
        "retry_after": 0.05,
        "global": True,
        "code": 0,
    }
    status, headers, body = answers["429"]
    assert status == 429 and headers["X-RateLimit-Scope"] == "user"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert json.loads(body)["global"] is False
    status, headers, body = answers["500"]
    assert status == 500 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"message": "500: Internal Server Error", "code": 0}
    status, headers, body = answers["502"]
    assert status == 502 and headers["Content-Type"] == "text/html" and "cloudflare" in body
    status, headers, body = answers["503"]
    assert status == 503 and headers["Content-Type"] == "text/plain" and "upstream connect error" in body
    assert answers["500-after"][0] == 500 and answers["502-after"][0] == 502
    # Only the calls whose answer was lost on the way (and the last one) created a message.
    assert [m["content"] for m in fake.channel_messages(channel)] == ["500-after", "502-after", "fine"]
    assert rule.injected == {kind: 1 for kind in answers}


async def test_a_share_of_faults_is_drawn_the_same_way_for_the_same_seed(fake, world):
    _alice, _bob, _carol, guild = world
    url = f"{fake.api_base_url}/channels/{guild.text_channels[0].id}/messages"
    fake.global_rate_limit = None  # only the injected 429s
    statuses = []
    for _ in range(2):
        fake.rest.fault_rules.clear()
        rule = fake.inject_faults("POST", "/channels/{channel_id}/messages", share=0.3, seed=7)
        async with aiohttp.ClientSession(headers={"Authorization": "Bot test-token"}) as http:
            run = []
            for i in range(100):
                async with http.post(url, json={"content": str(i)}) as response:
                    run.append(response.status)
            statuses.append(run)
        assert sum(rule.injected.values()) == sum(1 for s in run if s != 200)
    assert statuses[0] == statuses[1]
    assert 15 <= sum(1 for s in statuses[0] if s != 200) <= 45
    assert {429, 500, 502, 503} <= set(statuses[0])


async def test_held_answers_come_after_the_call_took_effect(fake, world):
    _alice, _bob, _carol, guild = world
    channel = guild.text_channels[0]
    held = fake.hold_answers("POST", "/channels/{channel_id}/messages")
    async with aiohttp.ClientSession(headers={"Authorization": "Bot test-token"}) as http:
        post = asyncio.create_task(
            http.post(f"{fake.api_base_url}/channels/{channel.id}/messages", json={"content": "hi"})
        )
        await fake.hub.wait_for(lambda: held.waiting == 1, 5, "the call")
        assert [m["content"] for m in fake.channel_messages(channel)] == ["hi"]
        await asyncio.sleep(0.05)
        assert not post.done()  # the message exists, but the client does not know yet
        held.release()
        async with await post as response:
            assert response.status == 200 and (await response.json())["content"] == "hi"
