"""Program reports end to end: a coordinator gets a CSV; a member is refused."""

from __future__ import annotations

import csv
import io

import pytest

from bot.services.actors import Actor
from tests.e2e.conftest import World, final
from tests.e2e.test_foundation import embed_text


@pytest.fixture
async def circle(bot, world: World):
    admin = Actor(world.owner.id, is_admin=True)
    group = await bot.services.groups.create(world.guild.id, admin, name="Writing Circle", kind="peer")
    for user in (world.alice, world.bob):
        await bot.services.groups.add_member(world.guild.id, admin, group.id, user.id, "peer")
    await bot.services.outbox.dispatch_due()
    return group


async def test_a_coordinator_gets_the_program_report_as_a_csv(fake, world, circle):
    await final(await fake.slash(world.alice, world.guild, "goal set", title="Submit the R01"))

    message = await final(await fake.slash(world.owner, world.guild, "report program", days=30))

    assert "Program report" in embed_text(message)
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "program-report-30d.csv"
    rows = list(csv.DictReader(io.StringIO(fake.world.files[int(attachment["id"])][1].decode())))
    assert [r["group"] for r in rows] == ["Writing Circle", "All groups"]
    assert (rows[1]["members"], rows[1]["goals_set"]) == ("2", "1")


async def test_a_member_cannot_see_the_program_report(fake, world, circle):
    message = await final(await fake.slash(world.alice, world.guild, "report program"))

    assert "Only coordinators" in embed_text(message)
    assert not message.get("attachments")


async def test_a_member_cannot_see_their_groups_report(fake, world, circle):
    message = await final(await fake.slash(world.alice, world.guild, "report group", group=str(circle.id)))

    assert not message.get("attachments")
    assert "Program report" not in embed_text(message)
