"""What a person typed, shown as they typed it inside the bot's own markdown."""

from __future__ import annotations

from discord.utils import escape_markdown, escape_mentions


def verbatim(text: str | None) -> str:
    """Return typed text escaped for a message or embed: no styling, headings or lists, no pings.

    For names, titles, prompts and reasons people wrote, put into ``**…**``, lists or fields.
    Not for what Discord shows as plain text anyway (button labels, thread and channel names,
    autocomplete choices, modal titles), where the escapes would show.
    """
    return escape_mentions(escape_markdown(text or ""))
