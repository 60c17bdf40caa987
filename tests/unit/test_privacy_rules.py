"""STYLE rule 10: every column holding a Discord user id says how it is exported and erased."""

from __future__ import annotations

import re

from sqlalchemy import BigInteger

from bot.db import models  # noqa: F401 - the whole schema
from bot.db.base import Base
from bot.services.privacy import EXPORT_SECTIONS
from bot.services.privacy.rules import RECORDS, RULES, in_guild

# Names that say "a person": user_id, owner_id, author_id, created_by, muted_by, reporter_id, …
PERSON = re.compile(
    r"(^|_)(user|owner|author|actor|target|member|reporter|reported|partner|other|creator|host|"
    r"attendee|participant|invitee|organizer|mentor|mentee|facilitator|requester|voter|person)s?(_ids?)?$"
    r"|_by$"
)
# Snowflake columns that name a place or a thing (a scheduled event, say; a program cycle, one of our
# own rows without a foreign key), never a person.
NOT_A_PERSON = re.compile(r"^(id|guild_id|(\w+_)?(channel|thread|message|role|category|event|cycle)_id)$")

HOW_TO_FIX = """
These columns look like they hold a Discord user id, but bot/services/privacy/rules.py does not say
how they are exported and erased (STYLE rule 10):
{missing}
Add one line per table to RULES in bot/services/privacy/rules.py, for example:
    "meeting_rsvps": {{"user_id": delete_rows()}},       # the member's own rows go
    "meetings": {{"created_by": tombstone()}},            # counts and audit records keep a pseudonym
    "x": {{"other_id": keep("why it is nothing personal about that member")}},
`/privacy export` lists such rows under "records" unless you pass export=<section>; see the module
docstring. A column that is not a user id after all can be named in NOT_A_PERSON here instead.
"""


def user_id_columns() -> list[str]:
    """Every column whose name says it is a person, or a 64-bit id that is not a place or a thing."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.foreign_keys:  # a row of our own, not a Discord id
                continue
            snowflake = isinstance(column.type, BigInteger) and not NOT_A_PERSON.match(column.name)
            if PERSON.search(column.name) or snowflake:
                found.append(f"{table.name}.{column.name}")
    return found


def test_every_column_holding_a_user_id_has_an_export_and_erase_rule():
    missing = [
        name for name in user_id_columns() if name.split(".")[1] not in RULES.get(name.split(".")[0], {})
    ]
    assert not missing, HOW_TO_FIX.format(missing="\n".join(f"    {name}" for name in missing))


def test_the_detector_sees_the_columns_it_is_meant_to():
    found = set(user_id_columns())
    assert {
        "goals.owner_id",
        "moderation_log.actor_id",
        "anonymous_mutes.muted_by",
        "outbox.target_id",
    } <= found
    assert not {"groups.home_channel_id", "checkin_deliveries.message_id", "coffee_programs.guild_id"} & found


def test_rules_name_real_columns_and_say_why_when_nothing_is_exported_or_erased():
    tables = Base.metadata.tables
    for table_name, columns in RULES.items():
        if table_name not in tables:
            continue  # a table being added on another branch
        for column_name, rule in columns.items():
            where = f"{table_name}.{column_name}"
            assert column_name in tables[table_name].c, f"{where}: no such column"
            assert rule.export in (RECORDS, None, *EXPORT_SECTIONS), (
                f"{where}: unknown export {rule.export!r}"
            )
            if rule.erase == "keep" or rule.export is None:
                assert rule.why, f"{where}: say why it is not erased or not exported"


def test_every_table_with_a_rule_can_be_scoped_to_one_server():
    for table_name in RULES:
        table = Base.metadata.tables.get(table_name)
        if table is not None and table_name != "dm_channels":  # a cache shared by every server
            assert in_guild(table, 1) is not None, f"{table_name}: no guild_id and no path to one"
