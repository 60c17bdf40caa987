"""The fake Discord's Sign in with Discord speaks as Discord documents it."""

from __future__ import annotations

import base64

import aiohttp
import pytest
from yarl import URL

from tests.fake_discord import FakeDiscord

REDIRECT = "http://dashboard.test/oauth/callback"


@pytest.fixture
async def fake():
    server = FakeDiscord()
    await server.start()
    server.oauth.redirect_uris.add(REDIRECT)
    yield server
    await server.stop()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def authorize_url(fake: FakeDiscord, **overrides: str) -> str:
    query = {
        "client_id": str(fake.application_id),
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "identify guilds",
        "state": "s-1",
    } | overrides
    return str(URL(f"http://127.0.0.1:{fake.port}/oauth2/authorize").with_query(query))


async def consent(http: aiohttp.ClientSession, url: str, answer: str = "authorize") -> URL:
    page = await http.get(url)
    assert page.status == 200 and "Authorize" in await page.text()
    back = await http.post(url, data={"answer": answer}, allow_redirects=False)
    assert back.status == 302
    return URL(back.headers["Location"])


async def exchange(http, fake: FakeDiscord, code: str, redirect_uri: str = REDIRECT, secret=None):
    # HTTP Basic, as RFC 6749 prefers (the dashboard sends form fields, also allowed)
    credentials = f"{fake.application_id}:{secret or fake.oauth.client_secret}"
    return await http.post(
        f"{fake.api_base_url}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        headers={"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()},
    )


async def test_a_code_becomes_a_token_once_and_answers_for_its_user(fake, http):
    alice = fake.add_user("alice", global_name="Alice")
    owner = fake.add_user("olivia")
    guild = fake.add_guild("Mentoring", owner=owner)
    guild.add_member(alice)
    fake.add_guild("Elsewhere", owner=owner)
    fake.oauth.signed_in = alice

    back = await consent(http, authorize_url(fake))
    assert str(back.with_query(None)) == REDIRECT and back.query["state"] == "s-1"
    answer = await exchange(http, fake, back.query["code"])
    token = await answer.json()
    assert answer.status == 200 and token["token_type"] == "Bearer"
    assert token["scope"] == "guilds identify" and token["expires_in"] > 0 and token["refresh_token"]

    headers = {"Authorization": f"Bearer {token['access_token']}"}
    me = await (await http.get(f"{fake.api_base_url}/users/@me", headers=headers)).json()
    assert me["id"] == str(alice.id) and me["global_name"] == "Alice"
    guilds = await (await http.get(f"{fake.api_base_url}/users/@me/guilds", headers=headers)).json()
    assert [g["name"] for g in guilds] == ["Mentoring"]
    assert guilds[0]["owner"] is False and isinstance(guilds[0]["permissions"], str)

    again = await exchange(http, fake, back.query["code"])
    assert again.status == 400 and (await again.json())["error"] == "invalid_grant"


async def test_a_code_is_bound_to_its_redirect_uri_and_the_client_secret(fake, http):
    fake.oauth.signed_in = fake.add_user("alice")
    fake.oauth.redirect_uris.add("http://dashboard.test/other")
    code = (await consent(http, authorize_url(fake))).query["code"]
    wrong_secret = await exchange(http, fake, code, secret="not-the-secret")
    assert wrong_secret.status == 401 and (await wrong_secret.json())["error"] == "invalid_client"
    elsewhere = await exchange(http, fake, code, redirect_uri="http://dashboard.test/other")
    assert elsewhere.status == 400 and (await elsewhere.json())["error"] == "invalid_grant"
    assert (await exchange(http, fake, code)).status == 400  # spent by the failed try


async def test_an_unregistered_redirect_uri_or_client_is_refused_on_the_page(fake, http):
    fake.oauth.signed_in = fake.add_user("alice")
    assert (await http.get(authorize_url(fake, redirect_uri="http://evil.test/cb"))).status == 400
    assert (await http.get(authorize_url(fake, client_id="42"))).status == 400


async def test_cancel_sends_access_denied_back_with_the_state(fake, http):
    fake.oauth.signed_in = fake.add_user("alice")
    back = await consent(http, authorize_url(fake), answer="cancel")
    assert back.query["error"] == "access_denied" and back.query["state"] == "s-1"
    assert "code" not in back.query


async def test_bearer_tokens_need_their_scope_and_bad_ones_are_unauthorized(fake, http):
    alice = fake.add_user("alice")
    fake.oauth.signed_in = alice
    code = (await consent(http, authorize_url(fake, scope="identify"))).query["code"]
    token = (await (await exchange(http, fake, code)).json())["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    guilds = await http.get(f"{fake.api_base_url}/users/@me/guilds", headers=bearer)
    assert guilds.status == 403
    forged = await http.get(f"{fake.api_base_url}/users/@me", headers={"Authorization": "Bearer forged"})
    assert forged.status == 401
    bot = await http.get(f"{fake.api_base_url}/users/@me", headers={"Authorization": f"Bot {fake.token}"})
    assert (await bot.json())["id"] == str(fake.application_id)  # the bot's own answer is unchanged
