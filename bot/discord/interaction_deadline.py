"""Discord's 3-second deadline: a slash command still unanswered after 2 s is deferred for it.

Slow work (a busy database, a big report) must never leave the user with "This interaction
failed". Commands that know they are slow defer themselves; this is the safety net for the
rest. The late deferral and the command's own answer take turns on one lock per interaction,
so they never both acknowledge it (Discord refuses the second with error 40060); the
command's answer then goes out as the follow-up that replaces "thinking…".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import discord

log = logging.getLogger(__name__)

DEFER_AFTER = 2.0  # seconds: leaves a second for the defer to reach Discord
_LOCK = "answer_lock"
_pending: set[asyncio.Task[None]] = set()  # keep the late deferrals alive until they run


def guard(interaction: discord.Interaction, *, after: float = DEFER_AFTER) -> None:
    """Defer ``interaction`` privately if it is still unanswered ``after`` seconds from now."""
    interaction.extras[_LOCK] = asyncio.Lock()

    def fire() -> None:
        task = asyncio.create_task(_defer_if_unanswered(interaction))
        _pending.add(task)
        task.add_done_callback(_pending.discard)

    asyncio.get_running_loop().call_later(after, fire)


async def _defer_if_unanswered(interaction: discord.Interaction) -> None:
    async with interaction.extras[_LOCK]:
        if interaction.response.is_done():
            return
        log.info(
            "deferring interaction %s (%s): no answer within %.1f s",
            interaction.id,
            getattr(interaction.command, "qualified_name", "?"),
            DEFER_AFTER,
        )
        with contextlib.suppress(discord.HTTPException):  # expired already: nothing more to do
            await interaction.response.defer(ephemeral=True, thinking=True)


@contextlib.asynccontextmanager
async def answering(interaction: discord.Interaction) -> AsyncIterator[None]:
    """Hold the interaction's answer turn (no late deferral meanwhile); check ``is_done`` inside."""
    lock: asyncio.Lock | None = interaction.extras.get(_LOCK)
    if lock is None:
        yield
        return
    async with lock:
        yield
