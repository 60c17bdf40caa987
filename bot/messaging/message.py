"""A message as plain data: what services build and the outbox stores as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import TypeAdapter

ButtonStyle = Literal["primary", "secondary", "success", "danger"]


@dataclass(frozen=True)
class Field:
    """A name/value pair shown in a card."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Card:
    """A rich block (an embed, once rendered)."""

    title: str | None = None
    description: str | None = None
    fields: tuple[Field, ...] = ()
    footer: str | None = None
    color: int | None = None


@dataclass(frozen=True)
class Button:
    """A button whose ``custom_id`` a persistent handler in a cog recognises after restarts."""

    custom_id: str
    label: str
    style: ButtonStyle = "secondary"
    emoji: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """Text, cards and buttons to send to a user or a channel."""

    content: str | None = None
    cards: tuple[Card, ...] = ()
    buttons: tuple[Button, ...] = ()
    # Silence mentions unless a feature deliberately names someone.
    mention_user_ids: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Return the message as JSON-ready data (what the outbox stores)."""
        return _JSON.dump_python(self, mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutgoingMessage:
        """Rebuild a message stored with :meth:`to_json`; raise ValueError if it is not one."""
        return _JSON.validate_python(data)


# pydantic reads the dataclasses above: one definition of the stored JSON, checked when read back.
_JSON: TypeAdapter[OutgoingMessage] = TypeAdapter(OutgoingMessage)
