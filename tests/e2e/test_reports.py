"""Program reports end to end: a coordinator gets a CSV and a chart; a member is refused."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import World, final
from tests.e2e.test_foundation import embed_text
from tests.support import program as support
from tests.support.people import Typed


@pytest.fixture
async def circle(bot, world: World):
    """Olivia's peer group "Writing Circle" with Alice and Bob, who agreed to its ground rules."""
    olivia = world.person(world.owner)
    group = await support.create_group(olivia, "Writing Circle", "peer")
    for user in (world.alice, world.bob):
        await support.add_member(olivia, group, world.person(user), "peer")
    return group


async def checkins_and_a_meeting(world: World, timeline) -> None:
    """This morning Alice answered her check-in and came to the meeting; Bob did neither."""
    olivia, alice = world.person(world.owner), world.person(world.alice)
    await olivia.run("checkin schedule", group="Writing Circle", cadence="daily", time="09:00")
    planned = await olivia.run("meet plan", group="Writing Circle", times="2026-11-23 11:00")
    assert "Poll posted" in planned.text, planned.text
    confirmed = await olivia.run("meet confirm", group="Writing Circle", slot=Typed(""))  # the one time
    assert "Meeting confirmed" in confirmed.text, confirmed.text

    await timeline.to(datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC))
    form = await alice.press(alice.dms("Check-in ·")[-1], "Answer")
    await alice.fill(form, {"How are you doing? (1 low – 5 great)": ["4"]})

    await timeline.to(datetime(2026, 11, 23, 12, 5, tzinfo=UTC))  # the meeting is over
    asked = await olivia.run("meet attendance", group="Writing Circle")
    await olivia.choose(asked, [world.alice])
    await (await olivia.press(asked, "Save")).shows("Came (1)")


def attachment(fake, message: dict, suffix: str) -> bytes:
    [found] = [a for a in message["attachments"] if a["filename"].endswith(suffix)]
    return fake.world.files[int(found["id"])][1]


def png_size(data: bytes) -> tuple[int, int]:
    """Return a PNG's width and height from its header, after checking it is a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def decoded_size(data: bytes) -> tuple[int, int]:
    """Decode the whole image (a truncated or corrupt PNG fails here)."""
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(data), format="png")
    return pixels.shape[1], pixels.shape[0]


async def test_a_coordinator_gets_the_program_report_as_a_csv_and_a_chart(fake, world, timeline, circle):
    await final(await fake.slash(world.alice, world.guild, "goal set", title="Submit the R01"))
    await checkins_and_a_meeting(world, timeline)

    message = await final(await fake.slash(world.owner, world.guild, "report program", days=30))

    assert "Program report" in embed_text(message)
    assert sorted(a["filename"] for a in message["attachments"]) == [
        "program-report-30d.csv",
        "program-report-30d.png",
    ]
    rows = list(csv.DictReader(io.StringIO(attachment(fake, message, ".csv").decode())))
    assert [r["group"] for r in rows] == ["Writing Circle", "All groups"]
    total = rows[1]
    assert (total["members"], total["goals_set"]) == ("2", "1")
    assert (total["checkins_delivered"], total["checkins_answered"], total["checkin_response_rate"]) == (
        "2",
        "1",
        "50.0",
    )
    assert (total["attendance_recorded"], total["attended"], total["attendance_rate"]) == ("2", "1", "50.0")
    png = attachment(fake, message, ".png")
    assert png_size(png) == decoded_size(png) == (900, 1080)
    assert b"Submit the R01" not in png


async def test_a_groups_report_comes_with_its_chart(fake, world, timeline, circle):
    await checkins_and_a_meeting(world, timeline)

    message = await final(
        await fake.slash(world.owner, world.guild, "report group", group="Writing Circle", days=14)
    )

    assert "Writing Circle" in embed_text(message)
    rows = list(csv.DictReader(io.StringIO(attachment(fake, message, ".csv").decode())))
    assert rows[0]["checkin_response_rate"] == "50.0"
    png = attachment(fake, message, "group-report-14d.png")
    assert png_size(png) == decoded_size(png) == (900, 1080)


async def test_a_member_cannot_see_the_program_report(fake, world, circle):
    message = await final(await fake.slash(world.alice, world.guild, "report program"))

    assert "Only coordinators" in embed_text(message)
    assert not message.get("attachments")


async def test_a_member_cannot_see_their_groups_report(fake, world, circle):
    message = await final(await fake.slash(world.alice, world.guild, "report group", group="Writing Circle"))

    assert not message.get("attachments")
    assert "Program report" not in embed_text(message)
