"""Fuzz every slash command through the fake Discord: every interaction is answered, nothing crashes,
and a refused command leaves the database as it was."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.db.base import Base
from bot.discord.interaction_errors import ERROR_COLOR
from tests.e2e.conftest import World, final

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
# Rows the bot's own background work may change while a refused command runs (deliveries, wake-ups).
BACKGROUND_TABLES = {"outbox", "dm_channels"}
UNEXPECTED = "Something went wrong on my side"


def leaves(commands: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Return every runnable chat command as ("group sub", its options)."""
    found = []

    def walk(prefix: str, options: list[dict[str, Any]]) -> None:
        nested = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not nested:
            found.append((prefix, options))
        for option in nested:
            walk(f"{prefix} {option['name']}", option.get("options", []))

    for command in commands:
        if command.get("type", 1) == 1:
            walk(command["name"], command.get("options", []))
    return sorted(found)


def nasty_text(low: int, high: int) -> st.SearchStrategy[str]:
    """Strings users really type: empty-ish, long, unicode, mentions of unknown ids, markdown."""
    specials = st.sampled_from(
        ["<@1>", "<#2>", "<@&3>", "@everyone", "**bold**", "`code`", "\u200b", "🧪", "Zoë", "‮RTL", "0", "-1"]
    )
    words = st.lists(st.one_of(specials, st.text(min_size=1, max_size=12)), max_size=8).map(" ".join)
    long = st.integers(min_value=max(low, 1), max_value=high).map(lambda n: ("ä" * n)[:n])
    return st.one_of(words, long, st.text(max_size=min(high, 60))).filter(lambda s: low <= len(s) <= high)


def option_value(option: dict[str, Any], world: World, outsider) -> st.SearchStrategy[Any]:
    kind = option["type"]
    if option.get("choices"):
        return st.sampled_from([choice["value"] for choice in option["choices"]])
    if kind == STRING:
        return nasty_text(option.get("min_length", 0), option.get("max_length", 200))
    if kind in (INTEGER, NUMBER):
        low, high = option.get("min_value", -(2**31)), option.get("max_value", 2**31)
        values = st.integers(min_value=int(low), max_value=int(high))
        return values if kind == INTEGER else values.map(float)
    if kind == BOOLEAN:
        return st.booleans()
    if kind in (USER, MENTIONABLE):
        return st.sampled_from([world.alice, world.bob, world.owner, outsider])
    if kind == CHANNEL:
        allowed = option.get("channel_types")
        return st.sampled_from([c for c in world.channels if not allowed or c.type in allowed])
    if kind == ROLE:
        return st.just(world.guild.everyone_role)
    raise NotImplementedError(f"no strategy for option type {kind}")


async def snapshot(bot) -> dict[str, list]:
    async with bot.services.db.transaction() as session:
        tables = {}
        for table in Base.metadata.sorted_tables:
            if table.name not in BACKGROUND_TABLES:
                rows = await session.execute(text(f"SELECT * FROM {table.name}"))
                tables[table.name] = sorted(map(repr, rows.all()))
        return tables


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_every_command_answers_any_input_without_crashing(fake, world: World, bot, timeline, data):
    if not hasattr(world, "outsider"):
        world.outsider = fake.add_user("outsider")  # not in the server: "a user outside the group"
        world.channels = [
            world.general,
            world.guild.add_category("Programs"),
            world.guild.add_voice_channel("Lounge voice"),
            world.guild.add_thread(world.general, "A thread", owner=world.owner),
        ]
        await fake.settle()
    commands = [(name, opts) for name, opts in leaves(fake.global_commands) if not _needs_attachment(opts)]
    name, options = data.draw(st.sampled_from(commands), label="command")
    user = data.draw(st.sampled_from([world.alice, world.owner]), label="user")
    values = {}
    for option in options:
        if option.get("required") or data.draw(st.booleans(), label=f"give {option['name']}"):
            values[option["name"]] = data.draw(
                option_value(option, world, world.outsider), label=option["name"]
            )
    await timeline.settle()  # what earlier commands queued (a warning's DM and its outcome) is done
    before = await snapshot(bot)
    reply = await fake.slash(user, world.guild, name, options=values)  # raises if unanswered in 3 s
    if reply.type == 9:  # a form opened: answered
        return
    message = await final(reply)
    shown = " ".join(
        [message.get("content") or ""]
        + [f"{e.get('title')} {e.get('description')}" for e in message["embeds"]]
    )
    assert UNEXPECTED not in shown, f"/{name} {values} crashed: {shown}"
    if any(embed.get("color") == ERROR_COLOR for embed in message["embeds"]):
        assert await snapshot(bot) == before, f"/{name} {values} was refused but changed the database"


def _needs_attachment(options: list[dict[str, Any]]) -> bool:
    return any(o["type"] == ATTACHMENT and o.get("required") for o in options)


async def test_odd_digits_and_huge_ids_are_not_found_rather_than_crashing(fake, world: World, bot):
    for ref in ("²", "٣", "99999999999999999999"):  # a superscript, an Arabic-Indic digit, beyond any id
        for command in ("group agree", "group info"):
            shown = str(await final(await fake.slash(world.alice, world.guild, command, group=ref)))
            assert UNEXPECTED not in shown, f"/{command} {ref!r}: {shown}"
