"""End-to-end fixtures: a fake Discord on loopback and the bot started as `mentorbot run` does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.services.actors import Actor
from tests.fake_discord import FakeDiscord
from tests.support.bot import TOKEN, running_bot, settings_for


@pytest.fixture
async def fake():
    server = FakeDiscord(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


class World:
    """A server with a few people, as a test arranges it."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.owner = fake.add_user("olivia", global_name="Olivia (coordinator)")
        self.alice = fake.add_user("alice", global_name="Alice")
        self.bob = fake.add_user("bob", global_name="Bob")
        self.guild = fake.add_guild("Faculty Peer Mentoring", owner=self.owner)
        self.general = self.guild.add_text_channel("general")
        for user in (self.alice, self.bob):
            self.guild.add_member(user)


@pytest.fixture
def world(fake) -> World:
    return World(fake)


@pytest.fixture
async def bot(fake, world, database_url, clock):
    """The running bot: the same runner `mentorbot run` uses, with the test's clock."""
    async with running_bot(fake, settings_for(fake, database_url), clock) as runner:
        yield runner
    assert fake.unknown_requests == [], "the bot called routes the fake does not know"


async def final(reply) -> dict:
    """Return the message a user finally sees for an interaction (after a defer, its follow-up)."""
    if reply.type in (5, 6):
        return await reply.wait_followup()
    return reply.message


def button_id(message: dict, label: str) -> str:
    """Return the custom id of the button labelled ``label`` in a message."""
    for row in message["components"]:
        for component in row["components"]:
            if component.get("label") == label:
                return component["custom_id"]
    raise AssertionError(f"no button {label!r} in {message['components']}")


async def agree_all(bot, guild_id: int, group_id: int, *users) -> None:
    """Let members through the consent gate, as if each had pressed "I agree"."""
    for user in users:
        await bot.services.groups.agree(guild_id, user.id, group_id)
    await bot.services.outbox.dispatch_due()


@pytest.fixture
async def circle(fake, bot, world: World):
    """A facilitated-peer group "Circle": carol facilitates, alice and bob are peers, all agreed."""
    carol = fake.add_user("carol")
    world.guild.add_member(carol)
    admin = Actor(world.owner.id, is_admin=True)
    group = await bot.services.groups.create(world.guild.id, admin, name="Circle", kind="facilitated_peer")
    await bot.services.groups.add_member(world.guild.id, admin, group.id, carol.id, "facilitator")
    for user in (world.alice, world.bob):
        await bot.services.groups.add_member(world.guild.id, admin, group.id, user.id, "peer")
    await agree_all(bot, world.guild.id, group.id, carol, world.alice, world.bob)
    return SimpleNamespace(carol=carol, home=group.home)
