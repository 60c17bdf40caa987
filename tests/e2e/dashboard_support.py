"""Helpers for the dashboard's tests: the app beside the running bot, signing in, the world."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from yarl import URL

from bot.config import Settings, WebSettings
from bot.runtime import BotRunner
from bot.web.app import build_app, set_base_url
from tests.e2e.conftest import World, final, settings_for
from tests.fake_discord import FakeDiscord

SESSION_SECRET = "a-session-secret-for-the-dashboard-tests-0123456789"


def web_settings(fake: FakeDiscord, **values: object) -> WebSettings:
    return WebSettings(
        client_id=fake.application_id,
        client_secret=fake.oauth.client_secret,
        session_secret=SESSION_SECRET,
        **values,
    )


def with_dashboard(settings: Settings, fake: FakeDiscord, **values: object) -> Settings:
    return settings.model_copy(update={"web": web_settings(fake, **values)})


@contextlib.asynccontextmanager
async def dashboard(
    fake: FakeDiscord,
    runner: BotRunner,
    database_url: str,
    *,
    alone: bool = False,
    research_key: str | None = None,
    **values: object,
) -> AsyncIterator[TestClient]:
    """The dashboard for the running bot, served by aiohttp's test server.

    ``alone``: as `mentorbot web` runs it, without the bot's connection (the bot confirms matches).
    ``research_key``: the operator set one, so the research export can be downloaded.
    """
    assert runner.services is not None and runner.bot is not None
    settings = with_dashboard(settings_for(fake, database_url), fake, **values)
    if research_key is not None:
        privacy = settings.privacy.model_copy(update={"research_key": SecretStr(research_key)})
        settings = settings.model_copy(update={"privacy": privacy})
    app = build_app(settings, runner.services, runner.bot, can_create_groups=not alone)
    client = TestClient(TestServer(app))
    await client.start_server()
    base = settings.web.public_url or str(client.make_url("")).rstrip("/")
    set_base_url(app, base)
    fake.oauth.redirect_uris.add(base + "/oauth/callback")
    try:
        yield client
    finally:
        await client.close()


async def consent(fake: FakeDiscord, user, authorize_url: str) -> URL:
    """Play the person on Discord's consent page: press Authorize; return where Discord sends them."""
    fake.oauth.signed_in = user
    async with aiohttp.ClientSession() as discord_tab:
        page = await discord_tab.get(authorize_url)
        assert page.status == 200, await page.text()
        back = await discord_tab.post(authorize_url, data={"answer": "authorize"}, allow_redirects=False)
        assert back.status == 302
        return URL(back.headers["Location"])


async def sign_in(client: TestClient, fake: FakeDiscord, user, next_path: str = "/"):
    """Sign ``user`` in through the fake Discord; return the dashboard's answer to the callback."""
    start = await client.get("/login", params={"next": next_path}, allow_redirects=False)
    assert start.status == 302
    back = await consent(fake, user, start.headers["Location"])
    return await client.get(back.path_qs, allow_redirects=False)


async def csrf_of(client: TestClient, path: str = "/") -> str:
    """Return the CSRF token the dashboard put in a page's forms."""
    html = await (await client.get(path)).text()
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found[1]


def link_id(html: str, name: str) -> int:
    """Return the id in the link to a group named ``name``."""
    found = re.search(rf'/groups/(\d+)">{re.escape(name)}<', html)
    assert found, f"no link to {name!r}"
    return int(found[1])


async def make_circle(fake: FakeDiscord, world: World):
    """A coordinator creates "Circle": carol facilitates, alice and bob are peers (slash commands)."""
    carol = fake.add_user("carol", global_name="Carol")
    world.guild.add_member(carol)
    owner, guild = world.owner, world.guild
    await final(await fake.slash(owner, guild, "group create", name="Circle", kind="facilitated_peer"))
    for user, role in ((carol, "facilitator"), (world.alice, "peer"), (world.bob, "peer")):
        added = await fake.slash(owner, guild, "group add", group="Circle", role=role, options={"user": user})
        await final(added)
    return carol
