"""The fake's guild scheduled events (shapes, limits, permissions, automation, gateway events),
exercised by the real discord.py client."""

from __future__ import annotations

import datetime as dt

import discord
import pytest
from discord.ext import commands
from discord.http import Route

from tests.fake_discord import DEFAULT_BOT, INTENT_GUILD_SCHEDULED_EVENTS, P
from tests.fake_discord.testing import running, serving, use_gateway_from_api

SOON = dt.timedelta(days=2)


class Bot(commands.AutoShardedBot):
    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.seen: list[tuple[str, int]] = []

    async def setup_hook(self) -> None:
        await use_gateway_from_api(self)

    async def on_scheduled_event_create(self, event: discord.ScheduledEvent) -> None:
        self.seen.append(("create", event.id))

    async def on_scheduled_event_update(
        self, before: discord.ScheduledEvent, after: discord.ScheduledEvent
    ) -> None:
        self.seen.append((f"update:{after.status.name}", after.id))

    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        self.seen.append(("delete", event.id))


@pytest.fixture
async def fake():
    async with serving(token="test-token") as fake:
        yield fake
    assert fake.unknown_requests == [], fake.unknown_requests


@pytest.fixture
def world(fake):
    alice = fake.add_user("alice")
    bob = fake.add_user("bob")
    guild = fake.add_guild("Mentoring", owner=alice)
    guild.add_text_channel("general")
    guild.add_member(bob)
    return alice, bob, guild


def error_codes(fake) -> str:
    """The field error codes of the fake's last answer (discord.py shows only the messages)."""
    return str(fake.requests[-1].response)


def later(delta: dt.timedelta = SOON) -> dt.datetime:
    return discord.utils.utcnow() + delta


async def create_external(bot: Bot, guild_id: int, **extra) -> discord.ScheduledEvent:
    start = extra.pop("start_time", later())
    return await bot.get_guild(guild_id).create_scheduled_event(
        name=extra.pop("name", "Peer group meeting"),
        start_time=start,
        end_time=extra.pop("end_time", start + dt.timedelta(hours=1)),
        entity_type=discord.EntityType.external,
        privacy_level=discord.PrivacyLevel.guild_only,
        location=extra.pop("location", "https://discord.com/channels/1/2"),
        **extra,
    )


async def test_an_external_event_is_created_listed_edited_cancelled_and_deleted(fake, world):
    _alice, _bob, guild = world
    async with running(fake, Bot()) as bot:
        event = await create_external(bot, guild.id, description="Every three weeks")
        [stored] = fake.scheduled_events(guild)
        assert stored.id == event.id and stored.creator.id == fake.bot_user.id
        assert event.location == "https://discord.com/channels/1/2" and event.channel is None
        assert event.status is discord.EventStatus.scheduled and event.creator_id == fake.bot_user.id
        await fake.settle()
        assert ("create", event.id) in bot.seen
        assert bot.get_guild(guild.id).get_scheduled_event(event.id) is not None  # the gateway event

        [listed] = await bot.get_guild(guild.id).fetch_scheduled_events(with_counts=True)
        assert listed.id == event.id and listed.user_count == 0
        fetched = await bot.get_guild(guild.id).fetch_scheduled_event(event.id)
        assert fetched.description == "Every three weeks"

        renamed = await event.edit(name="Circle meeting")
        assert renamed.name == "Circle meeting" and stored.name == "Circle meeting"
        cancelled = await renamed.cancel()
        assert cancelled.status is discord.EventStatus.cancelled
        with pytest.raises(discord.HTTPException) as err:
            await cancelled.edit(status=discord.EventStatus.active)  # CANCELED is final
        assert err.value.code == 50035 and "In status" in str(err.value)
        assert "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION" in error_codes(fake)

        await cancelled.delete()
        assert fake.scheduled_events(guild) == []
        with pytest.raises(discord.NotFound) as err:
            await bot.get_guild(guild.id).fetch_scheduled_event(event.id)
        assert err.value.code == 10070
        await fake.settle()
        assert ("delete", event.id) in bot.seen


async def test_discords_field_rules_are_enforced(fake, world):
    _alice, _bob, guild = world
    async with running(fake, Bot()) as bot:
        g = bot.get_guild(guild.id)
        with pytest.raises(discord.HTTPException) as err:  # privacy_level is required
            await g.create_scheduled_event(
                name="x", start_time=later(), end_time=later(SOON * 2), location="somewhere"
            )
        assert err.value.code == 50035 and "privacy_level" in str(err.value)
        for bad, field in (
            ({"name": "n" * 101}, "name"),
            ({"location": "l" * 101}, "location"),
            ({"description": "d" * 1001}, "description"),
            ({"start_time": later(-dt.timedelta(minutes=1))}, "Cannot schedule event in the past"),
            ({"end_time": later(SOON - dt.timedelta(hours=1))}, "scheduled_end_time"),
        ):
            with pytest.raises(discord.HTTPException) as err:
                await create_external(bot, guild.id, **bad)
            assert err.value.code == 50035 and field in str(err.value), bad
        route = Route("POST", "/guilds/{guild_id}/scheduled-events", guild_id=guild.id)
        body = {
            "name": "no end",
            "privacy_level": 2,
            "entity_type": 3,
            "scheduled_start_time": later().isoformat(),
            "entity_metadata": {"location": "here"},
        }
        with pytest.raises(discord.HTTPException) as err:  # discord.py checks this too; Discord does
            await bot.http.request(route, json=body)
        assert "scheduled_end_time" in str(err.value)
        voice = guild.add_voice_channel("Voice")
        body = {**body, "entity_type": 2, "channel_id": str(guild.text_channels[0].id)}
        with pytest.raises(discord.HTTPException) as err:  # a voice event needs a voice channel
            await bot.http.request(route, json=body)
        assert "CHANNEL_TYPE_INVALID" in error_codes(fake)
        await fake.settle()
        event = await g.create_scheduled_event(
            name="In voice",
            start_time=later(),
            channel=g.get_channel(voice.id),
            privacy_level=discord.PrivacyLevel.guild_only,
        )
        assert event.entity_type is discord.EntityType.voice and event.channel_id == voice.id
        assert event.location is None


async def test_creating_needs_create_events_and_editing_others_events_needs_manage_events(fake, world):
    alice, _bob, _ = world
    guild = fake.add_guild("No events", owner=alice, bot_permissions=DEFAULT_BOT & ~P.CREATE_EVENTS)
    guild.add_text_channel("general")
    theirs = fake.add_scheduled_event(
        guild, "Alice's talk", creator=alice, start=later(), end=later(SOON * 2), location="Zoom"
    )
    async with running(fake, Bot()) as bot:
        with pytest.raises(discord.Forbidden) as err:
            await create_external(bot, guild.id)
        assert err.value.code == 50013
        [seen] = bot.get_guild(guild.id).scheduled_events  # it came with GUILD_CREATE
        assert seen.id == theirs.id and seen.creator_id == alice.id
        with pytest.raises(discord.Forbidden):
            await seen.edit(name="Hijacked")
        guild.bot_role.permissions |= int(P.MANAGE_EVENTS)
        edited = await seen.edit(name="Alice's talk (moved)")
        assert edited.name == "Alice's talk (moved)"


async def test_external_events_start_and_end_by_themselves_and_interest_is_counted(fake, world):
    _alice, bob, guild = world
    now = discord.utils.utcnow()
    fake.clock = lambda: now
    async with running(fake, Bot()) as bot:
        event = await create_external(bot, guild.id, start_time=now + dt.timedelta(hours=1))
        stored = fake.scheduled_events(guild)[0]
        fake.mark_interested(bob, stored)
        assert [u.id async for u in event.users()] == [bob.id]
        assert (
            await bot.get_guild(guild.id).fetch_scheduled_event(event.id, with_counts=True)
        ).user_count == 1

        fake.clock = lambda: now + dt.timedelta(hours=1, minutes=1)
        assert (await bot.get_guild(guild.id).fetch_scheduled_event(event.id)).status.name == "active"
        with pytest.raises(discord.HTTPException):  # it has started: its start is fixed
            await event.edit(start_time=now + dt.timedelta(hours=3))
        assert "GUILD_SCHEDULED_EVENT_SCHEDULE_INVALID_START_BY_STATUS" in error_codes(fake)
        fake.clock = lambda: now + dt.timedelta(hours=2, minutes=1)
        fake.advance_scheduled_events()
        assert stored.status == 3  # COMPLETED
        await fake.settle()
        kinds = [kind for kind, _ in bot.seen]
        assert kinds.index("update:active") < kinds.index("update:completed")
        # discord.py drops USER_ADD for users it has not cached (no members intent), so look at the wire
        [added] = [data for name, data in fake.dispatched if name == "GUILD_SCHEDULED_EVENT_USER_ADD"]
        assert added == {
            "guild_scheduled_event_id": str(event.id),
            "user_id": str(bob.id),
            "guild_id": str(guild.id),
        }


async def test_gateway_events_need_the_guild_scheduled_events_intent(fake, world):
    _alice, _bob, guild = world
    intents = discord.Intents.default()
    intents.guild_scheduled_events = False
    bot = Bot()
    bot._connection._intents = intents
    async with running(fake, bot):
        await create_external(bot, guild.id)
        await fake.settle()
        assert bot.seen == []
    assert discord.Intents(guild_scheduled_events=True).value == INTENT_GUILD_SCHEDULED_EVENTS
