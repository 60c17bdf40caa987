"""Render plain message descriptions as discord.py embeds and views."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

import discord

from bot.messaging import Card, OutgoingMessage

BRAND_COLOR = 0x5B8DEF
_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def clip(text: str | None, limit: int) -> str | None:
    """Shorten ``text`` to Discord's ``limit`` with an ellipsis (a guard; services keep within limits)."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def render_card(card: Card) -> discord.Embed:
    """Return an embed for a card, clipped to Discord's limits."""
    embed = discord.Embed(
        title=clip(card.title, 256),
        description=clip(card.description, 4096),
        color=card.color if card.color is not None else BRAND_COLOR,
    )
    for f in card.fields[:25]:
        embed.add_field(name=clip(f.name, 256), value=clip(f.value, 1024), inline=f.inline)
    if card.footer:
        embed.set_footer(text=clip(card.footer, 2048))
    return embed


def render_message(message: OutgoingMessage) -> tuple[str | None, list[discord.Embed], discord.ui.View]:
    """Return content, embeds and a view for ``message``."""
    view = discord.ui.View(timeout=None)
    for button in message.buttons[:25]:
        view.add_item(
            discord.ui.Button(
                custom_id=button.custom_id,
                label=clip(button.label, 80),
                style=_STYLES[button.style],
                emoji=button.emoji,
            )
        )
    # The clicks are handled by persistent DynamicItems registered by the cogs; a stopped view
    # is not stored by discord.py, so sent messages do not pile up in its view store.
    view.stop()
    return clip(message.content, 2000), [render_card(c) for c in message.cards[:10]], view


def fingerprint(message: OutgoingMessage) -> str:
    """Return a digest of what Discord will show for ``message`` (see :func:`shown_digest`)."""
    embeds = [render_card(c).to_dict() for c in message.cards[:10]]
    buttons = [{"components": [{"custom_id": b.custom_id} for b in message.buttons[:25]]}]
    return shown_digest(clip(message.content, 2000), embeds, buttons)


def shown_digest(content: str | None, embeds: Iterable[Any], components: Iterable[Any]) -> str:
    """Return a digest of what a message shows, from its JSON as sent or as read back later.

    Only what Discord returns unchanged counts: the texts (trimmed) and the buttons' ids, not the
    colours or the fields Discord adds to an embed.
    """
    shown = {
        "content": _text(content),
        "embeds": [
            [
                _text(e.get("title")),
                _text(e.get("description")),
                [[_text(f.get("name")), _text(f.get("value"))] for f in e.get("fields") or ()],
                _text((e.get("footer") or {}).get("text")),
            ]
            for e in embeds
        ],
        "buttons": [
            c["custom_id"] for row in components for c in row.get("components") or () if c.get("custom_id")
        ],
    }
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _text(value: str | None) -> str:
    return (value or "").strip()
