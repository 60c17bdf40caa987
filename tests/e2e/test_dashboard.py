"""The dashboard's pages as a coordinator and a facilitator use them (aiohttp's test client)."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db.models import ModerationRecord
from tests.e2e.conftest import button_id, final
from tests.e2e.dashboard_support import csrf_of, dashboard, link_id, make_circle, sign_in
from tests.e2e.test_checkins import TOKYO_NINE, Circle, checkins_for
from tests.e2e.test_foundation import embed_text
from tests.support.waiting import eventually

PNG = b"\x89PNG\r\n\x1a\n"


async def test_a_coordinator_sees_the_program_with_its_chart(fake, world, bot, database_url):
    await make_circle(fake, world)
    await final(await fake.slash(world.alice, world.guild, "match optin", wants="mentor"))
    async with dashboard(fake, bot, database_url) as client:
        answer = await sign_in(client, fake, world.owner, next_path=f"/guilds/{world.guild.id}")
        assert answer.headers["Location"] == f"/guilds/{world.guild.id}"
        home = await (await client.get("/")).text()
        assert "Faculty Peer Mentoring" in home and "coordinator" in home

        page = await client.get(f"/guilds/{world.guild.id}?days=30")
        text = await page.text()
        assert page.status == 200
        assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "Facilitated peer group" in text and "Circle" in text
        assert "1 member is waiting to be matched" in text
        assert "No group has gone quiet" in text
        chart = re.search(r'src="(/guilds/\d+/charts/program.png\?days=30)"', text)[1]
        png = await client.get(chart)
        assert png.status == 200 and png.content_type == "image/png" and (await png.read()).startswith(PNG)


async def test_a_group_page_shows_members_clocks_in_the_viewers_time_zone(
    fake, world, bot, database_url, clock
):
    carol = await make_circle(fake, world)
    await final(await fake.slash(world.alice, world.guild, "profile timezone", zone="Asia/Tokyo"))
    await final(await fake.slash(carol, world.guild, "profile timezone", zone="America/New_York"))
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, carol)
        circle = link_id(await (await client.get(f"/guilds/{world.guild.id}")).text(), "Circle")
        page = await client.get(f"/guilds/{world.guild.id}/groups/{circle}")
        text = html.unescape(await page.text())
        assert page.status == 200
        tokyo = clock.now().astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %H:%M")
        assert re.search(rf"Alice.*?peer.*?Asia/Tokyo.*?{tokyo}", text, re.S)
        assert re.search(r"Bob.*?UTC.*?\(server default\)", text, re.S)
        assert "Times are shown in America/New_York." in text  # the viewer's own zone, no note
        chart = await client.get(f"/guilds/{world.guild.id}/groups/{circle}/chart.png")
        assert (await chart.read()).startswith(PNG)


async def test_a_coordinator_confirms_a_proposal_on_the_dashboard_and_it_is_logged(
    fake, world, bot, database_url
):
    modlog = world.guild.add_text_channel("mod-log")
    chosen = await fake.slash(world.owner, world.guild, "setup modlog-channel", options={"channel": modlog})
    await final(chosen)
    await final(await fake.slash(world.alice, world.guild, "match optin", wants="mentor"))
    await final(await fake.slash(world.bob, world.guild, "match optin", wants="mentee"))
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.owner)
        matching = f"/guilds/{world.guild.id}/matching"
        token = await csrf_of(client, matching)
        proposed = await client.post(f"{matching}/propose", data={"csrf": token, "mode": "one_to_one"})
        text = html.unescape(await proposed.text())
        assert proposed.status == 200 and "Alice (mentor) & Bob (mentee)" in text
        confirm = re.search(r'action="(/guilds/\d+/matching/\d+/confirm)"', text)[1]

        created = await client.post(confirm, data={"csrf": token})
        text = html.unescape(await created.text())
        assert created.status == 200 and "Created 1 group" in text and "Alice & Bob" in text
        again = await client.post(confirm, data={"csrf": token})
        assert again.status == 409 and "already confirmed" in await again.text()

    program = await (await _program_page(fake, world, bot, database_url)).text()
    assert "Alice &amp; Bob" in program  # the group exists, as `/match` would have made it

    async def logged() -> bool:
        await bot.services.scheduler.wake_all()  # one pass of the bot's jobs: the outbox posts the log
        texts = [embed_text(m) for m in fake.channel_messages(modlog)]
        return any("confirmed a matching proposal: 1 new groups on the dashboard" in t for t in texts)

    await eventually(logged)
    async with bot.services.db.reading() as session:
        records = (await session.scalars(select(ModerationRecord).order_by(ModerationRecord.id))).all()
    assert [(r.action, r.actor_id, r.details["via"]) for r in records] == [
        ("propose_matches", world.owner.id, "web"),
        ("confirm_matches", world.owner.id, "web"),
    ]


async def _program_page(fake, world, bot, database_url):
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.owner)
        page = await client.get(f"/guilds/{world.guild.id}")
        await page.read()
        return page


async def test_the_exports_are_the_reports_csvs_and_charts(fake, world, bot, database_url):
    await make_circle(fake, world)
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.owner)
        exports = await (await client.get(f"/guilds/{world.guild.id}/exports")).text()
        assert "research.csv: not available" in exports

        program = await client.get(f"/guilds/{world.guild.id}/exports/program.csv?days=30")
        assert program.headers["Content-Disposition"] == 'attachment; filename="program-report-30d.csv"'
        rows = list(csv.reader(io.StringIO(await program.text())))
        assert rows[0][:2] == ["group", "members"] and rows[1][:2] == ["Circle", "3"]

        archive = await client.get(f"/guilds/{world.guild.id}/exports/reports.zip")
        names = zipfile.ZipFile(io.BytesIO(await archive.read())).namelist()
        assert {"program.csv", "program.png"} <= set(names)
        assert any(re.fullmatch(r"group-\d+-circle\.(csv|png)", n) for n in names)

        research = await client.get(f"/guilds/{world.guild.id}/exports/research.csv")
        assert research.status == 400 and "MENTORBOT_RESEARCH_KEY" in await research.text()


async def test_a_private_check_in_answer_shows_as_a_count_never_as_its_words(
    fake, world, bot, database_url, clock, timeline
):
    circle = Circle(world, timeline)
    await circle.arrange()
    await circle.at(clock, TOKYO_NINE)
    [dm] = checkins_for(fake, world.alice)
    form = await fake.click(world.alice, dm, button_id(dm, "Answer"))
    words = "Drafted the specific aims, privately."
    answers = {"How are you doing? (1 low – 5 great)": ["4"], "Progress since last time?": words}
    saved = await fake.submit_modal(world.alice, form, answers)
    assert "Seen by **only me**" in embed_text(saved.message)
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.owner)
        writing = link_id(await (await client.get(f"/guilds/{world.guild.id}")).text(), "Writing Circle")
        group = f"/guilds/{world.guild.id}/groups/{writing}"
        page = html.unescape(await (await client.get(group)).text())
        assert re.search(r"Alice.*?Asia/Tokyo.*?1/1", page, re.S)  # answered one of one
        downloads = [
            await (await client.get(path)).read()
            for path in (f"{group}/report.csv", f"/guilds/{world.guild.id}/exports/program.csv")
        ]
        zipped = await (await client.get(f"/guilds/{world.guild.id}/exports/reports.zip")).read()
        archive = zipfile.ZipFile(io.BytesIO(zipped))
        downloads += [archive.read(name) for name in archive.namelist()]
        for path in (f"/guilds/{world.guild.id}", group, f"/guilds/{world.guild.id}/exports"):
            downloads.append((await (await client.get(path)).text()).encode())
    assert all(b"specific aims" not in body for body in downloads)


async def test_a_dashboard_running_alone_has_the_bot_confirm_the_proposal(fake, world, bot, database_url):
    await final(await fake.slash(world.alice, world.guild, "match optin", wants="mentor"))
    await final(await fake.slash(world.bob, world.guild, "match optin", wants="mentee"))
    await (await fake.slash(world.owner, world.guild, "match suggest", mode="one_to_one")).wait_followup()
    async with dashboard(fake, bot, database_url, alone=True) as client:
        await sign_in(client, fake, world.owner)
        matching = f"/guilds/{world.guild.id}/matching"
        page = await (await client.get(matching)).text()
        confirm = re.search(r'action="(/guilds/\d+/matching/\d+/confirm)"', page)[1]
        token = await csrf_of(client, matching)
        asked = html.unescape(await (await client.post(confirm, data={"csrf": token})).text())
        assert "Confirmation sent to the bot" in asked and "the bot is creating the groups" in asked

        async def created() -> bool:
            return "Alice &amp; Bob" in await (await client.get(f"/guilds/{world.guild.id}")).text()

        await eventually(created, within=15)  # the bot's sweep, woken by the request
        after = await (await client.get(matching)).text()
        assert "Confirmed " in after and confirm not in after
    async with bot.services.db.reading() as session:
        records = (await session.scalars(select(ModerationRecord).order_by(ModerationRecord.id))).all()
    assert [(r.action, r.actor_id, r.details["via"]) for r in records][-1] == (
        "confirm_matches",
        world.owner.id,
        "web",
    )


async def test_the_bot_checks_the_rights_again_and_says_why_it_could_not_confirm(
    fake, world, bot, database_url
):
    role = world.guild.add_role("Program team")
    await final(await fake.slash(world.owner, world.guild, "setup coordinator-role", role=role))
    world.guild.update_member(world.bob, roles=[role])
    carol, dan = fake.add_user("carol", global_name="Carol"), fake.add_user("dan", global_name="Dan")
    for user, wants in ((carol, "mentor"), (dan, "mentee")):
        world.guild.add_member(user)
        await final(await fake.slash(user, world.guild, "match optin", wants=wants))
    async with dashboard(fake, bot, database_url, alone=True) as client:
        await sign_in(client, fake, world.bob)
        matching = f"/guilds/{world.guild.id}/matching"
        token = await csrf_of(client, matching)
        form = {"csrf": token, "mode": "one_to_one"}
        proposed = await (await client.post(f"{matching}/propose", data=form)).text()
        confirm = re.search(r'action="(/guilds/\d+/matching/\d+/confirm)"', proposed)[1]
        world.guild.update_member(world.bob, roles=[])  # his role goes while the page is open
        await client.post(confirm, data={"csrf": token})
        await fake.settle()

        async def refused() -> bool:
            return "The bot could not confirm it" in await (await client.get(matching)).text()

        await eventually(refused, within=15)
        page = html.unescape(await (await client.get(matching)).text())
        assert "Only coordinators can confirm matches" in page
        assert confirm in page  # it can be confirmed again, by someone who may
    program = await (await _program_page(fake, world, bot, database_url)).text()
    assert "Carol &amp; Dan" not in program
