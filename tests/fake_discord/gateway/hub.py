"""The gateway hub: accepts connections, identifies and resumes sessions, routes world events to them."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .. import scheduled_events
from ..state import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    INTENT_MESSAGE_CONTENT,
    PRIVILEGED_INTENTS,
    FakeGuild,
)
from ..util import iso
from .sessions import (
    _CLOSE,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_PRESENCE_UPDATE,
    OP_RECONNECT,
    OP_REQUEST_GUILD_MEMBERS,
    OP_RESUME,
    OP_VOICE_STATE_UPDATE,
    Connection,
    Session,
)

if TYPE_CHECKING:
    from ..server import FakeDiscord

#: All intent bits Discord defines (others -> 4013 Invalid intent(s)).
KNOWN_INTENTS = (1 << 26) - 1


class GatewayHub:
    """Accepts websocket connections and routes world events to sessions."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.resume_payloads: list[dict[str, Any]] = []
        self.dispatch_log: list[tuple[str, str, Any]] = []
        self.resumed_count = 0
        self.identified_count = 0
        self.close_codes: list[int | None] = []
        # While True, a new session gets READY (its guilds unavailable) but no GUILD_CREATE until
        # release_guilds(): the first seconds after a start, when discord.py's cache is still empty.
        self.holding_guilds = False
        self._held: list[tuple[Session, Connection, list[FakeGuild]]] = []
        self._changed = asyncio.Event()

    # ----------------------------------------------------------------- waiting helpers
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], within: float, what: str) -> None:
        """Wait until ``predicate()`` holds (re-checked on every gateway state change)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        timeout = within
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, 0.1))

    def live_sessions(self) -> list[Session]:
        """Sessions that are connected."""
        return [s for s in self.sessions.values() if s.conn is not None and not s.invalid]

    def shards_ready(self, shard_ids: list[int] | None = None) -> bool:
        """True when each shard (default: 0..n-1 of the newest shard count) has a ready session."""
        live = [s for s in self.sessions.values() if not s.invalid]
        if not live:
            return False
        wanted = set(shard_ids) if shard_ids is not None else set(range(max(s.shard_count for s in live)))
        ready = {s.shard_id for s in live if s.ready and s.conn is not None}
        return wanted <= ready

    # ----------------------------------------------------------------- routing
    def emit(
        self,
        event: str,
        data: Any,
        *,
        guild_id: int | None = None,
        intent: int | None = None,
        content_gated: bool = False,
        guild_create: FakeGuild | None = None,
    ) -> None:
        """Send a dispatch to every session owning ``guild_id`` whose intents ask for it."""
        for session in list(self.sessions.values()):
            if session.invalid or not session.owns_guild(guild_id):
                continue
            if intent is not None and not session.intents & intent:
                continue
            if guild_create is not None:
                payload = self.guild_create_payload(session, guild_create, initial=False)
            elif content_gated and not session.intents & INTENT_MESSAGE_CONTENT:
                payload = strip_content(data)
            else:
                payload = copy.deepcopy(data)
            session.dispatch(event, payload)

    def guild_create_payload(self, session: Session, guild: FakeGuild, *, initial: bool) -> dict[str, Any]:
        """GUILD_CREATE for one session (members depend on intents, as on Discord)."""
        world = self.fake.world
        data = guild.to_dict()
        large = len(guild.members) >= session.large_threshold
        if session.intents & INTENT_GUILD_PRESENCES and not large:
            members = [m.to_dict() for m in guild.members.values()]
        else:
            members = [guild.bot_member.to_dict()]
        channels = [c.to_dict() for c in guild.channels.values() if not c.is_thread and not c.deleted]
        threads = [
            c.to_dict()
            for c in guild.channels.values()
            if c.is_thread and not c.deleted and not c.archived and world.bot_can_view(c)
        ]
        data.update(
            {
                "joined_at": iso(guild.bot_member.joined_at),
                "large": large,
                "member_count": len(guild.members),
                "voice_states": [],
                "members": members,
                "channels": channels,
                "threads": threads,
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": scheduled_events.gateway_list(world, guild),
                "soundboard_sounds": [],
                "embedded_activities": [],
                "activity_instances": [],
                "lazy": True,
            }
        )
        if initial:
            data["unavailable"] = False
        return data

    # ----------------------------------------------------------------- faults
    def drop(self, *, resumable: bool = True, abrupt: bool = False, code: int = 4000) -> int:
        """Disconnect every live session; returns how many were dropped."""
        count = 0
        for session in self.live_sessions():
            conn = session.conn
            assert conn is not None
            session.conn = None
            session.ready = False
            count += 1
            if not resumable:
                session.invalid = True
                conn.send({"op": OP_INVALID_SESSION, "d": False})
                continue
            if abrupt:
                conn.abort()
            else:
                conn.close(code, "fake discord: dropped")
        self._notify()
        return count

    def send_reconnect(self) -> int:
        """Send RECONNECT (op 7) to every live session; the client resumes."""
        count = 0
        for session in self.live_sessions():
            assert session.conn is not None
            session.conn.send({"op": OP_RECONNECT, "d": None})
            count += 1
        return count

    # ----------------------------------------------------------------- websocket handler
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The ``/gateway`` websocket endpoint."""
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        version = request.query.get("v", "10")
        compress = request.query.get("compress") == "zlib-stream"
        conn = Connection(ws, request, compress)
        self.connections.append(conn)
        if version != "10":
            conn.close(4012, "Invalid API version")
        else:
            conn.send({"op": OP_HELLO, "d": {"heartbeat_interval": self.fake.heartbeat_interval}})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                        op = payload["op"]
                    except (ValueError, KeyError, TypeError):
                        conn.close(4002, "Error while decoding payload.")
                        continue
                    self._on_payload(conn, op, payload.get("d"))
                elif msg.type == WSMsgType.BINARY:
                    conn.close(4002, "Error while decoding payload.")
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self.close_codes.append(ws.close_code)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                session.ready = False
                # A client closing with 1000/1001 ends its session (it cannot RESUME it).
                if ws.close_code in (1000, 1001) and not conn.closed:
                    session.invalid = True
            conn.closed = True
            with contextlib.suppress(Exception):
                conn.queue.put_nowait((_CLOSE, 1000, ""))
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(conn.writer, 1.0)
            self._notify()
        return ws

    def _on_payload(self, conn: Connection, op: int, data: Any) -> None:
        if conn.closed:
            return
        if op == OP_HEARTBEAT:
            conn.send({"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            self._identify(conn, data or {})
        elif op == OP_RESUME:
            self._resume(conn, data or {})
        elif conn.session is None:
            conn.close(4003, "Not authenticated.")
        elif op == OP_PRESENCE_UPDATE:
            conn.session.presence = data
        elif op == OP_VOICE_STATE_UPDATE:
            pass
        elif op == OP_REQUEST_GUILD_MEMBERS:
            self._request_members(conn.session, data or {})
        else:
            conn.close(4001, "Unknown opcode.")

    def _token_ok(self, token: Any) -> bool:
        return token in (self.fake.token, f"Bot {self.fake.token}")

    def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        self.identify_payloads.append(copy.deepcopy(data))
        if conn.session is not None:
            conn.close(4005, "Already authenticated.")
            return
        if not self._token_ok(data.get("token")):
            conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~KNOWN_INTENTS:
            conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.fake.privileged_intents:
            conn.close(4014, "Disallowed intent(s).")
            return
        shard = data.get("shard") or [0, 1]
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or int(shard[1]) < 1
            or not 0 <= int(shard[0]) < int(shard[1])
        ):
            conn.close(4010, "Invalid shard.")
            return
        session = Session(self, data)
        self.sessions[session.id] = session
        session.conn = conn
        conn.session = session
        self.identified_count += 1
        world = self.fake.world
        guilds = [g for g in world.guilds.values() if g.bot_present and session.owns_guild(g.id)]
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": world.bot_user.to_dict() | {"verified": True, "mfa_enabled": False, "email": None},
                "user_settings": {},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "presences": [],
                "private_channels": [],
                "relationships": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["rotterdam", "madrid"],
                "session_type": "normal",
                "session_id": session.id,
                "resume_gateway_url": self.fake.gateway_url,
                "shard": [session.shard_id, session.shard_count],
                "application": {"id": str(world.application_id), "flags": self.fake.application_flags},
                "auth": {},
                "_trace": ['["fake-discord",{"micros":0}]'],
            },
        )
        if self.holding_guilds:
            self._held.append((session, conn, guilds))
        else:
            self._send_guilds(session, conn, guilds)
        self._notify()

    def _send_guilds(self, session: Session, conn: Connection, guilds: list[FakeGuild]) -> None:
        for guild in guilds:
            session.dispatch("GUILD_CREATE", self.guild_create_payload(session, guild, initial=True))

        def mark_ready() -> None:
            if session.conn is conn:
                session.ready = True
            self._notify()

        conn.after_flush(mark_ready)

    def release_guilds(self) -> int:
        """Send the GUILD_CREATEs held back; return how many sessions got them."""
        self.holding_guilds = False
        held, self._held = self._held, []
        for session, conn, guilds in held:
            if session.conn is conn:
                self._send_guilds(session, conn, guilds)
        self._notify()
        return len(held)

    def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        self.resume_payloads.append(copy.deepcopy(data))
        if not self._token_ok(data.get("token")):
            conn.close(4004, "Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalid:
            conn.send({"op": OP_INVALID_SESSION, "d": False})
            return
        seq = data.get("seq") or 0
        if session.history and seq < session.history[0]["s"] - 1:
            conn.send({"op": OP_INVALID_SESSION, "d": False})  # the missed events are gone
            return
        if session.conn is not None and session.conn is not conn:
            old = session.conn
            session.conn = None
            old.close(4000, "resumed elsewhere")
        session.conn = conn
        conn.session = session
        for frame in list(session.history):
            if frame["s"] > seq:
                conn.send(frame)
        session.dispatch("RESUMED", {"_trace": ['["fake-discord",{"micros":0}]']})

        def mark_resumed() -> None:
            if session.conn is conn:
                session.ready = True
                self.resumed_count += 1
            self._notify()

        conn.after_flush(mark_resumed)

    def _request_members(self, session: Session, data: dict[str, Any]) -> None:
        world = self.fake.world
        guild = world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None or not guild.bot_present:
            return
        user_ids = {int(u) for u in (data.get("user_ids") or [])}
        query = data.get("query")
        limit = int(data.get("limit") or 0)
        members = list(guild.members.values())
        not_found: list[str] = []
        if user_ids:
            not_found = [str(u) for u in user_ids if u not in guild.members]
            members = [m for m in members if m.id in user_ids]
        elif query is not None:
            if query == "" and not session.intents & INTENT_GUILD_MEMBERS:
                members = []
            else:
                q = query.lower()
                members = [
                    m
                    for m in members
                    if m.user.name.lower().startswith(q) or (m.nick or "").lower().startswith(q)
                ]
        if limit:
            members = members[:limit]
        payload: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.to_dict() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if not_found:
            payload["not_found"] = not_found
        if data.get("presences"):
            payload["presences"] = []
        if data.get("nonce") is not None:
            payload["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", payload)


def strip_content(data: dict[str, Any]) -> dict[str, Any]:
    """A message payload as seen without the MESSAGE_CONTENT intent."""
    out = copy.deepcopy(data)
    out["content"] = ""
    out["embeds"] = []
    out["attachments"] = []
    out["components"] = []
    out.pop("poll", None)
    return out
