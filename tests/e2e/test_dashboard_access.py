"""The dashboard lets in coordinators and facilitators only: 403 for everyone else, on every route."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import final
from tests.e2e.dashboard_support import consent, csrf_of, dashboard, link_id, make_circle, sign_in


def server_routes(client) -> list[tuple[str, str]]:
    """Every route of a server's pages and downloads, as (method, path template)."""
    found = []
    for route in client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        template = info.get("formatter") or info.get("path") or ""
        if "{guild_id}" in template:
            found.append((route.method, template))
    assert len(found) >= 12, found
    return found


def fill(template: str, guild_id: int, group_id: int, proposal_id: int = 1) -> str:
    return template.format(guild_id=guild_id, group_id=group_id, proposal_id=proposal_id)


async def test_a_member_of_another_server_gets_403_on_every_page_and_download(fake, world, bot, database_url):
    await make_circle(fake, world)
    mallory = fake.add_user("mallory", global_name="Mallory")
    elsewhere = fake.add_guild("Elsewhere", owner=mallory)  # she coordinates a server of her own
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.owner)
        circle = link_id(await (await client.get(f"/guilds/{world.guild.id}")).text(), "Circle")
        client.session.cookie_jar.clear()

        await sign_in(client, fake, mallory)
        token = await csrf_of(client)
        for method, template in server_routes(client):
            path = fill(template, world.guild.id, circle)
            answer = await (client.post(path, data={"csrf": token}) if method == "POST" else client.get(path))
            assert answer.status == 403, (method, path, answer.status)
            assert "Circle" not in await answer.text()
        # Her own server's pages never reach another server's group either.
        crossing = await client.get(f"/guilds/{elsewhere.id}/groups/{circle}")
        assert crossing.status in (403, 404) and "Circle" not in await crossing.text()


async def test_a_member_without_a_role_sees_no_server_and_is_refused(fake, world, bot, database_url):
    await make_circle(fake, world)
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.alice)
        home = await (await client.get("/")).text()
        assert "don't coordinate a program or facilitate a group" in home
        assert (await client.get(f"/guilds/{world.guild.id}")).status == 403
        assert (await client.get(f"/guilds/{world.guild.id}/exports/program.csv")).status == 403


async def test_a_facilitator_sees_only_their_own_groups(fake, world, bot, database_url):
    carol = await make_circle(fake, world)
    await final(await fake.slash(world.owner, world.guild, "group create", name="Harbour", kind="group"))
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.owner)
        harbour = link_id(await (await client.get(f"/guilds/{world.guild.id}")).text(), "Harbour")
        client.session.cookie_jar.clear()

        await sign_in(client, fake, carol)
        assert "facilitator" in await (await client.get("/")).text()
        program = await (await client.get(f"/guilds/{world.guild.id}")).text()
        circle = link_id(program, "Circle")
        assert "Harbour" not in program and "charts/program.png" not in program
        assert (await client.get(f"/guilds/{world.guild.id}/groups/{circle}")).status == 200
        assert (await client.get(f"/guilds/{world.guild.id}/groups/{circle}/report.csv")).status == 200
        for path in (
            f"/guilds/{world.guild.id}/groups/{harbour}",
            f"/guilds/{world.guild.id}/groups/{harbour}/chart.png",
            f"/guilds/{world.guild.id}/matching",
            f"/guilds/{world.guild.id}/charts/program.png",
            f"/guilds/{world.guild.id}/exports/program.csv",
            f"/guilds/{world.guild.id}/exports/reports.zip",
            f"/guilds/{world.guild.id}/exports/research.csv",
        ):
            assert (await client.get(path)).status == 403, path


async def test_a_coordinator_role_counts_as_it_does_for_slash_commands(fake, world, bot, database_url):
    role = world.guild.add_role("Program team")
    await final(await fake.slash(world.owner, world.guild, "setup coordinator-role", role=role))
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.bob)
        assert (await client.get(f"/guilds/{world.guild.id}")).status == 403
        world.guild.update_member(world.bob, roles=[role])
        await sign_in(client, fake, world.bob)
        assert "coordinator" in await (await client.get("/")).text()
        assert (await client.get(f"/guilds/{world.guild.id}/matching")).status == 200


async def test_signed_out_people_are_sent_to_sign_in_and_downloads_refused(fake, world, bot, database_url):
    async with dashboard(fake, bot, database_url) as client:
        page = await client.get(f"/guilds/{world.guild.id}/matching", allow_redirects=False)
        assert page.status == 302 and page.headers["Location"].startswith("/login?next=")
        assert (await client.get(f"/guilds/{world.guild.id}/exports/program.csv")).status == 401
        assert (await client.post(f"/guilds/{world.guild.id}/matching/1/confirm")).status == 401


async def test_forms_without_the_sessions_csrf_token_are_refused(fake, world, bot, database_url):
    await final(await fake.slash(world.alice, world.guild, "match optin", wants="mentor"))
    await final(await fake.slash(world.bob, world.guild, "match optin", wants="mentee"))
    await (await fake.slash(world.owner, world.guild, "match suggest", mode="one_to_one")).wait_followup()
    async with dashboard(fake, bot, database_url) as client:
        await sign_in(client, fake, world.owner)
        page = await (await client.get(f"/guilds/{world.guild.id}/matching")).text()
        proposal = re.search(r"/matching/(\d+)/confirm", page)[1]
        confirm = f"/guilds/{world.guild.id}/matching/{proposal}/confirm"
        assert (await client.post(confirm)).status == 403
        assert (await client.post(confirm, data={"csrf": "forged"})).status == 403
        assert (await client.post(confirm, data={"csrf": "fälschung"})).status == 403
        assert (await client.post("/logout", data={"csrf": "forged"})).status == 403
        after = await (await client.get(f"/guilds/{world.guild.id}/matching")).text()
        assert f"/matching/{proposal}/confirm" in after  # still waiting: nothing was created
        assert "Alice & Bob" not in await (await client.get(f"/guilds/{world.guild.id}")).text()


@pytest.mark.parametrize("public_url", [None, "https://mentoring.example.org"])
async def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(
    fake, world, bot, database_url, public_url
):
    async with dashboard(fake, bot, database_url, public_url=public_url) as client:
        start = await client.get("/login", allow_redirects=False)
        back = await consent(fake, world.owner, start.headers["Location"])
        # Sent back by hand: a test client on plain http keeps no Secure cookie (as a browser would not).
        state = start.cookies["mentorbot_signin"].value
        cookie_header = {"Cookie": f"mentorbot_signin={state}"}
        answer = await client.get(back.path_qs, headers=cookie_header, allow_redirects=False)
        assert answer.status == 302
        for response, name in ((start, "mentorbot_signin"), (answer, "mentorbot_session")):
            cookie = next(v for v in response.headers.getall("Set-Cookie") if v.startswith(f"{name}="))
            flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
            assert {"httponly", "samesite", "path", "max-age"} <= flags, cookie
            assert "SameSite=Lax" in cookie
            assert ("secure" in flags) == (public_url is not None)


async def test_a_sign_in_with_a_foreign_state_is_refused(fake, world, bot, database_url):
    async with dashboard(fake, bot, database_url) as client:
        start = await client.get("/login", allow_redirects=False)
        back = (await consent(fake, world.owner, start.headers["Location"])).path_qs
        answer = await client.get(back.replace("state=", "state=x"), allow_redirects=False)
        assert answer.status == 400 and "expired" in await answer.text()
        odd = await client.get(back.replace("state=", "state=%C3%A9"), allow_redirects=False)
        assert odd.status == 400
        assert not [c for c in answer.headers.getall("Set-Cookie", []) if c.startswith("mentorbot_session=")]
