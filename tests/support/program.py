"""A mentoring program set up the way its people set it up: through the bot's commands and buttons.

What tests need again and again (a group with its members, who agreed to its ground rules; a time
zone) done as a coordinator and the members themselves would do it, so that no test arranges its
world behind the bot's back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.support.people import Answer, Person, Typed


@dataclass(frozen=True)
class Group:
    """A group as its creator saw it answered: its name and its home channel."""

    name: str
    home: int  # the id of its channel (or linked channel or thread)


def mentioned_channel(answer: Answer | str) -> int:
    """Return the first channel an answer mentions (``<#id>``)."""
    text = answer.text if isinstance(answer, Answer) else answer
    found = re.search(r"<#(\d+)>", text)
    assert found, f"no channel mentioned in:\n{text}"
    return int(found[1])


async def create_group(coordinator: Person, name: str, kind: str, **options) -> Group:
    """A coordinator creates a group with ``/group create``; return it with its home."""
    answer = await coordinator.run("group create", name=name, kind=kind, **options)
    assert f"Created “{name}”" in answer.text, answer.text
    return Group(name, mentioned_channel(answer))


async def agree(person: Person, group: Group | str) -> Answer:
    """Press **I agree** under the group's ground rules, in the DM the bot sent."""
    name = group.name if isinstance(group, Group) else group
    rules = await person.dm(f"Ground rules · {name}")
    return await (await person.press(rules, "I agree")).shows(f"Welcome to {name}")


async def add_member(
    by: Person, group: Group | str, person: Person, role: str, *, agreed: bool = True
) -> None:
    """Add someone with ``/group add``; unless ``agreed=False`` they then agree to the ground rules."""
    name = group.name if isinstance(group, Group) else group
    answer = await by.run("group add", group=Typed(name), user=person, role=role)
    assert answer.text.startswith("Added"), answer.text
    if agreed:
        await agree(person, name)


async def set_timezone(person: Person, typed: str) -> str:
    """Set one's time zone with ``/profile timezone``, picking what the bot suggests for ``typed``."""
    answer = await person.run("profile timezone", zone=Typed(typed))
    assert "Time zone" in answer.text, answer.text
    return answer.text
