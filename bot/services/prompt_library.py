"""A server's prompt libraries, for discussions and for light conversation prompts.

Each is the built-in set as the server edited or retired it, plus the server's own prompts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import ServerPrompt
from bot.domain.conversation import light_library
from bot.domain.discussions import (
    Prompt,
    PromptChange,
    check_prompt,
    check_topic,
    choose_prompt,
    library,
    server_library,
)
from bot.errors import NotFound
from bot.services.actors import Actor
from bot.services.settings import SettingsService

Kind = Literal["discussion", "conversation"]
BUILT_IN: dict[str, Callable[[], list[Prompt]]] = {"discussion": library, "conversation": light_library}


class PromptLibrary:
    """Prompts for discussions; coordinators add, edit and retire them for their server."""

    def __init__(self, db: Database, clock: Clock, settings: SettingsService) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings

    async def prompts(self, guild_id: int, kind: Kind = "discussion") -> list[Prompt]:
        """Return the server's active prompts of a kind."""
        async with self._db.reading() as session:
            return await prompts_in(session, guild_id, kind)

    async def add(
        self, guild_id: int, actor: Actor, topic: str, text: str, kind: Kind = "discussion"
    ) -> Prompt:
        """Add a prompt of the server's own."""
        await self._settings.require_coordinator(guild_id, actor, "add prompts to the library")
        topic, text = check_topic(topic), check_prompt(text)
        async with self._db.transaction() as session:
            row = ServerPrompt(
                guild_id=guild_id,
                kind=kind,
                topic=topic,
                text=text,
                updated_by=actor.user_id,
                updated_at=self._clock.now(),
            )
            session.add(row)
            await session.flush()
            return Prompt(f"s{row.id}", topic, text)

    async def edit(
        self, guild_id: int, actor: Actor, key: str, text: str, kind: Kind = "discussion"
    ) -> Prompt:
        """Reword a prompt (a built-in one is reworded for this server only)."""
        await self._settings.require_coordinator(guild_id, actor, "edit the prompt library")
        text = check_prompt(text)
        async with self._db.transaction() as session:
            prompt = await _active(session, guild_id, key, kind)
            row = await _change_row(session, guild_id, prompt, kind, actor.user_id, self._clock.now())
            row.text = text
            return Prompt(prompt.key, prompt.topic, text)

    async def retire(self, guild_id: int, actor: Actor, key: str, kind: Kind = "discussion") -> Prompt:
        """Take a prompt out of the library and the rotation (past discussions keep their text)."""
        await self._settings.require_coordinator(guild_id, actor, "retire prompts")
        async with self._db.transaction() as session:
            prompt = await _active(session, guild_id, key, kind)
            row = await _change_row(session, guild_id, prompt, kind, actor.user_id, self._clock.now())
            row.retired_at = row.updated_at
            return prompt


async def prompts_in(session: AsyncSession, guild_id: int, kind: Kind = "discussion") -> list[Prompt]:
    """Return the server's active prompts of a kind, in an open unit of work."""
    rows = await session.scalars(
        select(ServerPrompt)
        .where(ServerPrompt.guild_id == guild_id, ServerPrompt.kind == kind)
        .order_by(ServerPrompt.id)
    )
    return server_library(
        (
            PromptChange(row.id, row.builtin_key, row.topic, row.text, row.retired_at is not None)
            for row in rows
        ),
        BUILT_IN[kind](),
    )


async def resolve_in(session: AsyncSession, guild_id: int, typed: str) -> str:
    """Return the prompt a library key names, or the typed prompt, checked."""
    return choose_prompt(await prompts_in(session, guild_id), typed)


async def _active(session: AsyncSession, guild_id: int, key: str, kind: Kind) -> Prompt:
    for prompt in await prompts_in(session, guild_id, kind):
        if prompt.key == key:
            return prompt
    raise NotFound("No prompt like that in this server's library; pick one from the list.")


async def _change_row(
    session: AsyncSession, guild_id: int, prompt: Prompt, kind: Kind, user_id: int, now: datetime
) -> ServerPrompt:
    """Return the row that holds this server's version of the prompt (new for a built-in), stamped."""
    if prompt.key.startswith("s"):
        row = await session.get(ServerPrompt, int(prompt.key[1:]), with_for_update=True)
        assert row is not None and row.guild_id == guild_id
        row.updated_by, row.updated_at = user_id, now
        return row
    row = await session.scalar(
        select(ServerPrompt)
        .where(ServerPrompt.guild_id == guild_id, ServerPrompt.builtin_key == prompt.key)
        .with_for_update()
    )
    if row is None:
        builtin = next(p for p in BUILT_IN[kind]() if p.key == prompt.key)
        row = ServerPrompt(
            guild_id=guild_id,
            kind=kind,
            builtin_key=prompt.key,
            topic=builtin.topic,
            text=builtin.text,
            updated_by=user_id,
            updated_at=now,
        )
        session.add(row)
    row.updated_by, row.updated_at = user_id, now
    return row
