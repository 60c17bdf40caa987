"""Glue for tests: point discord.py at a fake and run a bot against it.

Example::

    async with serving() as fake:
        guild = fake.add_guild("G", owner=fake.add_user("alice"))
        async with running(fake, MyBot()) as bot:
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import discord
import yarl

from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Set ``discord.http.Route.BASE`` to the fake; restore it and ``DEFAULT_GATEWAY`` after."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base_url
    try:
        yield fake
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[FakeDiscord]:
    """Start a :class:`FakeDiscord` (options as for its constructor) and point discord.py at it."""
    fake = FakeDiscord(**options)
    await fake.start()
    try:
        with pointed_at(fake):
            yield fake
    finally:
        await fake.stop()


async def use_gateway_from_api(client: discord.Client) -> None:
    """What a bot's ``setup_hook`` does: take the gateway URL from ``GET /gateway/bot``."""
    _, url, _ = await client.http.get_bot_gateway()
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


@contextlib.asynccontextmanager
async def running(
    fake: FakeDiscord,
    client: ClientT,
    *,
    timeout: float = 10,  # noqa: ASYNC109
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``fake``, wait until the gateway is ready, close it after.

    An exception that ends the client (e.g. PrivilegedIntentsRequired) is raised."""
    task = asyncio.create_task(client.start(fake.token))
    ready = asyncio.create_task(fake.wait_until_ready(timeout=timeout))
    try:
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            ready.cancel()
            task.result()
            raise AssertionError("the client stopped before the gateway was ready")
        ready.result()
        yield client
    finally:
        ready.cancel()
        await client.close()
        await asyncio.wait_for(task, timeout)  # re-raises whatever ended the client
