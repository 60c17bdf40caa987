"""Sign in with Discord: the OAuth2 authorization-code flow, as Discord documents it.

* ``GET /oauth2/authorize`` (Discord's web page, not the API): checks ``client_id``,
  ``redirect_uri`` (one of the application's registered URIs, exactly), ``response_type=code``
  and ``scope``, then shows the consent page of the user signed in to the fake's "browser"
  (:attr:`OAuthApp.signed_in`, set by a test). Its form posts back here: Authorize redirects to
  ``redirect_uri?code=…&state=…``, Cancel to ``redirect_uri?error=access_denied&…&state=…``.
* ``POST /api/v10/oauth2/token`` (form-encoded; the client authenticates with HTTP Basic or
  ``client_id``/``client_secret`` fields): ``authorization_code`` and ``refresh_token`` grants.
  Codes are single-use, live 10 minutes and are bound to the client and the exact
  ``redirect_uri``; errors are RFC 6749's ``{"error": "invalid_grant", …}`` 400s (401
  ``invalid_client`` for a wrong secret).
* ``GET /users/@me`` and ``GET /users/@me/guilds`` with ``Authorization: Bearer …`` answer for
  the token's user (``identify`` / ``guilds`` scope), guilds with ``owner`` and the user's
  ``permissions`` as a string.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import html
import secrets
import time
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlencode

from aiohttp import web

from .. import errors
from ..permissions import base_permissions
from ..rest import Ctx, Reply, route

if TYPE_CHECKING:
    from ..server import FakeDiscord
    from ..state import FakeUser

FAKE: web.AppKey[Any] = web.AppKey("fake")  # the FakeDiscord serving the page
CODE_SECONDS = 600
TOKEN_SECONDS = 604_800  # Discord's access tokens last a week
KNOWN_SCOPES = frozenset({"identify", "email", "guilds", "guilds.members.read", "connections", "openid"})


@dataclasses.dataclass
class Grant:
    """What a code or a token stands for."""

    user: FakeUser
    scopes: frozenset[str]
    redirect_uri: str
    expires: float


@dataclasses.dataclass
class OAuthApp:
    """The application's OAuth2 side: its secret, its redirect URIs, codes and tokens."""

    client_secret: str = "fake-client-secret"
    redirect_uris: set[str] = dataclasses.field(default_factory=set)
    signed_in: FakeUser | None = None  # who is logged in to Discord in "the browser"
    codes: dict[str, Grant] = dataclasses.field(default_factory=dict)
    tokens: dict[str, Grant] = dataclasses.field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = dataclasses.field(default_factory=dict)
    consents: int = 0  # how many times someone pressed Authorize

    def grant_for(self, authorization: str | None) -> Grant | None:
        """Return the grant of a live ``Bearer`` token, else None."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        grant = self.tokens.get(authorization.removeprefix("Bearer "))
        return grant if grant is not None and grant.expires > time.time() else None


# ---------------------------------------------------------------- the consent page (not the API)
def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Discord</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(status=status, text=text, content_type="text/html")


def _checked(fake: FakeDiscord, query: Any) -> tuple[str, frozenset[str], str | None] | web.Response:
    """Return (redirect_uri, scopes, state), or the error page Discord shows instead."""
    if query.get("client_id") != str(fake.application_id):
        return _page("Unknown application", "<p>Invalid client_id.</p>", 400)
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in fake.oauth.redirect_uris:
        return _page("Invalid OAuth2 redirect_uri", "<p>Invalid OAuth2 redirect_uri</p>", 400)
    if query.get("response_type") != "code":
        return _page("Unsupported response type", "<p>Invalid response_type.</p>", 400)
    scopes = frozenset(query.get("scope", "").split())
    if not scopes or not scopes <= KNOWN_SCOPES:
        return _page("Invalid scope", f"<p>Invalid scope: {html.escape(query.get('scope', ''))}</p>", 400)
    return redirect_uri, scopes, query.get("state")


def _back(redirect_uri: str, params: dict[str, str], state: str | None) -> NoReturn:
    if state is not None:
        params["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(redirect_uri + separator + urlencode(params))


async def authorize(request: web.Request) -> web.Response:
    """Discord's authorization page: consent (GET) and the answer (POST)."""
    fake: FakeDiscord = request.app[FAKE]
    checked = _checked(fake, request.query)
    if isinstance(checked, web.Response):
        return checked
    redirect_uri, scopes, state = checked
    user = fake.oauth.signed_in
    if user is None:
        return _page("Welcome back!", "<p>Log in to Discord to continue.</p>", 401)
    if request.method == "POST":
        form = await request.post()
        if form.get("answer") != "authorize":
            denied = "The resource owner or authorization server denied the request"
            _back(redirect_uri, {"error": "access_denied", "error_description": denied}, state)
        code = secrets.token_urlsafe(22)
        fake.oauth.codes[code] = Grant(user, scopes, redirect_uri, time.time() + CODE_SECONDS)
        fake.oauth.consents += 1
        _back(redirect_uri, {"code": code}, state)
    listed = "".join(f"<li>{html.escape(scope)}</li>" for scope in sorted(scopes))
    return _page(
        f"{fake.world.bot_user.name} wants to access your account",
        f"<p>Signed in as <b>{html.escape(user.global_name or user.name)}</b></p><ul>{listed}</ul>"
        "<form method='post'><button name='answer' value='cancel'>Cancel</button>"
        "<button name='answer' value='authorize'>Authorize</button></form>",
    )


# ---------------------------------------------------------------- the token endpoint (the API)
def _oauth_error(status: int, error: str, description: str | None = None) -> Reply:
    body = {"error": error} | ({"error_description": description} if description else {})
    return Reply(status, body)


def _client(ctx: Ctx, form: dict[str, Any]) -> tuple[str | None, str | None]:
    header = ctx.request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return client_id, secret
    return form.get("client_id"), form.get("client_secret")


def _issue(ctx: Ctx, grant: Grant) -> dict[str, Any]:
    oauth = ctx.fake.oauth
    access, refresh = secrets.token_urlsafe(22), secrets.token_urlsafe(22)
    live = dataclasses.replace(grant, expires=time.time() + TOKEN_SECONDS)
    oauth.tokens[access] = oauth.refresh_tokens[refresh] = live
    return {
        "token_type": "Bearer",
        "access_token": access,
        "expires_in": TOKEN_SECONDS,
        "refresh_token": refresh,
        "scope": " ".join(sorted(grant.scopes)),
    }


@route("POST", "/oauth2/token", auth=False)
async def token(ctx: Ctx) -> Any:
    """Exchange a code (or a refresh token) for an access token."""
    form = ctx.json if isinstance(ctx.json, dict) else None
    if form is None or ctx.request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error(400, "invalid_request", "The request must be application/x-www-form-urlencoded")
    client_id, secret = _client(ctx, form)
    if client_id != str(ctx.fake.application_id) or not secrets.compare_digest(
        secret or "", ctx.fake.oauth.client_secret
    ):
        return _oauth_error(401, "invalid_client")
    oauth = ctx.fake.oauth
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        grant = oauth.codes.pop(str(form.get("code", "")), None)  # single use, even when refused
        if grant is None or grant.expires < time.time():
            return _oauth_error(400, "invalid_grant", 'Invalid "code" in request.')
        if form.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error(400, "invalid_grant", 'Invalid "redirect_uri" in request.')
        return _issue(ctx, grant)
    if grant_type == "refresh_token":
        grant = oauth.refresh_tokens.pop(str(form.get("refresh_token", "")), None)
        if grant is None:
            return _oauth_error(400, "invalid_grant")
        return _issue(ctx, grant)
    return _oauth_error(400, "unsupported_grant_type")


# ---------------------------------------------------------------- answers for a Bearer token
def bearer_grant(ctx: Ctx, scope: str) -> Grant:
    """The token's grant; 401 for a missing or dead token, 403 50001 without ``scope``."""
    grant = ctx.fake.oauth.grant_for(ctx.request.headers.get("Authorization"))
    if grant is None:
        raise errors.unauthorized()
    if scope not in grant.scopes:
        raise errors.missing_access()
    return grant


def my_user(ctx: Ctx) -> dict[str, Any]:
    """``GET /users/@me`` for the token's user (no email without the email scope)."""
    grant = bearer_grant(ctx, "identify")
    return grant.user.to_dict() | {"mfa_enabled": False, "locale": "en-US"}


def my_guilds(ctx: Ctx) -> list[dict[str, Any]]:
    """``GET /users/@me/guilds`` for the token's user: MyGuildResponse, permissions as a string."""
    user = bearer_grant(ctx, "guilds").user
    limit = ctx.query_int("limit", 200) or 200
    after = ctx.query_int("after", 0) or 0
    before = ctx.query_int("before")
    guilds = sorted((g for g in ctx.world.guilds.values() if user.id in g.members), key=lambda g: g.id)
    guilds = [g for g in guilds if g.id > after and (before is None or g.id < before)][:limit]
    return [
        {
            "id": str(g.id),
            "name": g.name,
            "icon": None,
            "banner": None,
            "owner": g.owner_id == user.id,
            "permissions": str(base_permissions(g, g.members[user.id])),
            "features": list(g.features),
        }
        for g in guilds
    ]
