"""Signed cookies: the session and the sign-in state live in the browser, not in the database.

A value is ``base64url(json).signature`` where the signature is HMAC-SHA256 over the purpose
and the payload, so a cookie made for one purpose is refused for another, and one changed by
its holder is refused. Each carries its issue time; old ones are refused after ``max_age``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SESSION_COOKIE = "mentorbot_session"


@dataclass(frozen=True)
class Server:
    """A server listed for the person at sign-in, with what they are there."""

    id: int
    name: str
    role: str  # "coordinator" or "facilitator"


@dataclass(frozen=True)
class Session:
    """The signed-in person, as their session cookie says."""

    user_id: int
    name: str
    csrf: str  # every form carries it back
    servers: tuple[Server, ...]

    def to_cookie(self) -> dict[str, Any]:
        """Return the cookie's data."""
        return {
            "uid": str(self.user_id),
            "name": self.name,
            "csrf": self.csrf,
            "servers": [[str(s.id), s.name, s.role] for s in self.servers],
        }

    @classmethod
    def from_cookie(cls, data: dict[str, Any]) -> Session | None:
        """Return the session in a (verified) cookie, or None if it is not one."""
        try:
            servers = tuple(Server(int(i), str(n), str(r)) for i, n, r in data["servers"])
            return cls(int(data["uid"]), str(data["name"]), str(data["csrf"]), servers)
        except (KeyError, TypeError, ValueError):
            return None


class SignedCookies:
    """Signs and checks small JSON values with one secret."""

    def __init__(self, secret: str, *, now: Callable[[], float] = time.time) -> None:
        self._key = hashlib.sha256(b"mentorbot-web:" + secret.encode()).digest()
        self._now = now

    def dumps(self, purpose: str, data: dict[str, Any]) -> str:
        """Return ``data`` (with its issue time) signed for ``purpose``."""
        payload = base64.urlsafe_b64encode(
            json.dumps({**data, "iat": int(self._now())}, separators=(",", ":")).encode()
        ).decode().rstrip("=")
        return f"{payload}.{self._sign(purpose, payload)}"

    def loads(self, purpose: str, value: str | None, max_age: float) -> dict[str, Any] | None:
        """Return the data of a cookie signed for ``purpose`` and younger than ``max_age``, else None."""
        if not value or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature.encode(), self._sign(purpose, payload).encode()):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (binascii.Error, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("iat"), int):
            return None
        if not 0 <= self._now() - data["iat"] <= max_age:
            return None
        return data

    def _sign(self, purpose: str, payload: str) -> str:
        digest = hmac.new(self._key, f"{purpose}.{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
