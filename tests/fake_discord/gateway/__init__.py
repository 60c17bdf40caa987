"""The gateway: websocket sessions, shards, intents, sequence numbers, RESUME.

Protocol (Discord API v10, https://discord.com/developers/docs/events/gateway):

* on connect the server sends HELLO (op 10); the client heartbeats (op 1 -> op 11 ACK);
* IDENTIFY (op 2) -> READY (guilds as unavailable) then one GUILD_CREATE per guild of the shard
  (``(guild_id >> 22) % shard_count == shard_id``); DMs and interactions outside guilds go to
  shard 0;
* every dispatch (op 0) carries an increasing ``s``; dispatches are kept per session so that
  RESUME (op 6) replays those after the client's ``seq`` and then sends RESUMED;
* an unknown/invalidated session answers RESUME with INVALID_SESSION (op 9, ``d: false``);
* privileged intents the application is not allowed -> close 4014 "Disallowed intent(s).".

Transport: ``compress=zlib-stream`` gives binary frames from one zlib stream per connection,
each payload ending with a Z_SYNC_FLUSH; otherwise plain JSON text frames.

- ``hub.py``: :class:`GatewayHub`: accepts connections, identifies and resumes sessions,
  routes the world's events to them, and injects faults (drops, reconnects).
- ``sessions.py``: a connection's frames and a session's shard, sequence and history.
"""

from ..state import INTENT_GUILDS
from .hub import GatewayHub
from .sessions import Session

__all__ = ["INTENT_GUILDS", "GatewayHub", "Session"]
