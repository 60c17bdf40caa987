"""Serving the dashboard: inside `mentorbot run` (``web.enabled``) or alone as `mentorbot web`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import discord
from aiohttp import web

from bot.clock import SystemClock
from bot.config import ConfigError, Settings
from bot.db.engine import Database
from bot.db.keys import check_readable
from bot.services.container import Services
from bot.web.app import build_app, set_base_url

log = logging.getLogger(__name__)


class WebServer:
    """Listens on ``host:port`` (port 0: any free one) until stopped."""

    def __init__(self, app: web.Application, host: str, port: int, *, public_url: str | None) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._public_url = public_url
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        """Start listening; return the address people open."""
        self._runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        try:
            await site.start()
        except OSError as error:  # the port is taken, or the address is not this machine's
            await self._runner.cleanup()
            self._runner = None
            raise ConfigError(
                f"web.host, web.port: the dashboard cannot listen on {self._host}:{self._port} "
                f"({error.strerror or error}); choose another port or stop what uses it"
            ) from None
        port = self._runner.addresses[0][1] if self._runner.addresses else self._port
        self.url = self._public_url or f"http://{self._host}:{port}"
        set_base_url(self._app, self.url)
        log.info("dashboard listening on %s:%s (open %s)", self._host, port, self.url)
        return self.url

    async def stop(self) -> None:
        """Stop listening and close what the dashboard opened."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def dashboard_for(settings: Settings, services: Services, client: discord.Client, *, bot: bool) -> WebServer:
    """Return the dashboard's server; ``bot``: the client is the connected bot (it can create groups)."""
    app = build_app(settings, services, client, can_create_groups=bot)
    web_settings = settings.web
    return WebServer(app, web_settings.host, web_settings.port, public_url=web_settings.public_url)


async def run_dashboard(settings: Settings, stop: asyncio.Event) -> None:
    """Run the dashboard alone (no gateway connection) until ``stop`` is set."""
    from bot.runtime import point_at_api  # the bot's runtime module: discord.py's REST base

    token = settings.bot_token()
    settings.web.require_sign_in()
    point_at_api(settings.discord.api_base_url)
    database = settings.database
    db = Database.from_url(
        database.url, keys=settings.privacy.key_ring(), busy_timeout=database.busy_timeout_seconds
    )
    client = discord.Client(intents=discord.Intents.none())
    server: WebServer | None = None
    try:
        await check_readable(db)
        services = Services.build(settings, db, SystemClock())
        await client.login(token)  # REST only: who people are in their servers, and their names
        server = dashboard_for(settings, services, client, bot=False)
        await server.start()
        await stop.wait()
    finally:
        if server is not None:
            await server.stop()
        await client.close()
        await db.dispose()


async def run_dashboard_until_signalled(settings: Settings) -> None:
    """Run the dashboard alone until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await run_dashboard(settings, stop)
