"""Text that must fit a limit (Discord's, or a line's)."""

from __future__ import annotations

from typing import TypeVar

_Text = TypeVar("_Text", str, None)


def clip(text: _Text, limit: int, *, at: str = "") -> _Text:
    """Shorten ``text`` to at most ``limit`` characters, ending with "…" when cut.

    With ``at`` (a separator such as ", " or a newline) the cut falls between two items, so
    none is shown half.
    """
    if text is None or len(text) <= limit:
        return text
    cut = text.rfind(at, 0, limit - 1) if at else -1  # the last separator that leaves room for "…"
    if cut <= 0:
        return text[: limit - 1] + "…"
    return text[:cut] + at + "…"
