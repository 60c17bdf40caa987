"""Journeys: the bot started as `mentorbot run` starts it, and people who only do what people can.

A journey arranges nothing behind the bot's back: no service is called and nothing is written to
the database. The server starts empty of anything the bot knows; people set it up with slash
commands, buttons, menus, forms and DMs (``tests.support.people``), and time moves only with the
test's clock, the bot's own scheduler doing what falls due (``tests.support.timeline``). The
database is read only to check an outcome that no person can see (encryption at rest, erasure).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.runtime import BotRunner
from tests.fake_discord import FakeDiscord, FakeGuild
from tests.support.bot import TOKEN, running_bot, settings_for
from tests.support.clock import FakeClock
from tests.support.people import Person
from tests.support.timeline import Timeline


class Server:
    """A Discord server before the bot knows anything about it, and the people in it.

    Olivia owns it (and so administers it); Cora will coordinate the program; Carol facilitates;
    the others are faculty and trainees in several time zones. What is done here is done in
    Discord itself (creating the server, inviting people, giving a role), not through the bot.
    """

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        owner = fake.add_user("olivia", global_name="Olivia")
        self.guild: FakeGuild = fake.add_guild("Faculty Peer Mentoring", owner=owner)
        self.general = self.guild.add_text_channel("general")
        self.olivia = Person(fake, self.guild, owner)
        self.cora = self.join("cora", "Cora")
        self.carol = self.join("carol", "Carol")
        self.alice = self.join("alice", "Alice")
        self.bob = self.join("bob", "Bob")
        self.dana = self.join("dana", "Dana")
        self.emeka = self.join("emeka", "Emeka")

    def join(self, name: str, display: str) -> Person:
        """Someone accepts an invitation to the server."""
        user = self.fake.add_user(name, global_name=display)
        self.guild.add_member(user)
        return Person(self.fake, self.guild, user)

    def give_role(self, person: Person, role_name: str) -> None:
        """The owner gives someone a server role in Discord's member list (creating the role if new)."""
        role = self.guild.get_role(role_name) or self.guild.add_role(role_name)
        member = self.guild.member(person.user)
        assert member is not None
        self.guild.update_member(person.user, roles=[*member.role_ids, role.id])

    def channel(self, channel_id: int):
        """Return a channel or thread by id."""
        return self.fake.world.channels[channel_id]


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeDiscord]:
    # Discord's own clock (snowflakes' times, scheduled events) is the test's.
    server = FakeDiscord(token=TOKEN, clock=clock.now)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def server(fake: FakeDiscord) -> Server:
    return Server(fake)


@pytest.fixture
async def bot(
    fake: FakeDiscord, server: Server, database_url: str, clock: FakeClock
) -> AsyncIterator[BotRunner]:
    """The bot, run as `mentorbot run` runs it, with the test's clock."""
    async with running_bot(fake, settings_for(fake, database_url), clock) as runner:
        yield runner
    assert fake.unknown_requests == [], "the bot called routes the fake does not know"


@pytest.fixture
def timeline(clock: FakeClock, fake: FakeDiscord, bot: BotRunner) -> Timeline:
    return Timeline(clock, fake, bot)
