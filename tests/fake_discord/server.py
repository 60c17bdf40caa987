"""The :class:`FakeDiscord` facade: one aiohttp server (REST under ``/api/v10`` and the gateway
websocket at ``/gateway``) on 127.0.0.1, plus the world, the faults and the user driver."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import routes as _routes  # noqa: F401  (registers the route handlers)
from . import scheduled_events
from .driver import DriverMixin
from .gateway import GatewayHub
from .interactions import FakeInteraction
from .permissions import DEFAULT_BOT, DEFAULT_EVERYONE
from .rest import (
    FAULT_KINDS,
    OTHER_FAULT_KINDS,
    ROUTES,
    FaultRule,
    HeldAnswers,
    HeldRequests,
    RateLimitRule,
    RecordedRequest,
    RestServer,
)
from .routes.oauth2 import FAKE, OAuthApp, authorize
from .scheduled_events import FakeScheduledEvent
from .state import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    INTENT_MESSAGE_CONTENT,
    FakeChannel,
    FakeGuild,
    FakeUser,
    World,
)
from .util import utcnow


class FakeDiscord(DriverMixin):
    """A fake Discord for end-to-end tests with the real discord.py client.

    Point discord.py at it with ``discord.http.Route.BASE = fake.api_base_url``; the bot then
    finds the gateway through ``GET /gateway/bot``.

    ``privileged_intents`` lists the privileged intents enabled for the application (default
    none: IDENTIFY asking for GUILD_MEMBERS, GUILD_PRESENCES or MESSAGE_CONTENT is closed
    with 4014, and the member-list endpoints answer 403 50001 without GUILD_MEMBERS).
    ``global_rate_limit`` is Discord's 50 requests/s per bot (interactions exempt); None
    disables it. ``nonce_memory``: how many seconds a message nonce is remembered. ``clock``:
    Discord's now (snowflakes' times, scheduled events, timeouts), the real clock by default.
    """

    def __init__(
        self,
        token: str = "test-token",
        *,
        bot_name: str = "TestBot",
        privileged_intents: int = 0,
        heartbeat_interval: int = 41250,
        global_rate_limit: int | None = 50,
        recommended_shards: int = 1,
        interaction_deadline: float = 3.0,
        component_grace: float = 0.05,
        nonce_memory: float = 300.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.token = token
        self.privileged_intents = privileged_intents
        self.heartbeat_interval = heartbeat_interval
        self.global_rate_limit = global_rate_limit
        self.recommended_shards = recommended_shards
        self.interaction_deadline = interaction_deadline
        self.interaction_token_lifetime = 15 * 60.0
        self.component_grace = component_grace
        self.world = World(bot_name=bot_name, nonce_memory=nonce_memory, clock=clock)
        self.hub = GatewayHub(self)
        self.world.emit = self.hub.emit
        self.rest = RestServer(self)
        self.oauth = OAuthApp()  # Sign in with Discord: see routes/oauth2.py
        self._last_interaction: FakeInteraction | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._resume_target = 1

    # ================================================================= lifecycle
    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app[FAKE] = self
        app.router.add_route("GET", "/oauth2/authorize", authorize)  # Discord's page, not the API
        app.router.add_route("POST", "/oauth2/authorize", authorize)
        app.router.add_route("*", "/api/{tail:.*}", self.rest.handle)
        app.router.add_get("/gateway", self.hub.handle)
        app.router.add_get("/gateway/", self.hub.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._serve_attachment)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.world.base_url = f"http://127.0.0.1:{self._port}"

    async def stop(self) -> None:
        """Close every websocket and stop listening."""
        for conn in list(self.hub.connections):
            if not conn.ws.closed:
                try:
                    await asyncio.wait_for(conn.ws.close(code=1001, message=b"fake discord stopping"), 1.0)
                except (TimeoutError, ConnectionError, RuntimeError):
                    conn.abort()
            conn.writer.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        entry = self.world.files.get(int(request.match_info["attachment_id"]))
        if entry is None:
            return web.Response(status=404)
        _, data, ctype = entry
        return web.Response(body=data, headers={"Content-Type": ctype})

    # ================================================================= addresses & identity
    @property
    def port(self) -> int:
        """The port the fake listens on."""
        assert self._port is not None, "call await fake.start() first"
        return self._port

    @property
    def api_base_url(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The gateway websocket URL (also what ``/gateway/bot`` answers)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def application_id(self) -> int:
        """The application's id (also the bot user's id, as for modern apps)."""
        return self.world.application_id

    @property
    def bot_user(self) -> FakeUser:
        """The bot's user."""
        return self.world.bot_user

    @property
    def application_flags(self) -> int:
        """Application flags matching the enabled privileged intents (limited variants)."""
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        if self.privileged_intents & INTENT_GUILD_PRESENCES:
            flags |= 1 << 13
        if self.privileged_intents & INTENT_GUILD_MEMBERS:
            flags |= 1 << 15
        if self.privileged_intents & INTENT_MESSAGE_CONTENT:
            flags |= 1 << 19
        return flags

    # ================================================================= world
    def add_user(self, name: str, *, global_name: str | None = None, bot: bool = False) -> FakeUser:
        """A new user (join them to guilds with ``guild.add_member``)."""
        return self.world.add_user(name, global_name=global_name, bot=bot)

    def add_guild(
        self,
        name: str,
        owner: FakeUser,
        *,
        bot_permissions: int = DEFAULT_BOT,
        everyone_permissions: int = DEFAULT_EVERYONE,
        shard_id: int | None = None,
        shard_count: int | None = None,
        with_default_channel: bool = False,
    ) -> FakeGuild:
        """The bot joins a new guild (GUILD_CREATE). It gets @everyone (id == guild id), the
        owner and the bot's managed role with ``bot_permissions``; no channels unless
        ``with_default_channel`` (a ``#general``).
        ``shard_id``/``shard_count`` pick an id that lands on that shard."""
        guild_id = None
        if shard_id is not None:
            guild_id = self.world.ids.for_shard(shard_id, shard_count or self.recommended_shards)
        return self.world.add_guild(
            name,
            owner,
            bot_permissions=bot_permissions,
            everyone_permissions=everyone_permissions,
            guild_id=guild_id,
            with_default_channel=with_default_channel,
        )

    def remove_guild(self, guild: FakeGuild) -> None:
        """The bot is kicked from the guild (GUILD_DELETE); its REST calls there get 403 50001."""
        self.world.remove_guild(guild)

    def rejoin_guild(self, guild: FakeGuild) -> None:
        """The bot is invited back (GUILD_CREATE)."""
        self.world.rejoin_guild(guild)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The user's DM channel with the bot."""
        return self.world.dm_channel(user)

    def delete_channel(self, channel: FakeChannel) -> None:
        """Someone deletes the channel (CHANNEL_DELETE); later calls get 404 10003."""
        self.world.delete_channel(channel)

    def archive_thread(self, thread: FakeChannel, *, locked: bool = False) -> None:
        """The thread auto-archives (THREAD_UPDATE)."""
        thread.archived = True
        thread.locked = locked or thread.locked
        self.world.emit_channel_update(thread)

    def join_thread(self, user: FakeUser, thread: FakeChannel) -> None:
        """A user joins a thread (THREAD_MEMBERS_UPDATE)."""
        self.world.add_thread_member(thread, user)

    # ================================================================= scheduled events
    @property
    def clock(self) -> Callable[[], dt.datetime]:
        """What "now" is for scheduled events (their start in the future, status automation)."""
        return self.world.clock

    @clock.setter
    def clock(self, now: Callable[[], dt.datetime]) -> None:
        self.world.clock = now

    def scheduled_events(self, guild: FakeGuild) -> list[FakeScheduledEvent]:
        """The guild's scheduled events (any status), oldest first, after status automation."""
        scheduled_events.run_automation(self.world, guild)
        return sorted(guild.scheduled_events.values(), key=lambda e: e.id)

    def add_scheduled_event(
        self,
        guild: FakeGuild,
        name: str,
        *,
        creator: FakeUser,
        start: dt.datetime,
        end: dt.datetime | None = None,
        location: str | None = None,
        channel: FakeChannel | None = None,
    ) -> FakeScheduledEvent:
        """A member creates an event in the client (GUILD_SCHEDULED_EVENT_CREATE): EXTERNAL with
        ``location`` (and ``end``), else VOICE or STAGE_INSTANCE in ``channel``."""
        if channel is None:
            kind = scheduled_events.EXTERNAL
            if location is None or end is None:
                raise AssertionError("an external event needs a location and an end")
        else:
            kind = scheduled_events.STAGE_INSTANCE if channel.type == 13 else scheduled_events.VOICE
        event = FakeScheduledEvent(
            guild,
            self.world.ids.next(),
            name=name,
            creator=creator,
            start=start,
            end=end,
            entity_type=kind,
            channel_id=channel.id if channel is not None else None,
            location=location,
        )
        guild.scheduled_events[event.id] = event
        scheduled_events.emit_event(self.world, "CREATE", event)
        return event

    def advance_scheduled_events(self) -> None:
        """Apply Discord's status automation as of ``clock()`` (GUILD_SCHEDULED_EVENT_UPDATEs)."""
        scheduled_events.run_automation(self.world)

    def mark_interested(self, user: FakeUser, event: FakeScheduledEvent, interested: bool = True) -> None:
        """A member presses "Interested" on an event (GUILD_SCHEDULED_EVENT_USER_ADD/_REMOVE)."""
        if event.guild.member(user) is None:
            raise AssertionError(f"{user.name} is not a member of {event.guild.name}")
        if interested == (user.id in event.subscribers):
            return
        if interested:
            event.subscribers.append(user.id)
        else:
            event.subscribers.remove(user.id)
        if scheduled_events.bot_sees(self.world, event):
            self.world.emit(
                "GUILD_SCHEDULED_EVENT_USER_" + ("ADD" if interested else "REMOVE"),
                {
                    "guild_scheduled_event_id": str(event.id),
                    "user_id": str(user.id),
                    "guild_id": str(event.guild.id),
                },
                guild_id=event.guild.id,
                intent=scheduled_events.INTENT_GUILD_SCHEDULED_EVENTS,
            )

    # ================================================================= observing
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST call, in order."""
        return self.rest.requests

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Calls to routes the fake does not implement (answered 404)."""
        return self.rest.unknown_requests

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        """Recorded calls matching a method and route template."""
        return [r for r in self.rest.requests if r.method == method and r.route == route]

    @property
    def identify_payloads(self) -> list[dict[str, Any]]:
        """IDENTIFY payloads received."""
        return self.hub.identify_payloads

    @property
    def resume_payloads(self) -> list[dict[str, Any]]:
        """RESUME payloads received."""
        return self.hub.resume_payloads

    @property
    def dispatched(self) -> list[tuple[str, Any]]:
        """Every dispatch sent (event name, payload), all sessions."""
        return [(event, data) for _, event, data in self.hub.dispatch_log]

    @property
    def global_commands(self) -> list[dict[str, Any]]:
        """Global application commands as stored."""
        return copy.deepcopy(self.world.global_commands)

    def guild_commands(self, guild: FakeGuild | int) -> list[dict[str, Any]]:
        """Guild application commands as stored."""
        gid = guild.id if isinstance(guild, FakeGuild) else int(guild)
        return copy.deepcopy(self.world.guild_commands.get(gid, []))

    def channel_messages(self, channel: FakeChannel | int) -> list[dict[str, Any]]:
        """Messages currently in a channel/thread/DM, oldest first (never ephemeral ones)."""
        cid = channel.id if isinstance(channel, FakeChannel) else int(channel)
        chan = self.world.channels.get(cid)
        if chan is None:
            return []
        return [copy.deepcopy(chan.messages[mid]) for mid in sorted(chan.messages)]

    def dm_messages(self, user: FakeUser) -> list[dict[str, Any]]:
        """Messages the bot sent in its DM with ``user``, oldest first."""
        chan = self.world.dm_channels.get(user.id)
        if chan is None:
            return []
        bot_id = str(self.world.bot_user.id)
        return [m for m in self.channel_messages(chan) if m["author"]["id"] == bot_id]

    def ephemeral_messages(self, user: FakeUser) -> list[dict[str, Any]]:
        """Ephemeral messages shown to ``user``, oldest first."""
        uid = str(user.id)
        found = [
            m
            for m in self.world.ephemeral.values()
            if (m.get("interaction_metadata") or {}).get("user", {}).get("id") == uid
        ]
        return [copy.deepcopy(m) for m in sorted(found, key=lambda m: int(m["id"]))]

    def get_message(self, message_id: int | str) -> dict[str, Any] | None:
        """The current payload of a message (or None)."""
        msg = self.world.get_message(int(message_id))
        return copy.deepcopy(msg) if msg is not None else None

    # ================================================================= faults
    def close_dms(self, user: FakeUser) -> None:
        """The user closes DMs: the bot's DMs to them get 403 50007."""
        user.dms_open = False

    def open_dms(self, user: FakeUser) -> None:
        """Undo :meth:`close_dms`."""
        user.dms_open = True

    def rate_limit(
        self,
        method: str,
        route: str,
        times: int = 1,
        retry_after: float = 0.05,
        global_: bool = False,
        scope: str = "user",
    ) -> RateLimitRule:
        """The next ``times`` calls to ``method route`` answer 429 (with ``Via`` and the
        X-RateLimit-* headers, as Discord). ``route`` is a template such as
        ``"/channels/{channel_id}/messages"``."""
        method = method.upper()
        if not any(r.method == method and r.template == route for r in ROUTES):
            same_method = sorted(r.template for r in ROUTES if r.method == method)
            raise ValueError(f"{method} {route} is not a route of the fake; {method} routes: {same_method}")
        rule = RateLimitRule(method, route, times, retry_after, global_, "global" if global_ else scope)
        self.rest.rate_limit_rules.append(rule)
        return rule

    def inject_faults(
        self,
        method: str,
        route: str,
        share: float,
        kinds: tuple[str, ...] = FAULT_KINDS,
        *,
        retry_after: float = 0.05,
        seed: int = 0,
    ) -> FaultRule:
        """From now on a ``share`` (0..1) of the calls to ``method route`` answer a fault drawn from
        ``kinds``: 429s (route, shared or global, with ``retry_after``) and 5xx, some of them after
        the call took effect (see :class:`~tests.fake_discord.rest.FaultRule`). Seeded: the same
        sequence of calls meets the same faults. ``rule.injected`` counts them; set
        ``rule.share = 0`` to stop."""
        method = method.upper()
        if not any(r.method == method and r.template == route for r in ROUTES):
            raise ValueError(f"{method} {route} is not a route of the fake")
        known = FAULT_KINDS + OTHER_FAULT_KINDS
        if unknown := set(kinds) - set(known):
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {known}")
        rule = FaultRule(method, route, share, tuple(kinds), retry_after, random.Random(seed))
        self.rest.fault_rules.append(rule)
        return rule

    def hold_answers(self, method: str, route: str) -> HeldAnswers:
        """From now on calls to ``method route`` take effect but their answers wait until
        ``held.release()`` (a slow network; a client that dies meanwhile never learns the outcome).
        ``held.waiting`` counts the calls done."""
        method = method.upper()
        if not any(r.method == method and r.template == route for r in ROUTES):
            raise ValueError(f"{method} {route} is not a route of the fake")
        held = HeldAnswers(method, route)
        self.rest.holds.append(held)
        return held

    def hold_requests(self, method: str, route: str) -> HeldRequests:
        """From now on calls to ``method route`` wait before they take effect, until
        ``held.release()``; ``held.drop()`` loses them (they never reach Discord, as when the
        network drops a request of a client that is killed meanwhile). ``held.waiting`` counts them."""
        method = method.upper()
        if not any(r.method == method and r.template == route for r in ROUTES):
            raise ValueError(f"{method} {route} is not a route of the fake")
        held = HeldRequests(method, route)
        self.rest.request_holds.append(held)
        return held

    def hold_guilds(self) -> None:
        """From now on a session that identifies gets READY, its guilds unavailable, but their
        GUILD_CREATEs wait for :meth:`release_guilds`: the bot's first second after a start, when
        discord.py knows no server, channel or member yet (``get_guild`` answers None)."""
        self.hub.holding_guilds = True

    def release_guilds(self) -> int:
        """Send the held GUILD_CREATEs (the servers arrive); return how many sessions were waiting."""
        return self.hub.release_guilds()

    async def drop_gateway(self, *, resumable: bool = True, abrupt: bool = False, code: int = 4000) -> int:
        """Disconnect every live gateway session. ``resumable``: close (code 4000, or the TCP
        connection when ``abrupt``) and let the client RESUME; otherwise INVALID_SESSION
        (``d: false``) so it must IDENTIFY again. Returns the number of sessions dropped."""
        count = self.hub.drop(resumable=resumable, abrupt=abrupt, code=code)
        self._resume_target = self.hub.resumed_count + max(count, 1)
        await asyncio.sleep(0)
        return count

    async def request_reconnect(self) -> int:
        """Send RECONNECT (op 7); the client reconnects and resumes."""
        count = self.hub.send_reconnect()
        self._resume_target = self.hub.resumed_count + max(count, 1)
        return count

    async def wait_for_resume(self, timeout: float = 10) -> None:  # noqa: ASYNC109 (public API)
        """Wait until every session dropped by the last drop/reconnect RESUMED (replay done)."""
        await self.hub.wait_for(lambda: self.hub.resumed_count >= self._resume_target, timeout, "a RESUME")
        await asyncio.sleep(self.component_grace)

    async def wait_until_ready(self, timeout: float = 10, shard_ids: list[int] | None = None) -> None:  # noqa: ASYNC109
        """Wait until every shard (default: 0..shard_count-1) has a session that identified
        (or resumed) and whose READY + GUILD_CREATEs were written to the socket."""
        await self.hub.wait_for(lambda: self.hub.shards_ready(shard_ids), timeout, "the gateway to be ready")
        await asyncio.sleep(self.component_grace)

    async def settle(self, delay: float | None = None) -> None:
        """Wait until every gateway event queued so far was written, then ``delay`` seconds
        (default ``component_grace``) so that the bot's handlers run."""
        loop = asyncio.get_running_loop()
        flushed = []
        for conn in self.hub.connections:
            if conn.closed or conn.writer.done():
                continue
            done = loop.create_future()
            conn.after_flush(lambda fut=done: fut.done() or fut.set_result(None))
            flushed.append(done)
        if flushed:
            await asyncio.wait(flushed, timeout=5)
        await asyncio.sleep(self.component_grace if delay is None else delay)
