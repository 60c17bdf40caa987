"""How every table's data about a member is exported and erased: one line per table (STYLE rule 10).

Every column that holds a Discord user id has a :class:`Rule` in :data:`RULES`:

* ``delete()``: the member's rows go (their profile, answers, goals, opt-ins);
* ``tombstone()``: the id is replaced by the erasure's pseudonymous id, so counts, pairs and
  audit records still add up without saying who (a negative number: never a Discord id);
* ``keep(why)``: the column holds nothing personal about that member (say why);
* ``custom(handler)``: anything else (e.g. tombstone the past, delete the future).

``export`` names the section of ``/privacy export`` that carries the data: ``"records"`` (the
default) lists the member's rows as they are; other sections are written by hand in
:mod:`bot.services.privacy`; None means the column is not exported (say why).

A new table with a user id needs one line here, e.g. ``"meeting_rsvps": {"user_id": delete()}``;
``tests/unit/test_privacy_rules.py`` fails until it has one. Tables are erased one server at a
time: through their ``guild_id``, or through a foreign key to a table that has one.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, and_, delete, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import Base
from bot.db.models import Group, GuildRecord, GuildSettings
from bot.services.discussions.service import author_hash
from bot.services.groups.homes import Home

RECORDS = "records"


@dataclass
class Erasure:
    """One member's erasure in one server, and what it leaves to do on Discord afterwards."""

    guild_id: int
    user_id: int
    tombstone: int
    now: datetime
    anonymity_secret: str = ""
    take_down: list[tuple[int, int]] = field(default_factory=list)  # (channel, message) the bot posted
    revoke: list[Home] = field(default_factory=list)  # group homes the member could see
    counts: Counter[str] = field(default_factory=Counter)  # "table: action" -> rows
    # Outbox rows naming the member found before the unit of work, and the last id looked at.
    outbox_found: list[int] = field(default_factory=list)
    outbox_seen: int = 0


EraseHandler = Callable[[AsyncSession, Erasure, Table, Column], Awaitable[None]]


@dataclass(frozen=True)
class Rule:
    """How one column's references to a member are erased and exported."""

    erase: str  # delete | tombstone | keep | the custom handler's name
    export: str | None
    why: str = ""
    handler: EraseHandler | None = None


def delete_rows(export: str | None = RECORDS, why: str = "") -> Rule:
    """Delete the member's rows."""
    return Rule("delete", export, why)


def tombstone(export: str | None = RECORDS, why: str = "") -> Rule:
    """Replace the member's id by the erasure's pseudonymous id (counts and audit records stay)."""
    return Rule("tombstone", export, why)


def keep(why: str, export: str | None = None) -> Rule:
    """Leave the column as it is, for the reason given."""
    return Rule("keep", export, why)


def custom(handler: EraseHandler, export: str | None = RECORDS, why: str = "") -> Rule:
    """Erase with a handler of its own."""
    return Rule(handler.__name__.lstrip("_"), export, why, handler)


def new_tombstone() -> int:
    """Return a fresh pseudonymous id: negative, so it is never mistaken for a Discord id."""
    return -(secrets.randbits(62) + 1)


def is_tombstone(user_id: int) -> bool:
    """Return whether an id stands for an erased member."""
    return user_id < 0


def in_guild(table: Table, guild_id: int) -> ColumnElement[bool] | None:
    """Return the condition for one server's rows of ``table`` (None: the table has no server)."""
    if "guild_id" in table.c:
        return table.c.guild_id == guild_id
    for key in sorted(table.foreign_keys, key=lambda k: k.parent.name):
        parent = key.column.table
        condition = in_guild(parent, guild_id)
        if condition is not None:
            return key.parent.in_(select(key.column).where(condition))
    return None


def _mine(table: Table, column: Column, erasure: Erasure) -> ColumnElement[bool]:
    scope = in_guild(table, erasure.guild_id)
    return and_(column == erasure.user_id, scope if scope is not None else true())


async def _delete(session: AsyncSession, erasure: Erasure, table: Table, column: Column) -> None:
    result = await session.execute(delete(table).where(_mine(table, column, erasure)))
    erasure.counts[f"{table.name}: deleted"] += result.rowcount or 0


async def _tombstone(session: AsyncSession, erasure: Erasure, table: Table, column: Column) -> None:
    result = await session.execute(
        update(table).where(_mine(table, column, erasure)).values({column.name: erasure.tombstone})
    )
    erasure.counts[f"{table.name}: pseudonymised"] += result.rowcount or 0


# -- the special cases -----------------------------------------------------------------------


async def _past_deliveries_stay(
    session: AsyncSession, erasure: Erasure, table: Table, column: Column
) -> None:
    """Check-ins not sent yet go; past ones stay, pseudonymised, so response rates still add up."""
    mine = _mine(table, column, erasure)
    result = await session.execute(delete(table).where(mine, table.c.status == "scheduled"))
    erasure.counts[f"{table.name}: deleted"] += result.rowcount or 0
    result = await session.execute(
        update(table)
        .where(mine)
        .values({column.name: erasure.tombstone, "channel_id": None, "message_id": None})
    )
    erasure.counts[f"{table.name}: pseudonymised"] += result.rowcount or 0


async def _answers_and_their_posts(
    session: AsyncSession, erasure: Erasure, table: Table, column: Column
) -> None:
    """Delete the answers; the copies posted to a group are taken down afterwards."""
    mine = _mine(table, column, erasure)
    shared = await session.execute(
        select(table.c.shared_channel_id, table.c.shared_message_id).where(
            mine, table.c.shared_message_id.is_not(None)
        )
    )
    erasure.take_down.extend((channel, message) for channel, message in shared.all() if channel)
    await _delete(session, erasure, table, column)


async def _leave_groups(session: AsyncSession, erasure: Erasure, table: Table, column: Column) -> None:
    """Memberships end and their agreements go; the seats stay, pseudonymised, for group sizes."""
    groups = Group.__table__
    current = await session.execute(
        select(groups.c.home_kind, groups.c.home_channel_id)
        .join(table, table.c.group_id == groups.c.id)
        .where(
            _mine(table, column, erasure),
            table.c.left_at.is_(None),
            table.c.agreed_at.is_not(None),
            groups.c.home_channel_id.is_not(None),
            groups.c.archived_at.is_(None),
        )
    )
    erasure.revoke.extend(Home(kind, channel) for kind, channel in current.all())
    result = await session.execute(
        update(table)
        .where(_mine(table, column, erasure))
        .values(
            {
                column.name: erasure.tombstone,
                "left_at": func.coalesce(table.c.left_at, erasure.now),
                "agreed_at": None,
                "agreed_version": None,
                "last_active_at": None,
            }
        )
    )
    erasure.counts[f"{table.name}: pseudonymised"] += result.rowcount or 0


async def _ids_in_lists(session: AsyncSession, erasure: Erasure, table: Table, column: Column) -> None:
    """Replace the member's id inside a JSON list of ids (a round's turn order)."""
    scope = in_guild(table, erasure.guild_id)
    pk = list(table.primary_key.columns)
    rows = await session.execute(select(*pk, column).where(scope if scope is not None else true()))
    for row in rows.all():
        ids = row[-1] or []
        if erasure.user_id in ids:
            replaced = [erasure.tombstone if i == erasure.user_id else i for i in ids]
            key = and_(*(c == v for c, v in zip(pk, row[:-1], strict=True)))
            await session.execute(update(table).where(key).values({column.name: replaced}))
            erasure.counts[f"{table.name}: pseudonymised"] += 1


async def _proposals(session: AsyncSession, erasure: Erasure, table: Table, column: Column) -> None:
    """Proposals still waiting for a coordinator are dropped; confirmed ones keep a pseudonym."""
    uid, ghost = erasure.user_id, erasure.tombstone
    rows = await session.execute(
        select(table.c.id, table.c.confirmed_at, column).where(table.c.guild_id == erasure.guild_id)
    )
    for proposal_id, confirmed_at, planned in rows.all():
        if not any(uid in [int(m) for m in g["members"]] for g in planned):
            continue
        if confirmed_at is None:
            await session.execute(delete(table).where(table.c.id == proposal_id))
            erasure.counts[f"{table.name}: deleted"] += 1
            continue
        replaced = [
            {
                **g,
                "members": [ghost if int(m) == uid else m for m in g["members"]],
                "roles": {(str(ghost) if k == str(uid) else k): v for k, v in g.get("roles", {}).items()},
            }
            for g in planned
        ]
        await session.execute(update(table).where(table.c.id == proposal_id).values({column.name: replaced}))
        erasure.counts[f"{table.name}: pseudonymised"] += 1


async def _reports_lose_their_note(
    session: AsyncSession, erasure: Erasure, table: Table, column: Column
) -> None:
    """Audit records keep a pseudonym; a report's note (the reporter's own words) goes."""
    mine = _mine(table, column, erasure)
    await session.execute(update(table).where(mine, table.c.action == "report").values(reason=None))
    await _tombstone(session, erasure, table, column)


async def _rehash_anonymous(session: AsyncSession, erasure: Erasure, table: Table, column: Column) -> None:
    """Re-key the member's anonymous posts to the pseudonym, so they can't be traced back to them."""
    salt = await session.scalar(
        select(GuildSettings.anonymity_salt).where(GuildSettings.guild_id == erasure.guild_id)
    )
    if salt is None:  # nobody ever posted anonymously here
        return
    old = author_hash(erasure.anonymity_secret, salt, erasure.guild_id, erasure.user_id)
    new = author_hash(erasure.anonymity_secret, salt, erasure.guild_id, erasure.tombstone)
    result = await session.execute(
        update(table).where(table.c.guild_id == erasure.guild_id, column == old).values({column.name: new})
    )
    erasure.counts[f"{table.name}: pseudonymised"] += result.rowcount or 0


OUTBOX_SCAN_BATCH = 2000


async def scan_outbox(session: AsyncSession, erasure: Erasure, table: Table | None = None) -> None:
    """Note the server's outbox rows after ``erasure.outbox_seen`` that go to or name the member.

    Every payload is decrypted and searched here, which takes seconds for a big server's round:
    the erasure runs it first in a read beside the writer, and inside its unit of work only
    for the rows that came since. Batches by id, so the event loop breathes in between.
    """
    table = table if table is not None else Base.metadata.tables["outbox"]
    uid = str(erasure.user_id)
    c = table.c
    while True:
        rows = (
            await session.execute(
                select(c.id, c.target_kind, c.target_id, c.dedupe_key, c.payload)
                .where(table.c.guild_id == erasure.guild_id, table.c.id > erasure.outbox_seen)
                .order_by(table.c.id)
                .limit(OUTBOX_SCAN_BATCH)
            )
        ).all()
        erasure.outbox_found += [
            row_id
            for row_id, kind, target, key, payload in rows
            if (kind == "dm" and target == erasure.user_id) or uid in key or uid in json.dumps(payload)
        ]
        if rows:
            erasure.outbox_seen = rows[-1][0]
        if len(rows) < OUTBOX_SCAN_BATCH:
            return


async def _messages_to_or_about(
    session: AsyncSession, erasure: Erasure, table: Table, column: Column
) -> None:
    """Delete the server's queued and sent messages to the member or naming them (not those in flight)."""
    await scan_outbox(session, erasure, table)  # after a scan before the unit of work: what came since
    doomed, deleted = erasure.outbox_found, 0
    for start in range(0, len(doomed), 500):
        result = await session.execute(
            delete(table).where(table.c.id.in_(doomed[start : start + 500]), table.c.status != "sending")
        )
        deleted += result.rowcount or 0
    erasure.counts[f"{table.name}: deleted"] += deleted


_SAFETY = (
    "another member's own choice about you, kept so that it still protects them after your erasure; "
    "it holds nothing you wrote"
)

RULES: dict[str, dict[str, Rule]] = {
    "member_profiles": {"user_id": delete_rows(export="profile")},
    "dm_channels": {"user_id": delete_rows(export=None, why="only the id of your DM channel with the bot")},
    "groups": {"created_by": tombstone()},
    "group_members": {"user_id": custom(_leave_groups, export="groups")},
    "match_optins": {"user_id": delete_rows(export="matching")},
    "match_proposals": {
        "created_by": tombstone(),
        "confirm_requested_by": tombstone(),
        "groups": custom(_proposals, export=None, why="ids only: the groups a coordinator was offered"),
    },
    "checkin_question_sets": {"created_by": tombstone()},
    "checkin_schedules": {"created_by": tombstone()},
    "checkin_deliveries": {"user_id": custom(_past_deliveries_stay, export="checkins")},
    "checkin_answers": {"user_id": custom(_answers_and_their_posts, export="checkins")},
    "goals": {"owner_id": delete_rows(export="goals")},  # milestones, updates and partners follow
    "goal_updates": {"author_id": delete_rows(export="goals")},  # notes and cheers on others' goals
    "goal_partners": {"user_id": delete_rows(export="goals")},
    "moderation_log": {
        "actor_id": custom(_reports_lose_their_note, export="moderation"),
        "target_id": tombstone(export="moderation"),
    },
    "ground_rules": {"updated_by": tombstone()},
    "discussions": {"started_by": tombstone()},
    "discussion_participation": {"user_id": tombstone(export="discussions")},
    "anonymous_posts": {
        "author_hash": custom(
            _rehash_anonymous, export=None, why="a keyed hash that cannot be turned into an id"
        )
    },
    "anonymous_mutes": {"muted_by": tombstone(), "author_hash": keep(_SAFETY)},
    "discussion_rounds": {
        "started_by": tombstone(),
        "spotlight_order": custom(_ids_in_lists, export=None, why="ids only: the order of turns in a round"),
    },
    "discussion_schedules": {"created_by": tombstone()},
    "discussion_prompt_queue": {"added_by": tombstone()},
    "server_prompts": {"updated_by": tombstone()},
    "conversation_prompt_schedules": {"created_by": tombstone()},
    "coffee_programs": {"created_by": tombstone()},
    "coffee_participants": {"user_id": delete_rows(export="coffee")},
    "coffee_avoidances": {"user_id": delete_rows(export="coffee"), "other_id": keep(_SAFETY)},
    "coffee_match_members": {"user_id": tombstone(export="coffee")},
    "coffee_sit_outs": {"user_id": tombstone(export="coffee")},
    "meeting_series": {"created_by": tombstone()},
    "meetings": {"proposed_by": tombstone(), "confirmed_by": tombstone()},
    "meeting_availability": {"user_id": delete_rows()},  # the slots that worked for you
    "meeting_attendance": {"user_id": tombstone()},  # attendance rates still add up
    "meeting_burdens": {"user_id": tombstone()},  # the group's ledger of awkward hours stays whole
    "program_cycles": {"created_by": tombstone(), "closed_by": tombstone()},
    "cycle_applications": {"user_id": delete_rows(), "reviewed_by": tombstone()},
    # The agreement is the group's shared text: its author is pseudonymised, their signature goes.
    "mentoring_agreements": {"updated_by": tombstone()},
    "agreement_signatures": {"user_id": delete_rows()},
    "relationship_pulses": {"user_id": delete_rows()},
    "closing_surveys": {"user_id": delete_rows()},
    "outbox": {
        "target_id": custom(_messages_to_or_about, export=None, why="copies of messages you were sent")
    },
}

_HANDLERS: dict[str, EraseHandler] = {"delete": _delete, "tombstone": _tombstone}


def rules_for(table: Table) -> dict[str, Rule]:
    """Return the rules of a table's columns (empty when none holds a user id)."""
    return RULES.get(table.name, {})


async def erase(session: AsyncSession, erasure: Erasure) -> None:
    """Apply every rule for one member in one server (children before parents)."""
    for table in reversed(Base.metadata.sorted_tables):
        for name, rule in rules_for(table).items():
            handler = rule.handler or _HANDLERS.get(rule.erase)
            if handler is not None:  # keep
                await handler(session, erasure, table, table.c[name])


async def records(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Return the member's rows of every column exported as plain records, by table."""
    found: dict[str, list[dict[str, Any]]] = {}
    probe = Erasure(guild_id, user_id, 0, datetime.min)
    for table in Base.metadata.sorted_tables:
        for name, rule in rules_for(table).items():
            if rule.export != RECORDS:
                continue
            rows = await session.execute(select(table).where(_mine(table, table.c[name], probe)))
            if listed := [dict(row._mapping) for row in rows.all()]:
                found.setdefault(table.name, []).extend(listed)
    return found


async def delete_guild(session: AsyncSession, guild_id: int) -> dict[str, int]:
    """Delete everything stored about one server (children before parents); return rows per table."""
    deleted: dict[str, int] = {}
    # Lock the server's record first, so a late recording of its data (a delivery problem) either
    # finished before us or sees the server gone (PostgreSQL; SQLite has one writer anyway).
    await session.execute(
        select(GuildRecord.guild_id).where(GuildRecord.guild_id == guild_id).with_for_update()
    )
    for table in reversed(Base.metadata.sorted_tables):
        condition = in_guild(table, guild_id)
        if condition is None:
            continue
        result = await session.execute(delete(table).where(condition))
        if result.rowcount:
            deleted[table.name] = result.rowcount
    return deleted


def guild_tables() -> list[str]:
    """Return the names of the tables that hold servers' data."""
    return [table.name for table in Base.metadata.sorted_tables if in_guild(table, 0) is not None]


async def count_guild(session: AsyncSession, guild_id: int) -> dict[str, int]:
    """Return how many rows each table holds about one server."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        condition = in_guild(table, guild_id)
        if condition is None:
            continue
        if n := await session.scalar(select(func.count()).select_from(table).where(condition)) or 0:
            counts[table.name] = n
    return counts
