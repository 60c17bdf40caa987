"""Gateway connections (one websocket, zlib-stream or JSON frames) and sessions (shard, sequence, history)."""

from __future__ import annotations

import asyncio
import collections
import logging
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..util import dumps, make_token

if TYPE_CHECKING:
    from .hub import GatewayHub

_log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

_CLOSE = object()


class Connection:
    """One websocket connection; frames are written in order by a writer task."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: bool) -> None:
        self.ws = ws
        self.request = request
        self._zlib = zlib.compressobj() if compress else None
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.session: Session | None = None
        self.closed = False
        self.writer = asyncio.get_running_loop().create_task(self._writer())

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame."""
        if not self.closed:
            self.queue.put_nowait(frame)

    def after_flush(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once every frame queued so far has been written."""
        self.queue.put_nowait(("callback", callback))

    def close(self, code: int, message: str = "") -> None:
        """Close after the frames already queued."""
        if not self.closed:
            self.closed = True
            self.queue.put_nowait((_CLOSE, code, message))

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        self.closed = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def _writer(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                if isinstance(item, tuple) and item and item[0] == "callback":
                    item[1]()
                    continue
                if isinstance(item, tuple) and item and item[0] is _CLOSE:
                    await self.ws.close(code=item[1], message=item[2].encode())
                    return
                if self.ws.closed:
                    continue
                text = dumps(item)
                if self._zlib is not None:
                    data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError) as exc:  # the peer went away
                _log.debug("gateway write failed: %s", exc)
                self.closed = True
                return


class Session:
    """A gateway session: identified shard, intents, sequence and dispatch history."""

    def __init__(self, hub: GatewayHub, identify: dict[str, Any]) -> None:
        self.hub = hub
        self.id = make_token("session_")
        shard = identify.get("shard") or [0, 1]
        self.shard_id, self.shard_count = int(shard[0]), int(shard[1])
        self.intents = int(identify["intents"])
        self.large_threshold = int(identify.get("large_threshold") or 50)
        self.seq = 0
        self.history: collections.deque[dict[str, Any]] = collections.deque(maxlen=10000)
        self.conn: Connection | None = None
        self.invalid = False
        self.ready = False
        self.presence = identify.get("presence")

    def owns_guild(self, guild_id: int | None) -> bool:
        """Whether events of this guild (None = DMs) are sent to this session."""
        if guild_id is None:
            return self.shard_id == 0
        return (guild_id >> 22) % self.shard_count == self.shard_id

    def dispatch(self, event: str, data: Any) -> None:
        """Send (or, while disconnected, keep for RESUME) a dispatch."""
        self.seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.history.append(frame)
        self.hub.dispatch_log.append((self.id, event, data))
        if self.conn is not None:
            self.conn.send(frame)

    def __repr__(self) -> str:
        return f"<Session {self.id} shard={self.shard_id}/{self.shard_count} seq={self.seq}>"
