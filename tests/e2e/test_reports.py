"""Program reports end to end: a coordinator gets a CSV and a chart; a member is refused."""

from __future__ import annotations

import csv
import io
import struct
from datetime import date, timedelta

import pytest

from bot.db.models import CheckinDelivery, CheckinSchedule, Meeting, MeetingAttendance
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


async def checkins_and_a_meeting(bot, clock, world: World, group_id: int) -> None:
    """Last week alice answered her check-in and came to the meeting; bob did neither."""
    now = clock.now()
    async with bot.services.db.transaction() as s:
        schedule = CheckinSchedule(
            guild_id=world.guild.id,
            group_id=group_id,
            cadence_kind="daily",
            planned_until=now,
            created_by=world.owner.id,
            created_at=now - timedelta(days=20),
        )
        meeting = Meeting(
            guild_id=world.guild.id,
            group_id=group_id,
            duration_minutes=60,
            status="confirmed",
            proposed_by=world.alice.id,
            created_at=now - timedelta(days=10),
            starts_at=now - timedelta(days=2),
        )
        s.add_all([schedule, meeting])
        await s.flush()
        for user, status in ((world.alice, "answered"), (world.bob, "sent")):
            due = now - timedelta(days=3)
            s.add(
                CheckinDelivery(
                    guild_id=world.guild.id,
                    group_id=group_id,
                    schedule_id=schedule.id,
                    user_id=user.id,
                    round_date=date(2026, 1, 1),
                    due_at=due,
                    sent_at=due,
                    status=status,
                )
            )
            s.add(MeetingAttendance(meeting_id=meeting.id, user_id=user.id, attended=user is world.alice))


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


async def test_a_coordinator_gets_the_program_report_as_a_csv_and_a_chart(fake, world, bot, clock, circle):
    await final(await fake.slash(world.alice, world.guild, "goal set", title="Submit the R01"))
    await checkins_and_a_meeting(bot, clock, world, circle.id)

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


async def test_a_groups_report_comes_with_its_chart(fake, world, bot, clock, circle):
    await checkins_and_a_meeting(bot, clock, world, circle.id)

    message = await final(
        await fake.slash(world.owner, world.guild, "report group", group=str(circle.id), days=14)
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
    message = await final(await fake.slash(world.alice, world.guild, "report group", group=str(circle.id)))

    assert not message.get("attachments")
    assert "Program report" not in embed_text(message)
