"""Encryption at rest for members' free text, when the operator configures keys.

Free-text columns (bios, check-in answers, goal notes, moderation reasons, the outbox's copies
of messages) use :class:`EncryptedText` or :class:`EncryptedJSON`. With a key ring bound to the
engine, values are written as ``mbenc1:`` followed by a Fernet token (AES-128-CBC with an
HMAC-SHA256 tag, from the ``cryptography`` package): authenticated, so a changed byte or a
wrong key is detected instead of read as garbage. Without keys, values are written in clear.
Reading accepts both, so a database that had no key keeps working when one is added;
``mentorbot data rotate-key`` then encrypts the old values (and re-encrypts everything with
the newest key after a rotation). Services never see any of this.

Keys are a comma-separated list, newest first (``MENTORBOT_DATA_KEYS``): the first encrypts,
every one of them decrypts (``MultiFernet``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "mbenc1:"
KEYS_ENV = "MENTORBOT_DATA_KEYS"
_DIALECT_ATTRIBUTE = "mentorbot_key_ring"


class DataKeyError(Exception):
    """Stored data cannot be read with the configured keys; the message says how to fix it."""


class KeyRing:
    """The data keys, newest first: the first encrypts, any of them decrypts."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in keys])
        self.size = len(keys)

    @classmethod
    def parse(cls, text: str | None) -> KeyRing | None:
        """Return the ring for a comma-separated list of keys (None when there are none)."""
        keys = [part.strip() for part in (text or "").split(",") if part.strip()]
        return cls(keys) if keys else None

    @staticmethod
    def new_key() -> str:
        """Return a fresh random key."""
        return Fernet.generate_key().decode()

    def encrypt(self, text: str) -> str:
        """Return ``text`` encrypted with the newest key, marked with the prefix."""
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """Return the clear text of a value written by :meth:`encrypt` with any of the keys."""
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise DataKeyError(
                "Stored data could not be decrypted with the configured keys. The key it was written "
                f"with is missing from {KEYS_ENV} (or privacy.data_keys): put the new key first and the "
                "old one after it, comma-separated, then run `mentorbot data rotate-key`."
            ) from None


def is_valid_key(key: str) -> bool:
    """Return whether ``key`` is a usable data key (32 random bytes, url-safe base64)."""
    try:
        Fernet(key.strip().encode())
    except (ValueError, TypeError):
        return False
    return True


def bind_keys(dialect: Dialect, ring: KeyRing | None) -> None:
    """Make one engine (through its dialect) encrypt and decrypt with ``ring``."""
    setattr(dialect, _DIALECT_ATTRIBUTE, ring)


def ring_of(dialect: Dialect) -> KeyRing | None:
    """Return the key ring bound to an engine's dialect, if any."""
    return getattr(dialect, _DIALECT_ATTRIBUTE, None)


def _decrypt(stored: str, dialect: Dialect) -> str:
    ring = ring_of(dialect)
    if ring is None:
        raise DataKeyError(
            f"Stored data is encrypted but no data key is configured: set {KEYS_ENV} "
            "(or privacy.data_keys) to the key it was written with."
        )
    return ring.decrypt(stored)


def is_encrypted(value: Any) -> bool:
    """Return whether a raw stored value is ciphertext written by these types."""
    return isinstance(value, str) and value.startswith(PREFIX)


class EncryptedText(TypeDecorator[str]):
    """Free text, encrypted when the engine has keys; clear text written earlier still reads."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt with the newest key, if there is one."""
        ring = ring_of(dialect)
        return value if value is None or ring is None else ring.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt ciphertext; pass clear text through."""
        return _decrypt(value, dialect) if is_encrypted(value) else value


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored as one encrypted JSON string when the engine has keys."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Encrypt the serialised value with the newest key, if there is one."""
        ring = ring_of(dialect)
        if value is None or ring is None:
            return value
        return ring.encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Decrypt and parse ciphertext; pass clear values through."""
        return json.loads(_decrypt(value, dialect)) if is_encrypted(value) else value
