"""End-to-end fixtures: a fake Discord on loopback and the bot started as `mentorbot run` does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.fake_discord import FakeDiscord, FakeUser
from tests.support.bot import TOKEN, running_bot, settings_for
from tests.support.people import Person
from tests.support.program import add_member, agree, create_group
from tests.support.timeline import Timeline


@pytest.fixture
async def fake(clock):
    # Discord's now (snowflakes' times, scheduled events, timeouts) is the test's.
    server = FakeDiscord(token=TOKEN, clock=clock.now)
    await server.start()
    yield server
    await server.stop()


class World:
    """A server with a few people, as a test arranges it."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.owner = fake.add_user("olivia", global_name="Olivia (coordinator)")
        self.alice = fake.add_user("alice", global_name="Alice")
        self.bob = fake.add_user("bob", global_name="Bob")
        self.guild = fake.add_guild("Faculty Peer Mentoring", owner=self.owner)
        self.general = self.guild.add_text_channel("general")
        for user in (self.alice, self.bob):
            self.guild.add_member(user)

    def person(self, user: FakeUser) -> Person:
        """Return someone of this server, acting as people do (``tests.support.people``)."""
        return Person(self.fake, self.guild, user)


@pytest.fixture
def world(fake) -> World:
    return World(fake)


@pytest.fixture
async def bot(fake, world, database_url, clock):
    """The running bot: the same runner `mentorbot run` uses, with the test's clock."""
    async with running_bot(fake, settings_for(fake, database_url), clock) as runner:
        yield runner
    assert fake.unknown_requests == [], "the bot called routes the fake does not know"


@pytest.fixture
def timeline(clock, fake, bot) -> Timeline:
    """The test's clock, moved together with the bot's own scheduler."""
    return Timeline(clock, fake, bot)


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


async def agree_all(world: World, group: str, *users: FakeUser) -> None:
    """Each of ``users`` presses "I agree" under the group's ground rules in the bot's DM."""
    for user in users:
        await agree(world.person(user), group)


@pytest.fixture
async def circle(fake, bot, world: World):
    """Olivia's facilitated-peer group "Circle": carol facilitates, alice and bob are peers, all agreed."""
    carol = fake.add_user("carol")
    world.guild.add_member(carol)
    olivia = world.person(world.owner)
    group = await create_group(olivia, "Circle", "facilitated_peer")
    await add_member(olivia, group, world.person(carol), "facilitator")
    for user in (world.alice, world.bob):
        await add_member(olivia, group, world.person(user), "peer")
    return SimpleNamespace(carol=carol, home=SimpleNamespace(channel_id=group.home), name=group.name)
