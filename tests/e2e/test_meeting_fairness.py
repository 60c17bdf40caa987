"""Fair meeting times in a six-zone group: rotation decides who carries an awkward hour, never how many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import button_id, final
from tests.e2e.people import create_group, join_group, moments_in, set_clock, text_of

# Wednesdays in winter. 18:00 UTC is 02:00 in Shanghai and a fair hour in the five other zones;
# 22:00 UTC is 23:00 in Lagos and Berlin and 06:00 in Shanghai: three awkward hours.
ZONES = (
    "Africa/Lagos",
    "America/Sao_Paulo",
    "Asia/Shanghai",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Pacific/Auckland",
)
FIRST = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
ONE_AWKWARD = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
THREE_AWKWARD = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)


async def poll_of(fake, timeline, home: int, times: str, coordinator, guild) -> dict:
    planned = await final(await fake.slash(coordinator, guild, "meet plan", group="Six Zones", times=times))
    assert "Poll posted" in text_of(planned)
    await timeline.settle()
    return [m for m in fake.channel_messages(home) if "when can you meet?" in text_of(m)][-1]


async def mark_every_time(fake, user, poll: dict) -> None:
    opened = await fake.click(user, poll, button_id(poll, "Mark my times"))
    [menu] = [c for row in opened.message["components"] for c in row["components"]]
    await fake.select(user, opened, menu["custom_id"], values=[o["value"] for o in menu["options"]])


async def test_the_second_poll_puts_first_the_time_awkward_for_one_not_three(fake, world, timeline):
    people = [fake.add_user(f"member{i}") for i in range(len(ZONES))]
    for person in people:
        world.guild.add_member(person)
    await fake.settle()
    home = await create_group(fake, world.guild, world.owner, "Six Zones", "peer")
    for person, zone in zip(people, ZONES, strict=True):
        await join_group(fake, world.guild, world.owner, "Six Zones", person, "peer")
        await set_clock(fake, world.guild, person, zone)
    shanghai = people[ZONES.index("Asia/Shanghai")]
    lagos, berlin = people[ZONES.index("Africa/Lagos")], people[ZONES.index("Europe/Berlin")]

    # The first meeting: 02:00 for Shanghai, who now has carried an awkward hour.
    first = await poll_of(fake, timeline, home, "2026-11-25 18:00", world.owner, world.guild)
    for person in people:
        await mark_every_time(fake, person, first)
    confirmed = await final(await fake.slash(world.owner, world.guild, "meet confirm", group="Six Zones"))
    assert "Meeting confirmed" in text_of(confirmed)
    await timeline.to(FIRST + timedelta(hours=2))  # the meeting has happened

    times = "2026-12-02 18:00, 2026-12-02 22:00"
    second = await poll_of(fake, timeline, home, times, world.owner, world.guild)
    for person in people:
        await mark_every_time(fake, person, second)
    results = await fake.slash(world.owner, world.guild, "meet results", group="Six Zones")
    fields = results.message["embeds"][0]["fields"]
    best, runner_up = fields[0], fields[1]
    assert best["name"].startswith("#1") and moments_in(best["value"]) == [ONE_AWKWARD]
    assert best["value"].count("<@") == 1 and f"<@{shanghai.id}> (02:00)" in best["value"]
    assert moments_in(runner_up["value"]) == [THREE_AWKWARD]
    for person, hour in ((lagos, "23:00"), (berlin, "23:00"), (shanghai, "06:00")):
        assert f"<@{person.id}> ({hour})" in runner_up["value"]

    confirmed = await final(await fake.slash(world.owner, world.guild, "meet confirm", group="Six Zones"))
    assert f"<t:{int(ONE_AWKWARD.timestamp())}:F>" in text_of(confirmed)
