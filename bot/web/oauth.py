"""Discord's OAuth2 endpoints for Sign in with Discord (authorization-code flow)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

SCOPES = "identify guilds"
_API_PATH = re.compile(r"/api(/v\d+)?/?$")


class SignInFailed(Exception):
    """Discord refused the code or did not answer; the person should start again."""


@dataclass(frozen=True)
class DiscordUser:
    """Who signed in."""

    id: int
    name: str  # their display name on Discord


@dataclass(frozen=True)
class UserGuild:
    """A server the person is in, as ``/users/@me/guilds`` lists it."""

    id: int
    name: str


def web_base(api_base_url: str) -> str:
    """Return Discord's site for an API base ("https://discord.com/api/v10" -> "https://discord.com")."""
    return _API_PATH.sub("", api_base_url.rstrip("/"))


class DiscordOAuth:
    """Builds the authorization URL and turns a code into the person and their servers."""

    def __init__(self, api_base_url: str, client_id: int, client_secret: str, redirect_uri: str) -> None:
        self._api = api_base_url.rstrip("/")
        self._client_id = client_id
        self._secret = client_secret
        self.redirect_uri = redirect_uri
        self._http: aiohttp.ClientSession | None = None

    def authorize_url(self, state: str) -> str:
        """Return the address of Discord's consent page for this sign-in."""
        query = {
            "client_id": str(self._client_id),
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": SCOPES,
            "state": state,
        }
        return f"{web_base(self._api)}/oauth2/authorize?{urlencode(query)}"

    async def sign_in(self, code: str) -> tuple[DiscordUser, list[UserGuild]]:
        """Exchange the code for a token and return the person and their servers (the token is dropped)."""
        http = self._session()
        try:
            async with http.post(
                f"{self._api}/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.redirect_uri,
                    "client_id": str(self._client_id),
                    "client_secret": self._secret,
                },
            ) as response:
                if response.status != 200:
                    raise SignInFailed(f"token endpoint answered {response.status}")
                token = (await response.json())["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            async with http.get(f"{self._api}/users/@me", headers=headers) as response:
                response.raise_for_status()
                me = await response.json()
            async with http.get(f"{self._api}/users/@me/guilds", headers=headers) as response:
                response.raise_for_status()
                guilds = await response.json()
        except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as error:
            raise SignInFailed(type(error).__name__) from error
        user = DiscordUser(int(me["id"]), me.get("global_name") or me["username"])
        return user, [UserGuild(int(g["id"]), g["name"]) for g in guilds]

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        return self._http

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._http is not None:
            await self._http.close()
