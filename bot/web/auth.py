"""Sign in with Discord: the OAuth2 code flow with a state, the session cookie, CSRF tokens."""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import quote

from aiohttp import web

from bot.errors import NotAllowed
from bot.web.context import CONTEXT, WebContext
from bot.web.directory import DiscordUnavailable
from bot.web.oauth import SignInFailed, UserGuild
from bot.web.sessions import SESSION_COOKIE, Server, Session

log = logging.getLogger(__name__)

STATE_COOKIE = "mentorbot_signin"
STATE_SECONDS = 600  # time to consent on Discord's page
MAX_SERVERS = 50  # listed at sign-in; more would not fit in a cookie

routes = web.RouteTableDef()


def _cookie_options(context: WebContext, max_age: int, path: str = "/") -> dict[str, object]:
    return {
        "max_age": max_age,
        "path": path,
        "httponly": True,
        "samesite": "Lax",  # sent when Discord sends the person back; never on another site's POST
        "secure": context.secure_cookies,
    }


def signed_in(request: web.Request) -> Session:
    """Return the signed-in person; send others to sign in (pages) or refuse them (anything else)."""
    session = request.app[CONTEXT].session_of(request)
    if session is None:
        if request.method == "GET" and not request.path.endswith((".png", ".csv", ".zip")):
            raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='')}")
        raise web.HTTPUnauthorized(text="Sign in first.")
    return session


async def checked_form(request: web.Request) -> dict[str, str]:
    """Return a form's fields once its CSRF token matches the session's; 403 otherwise."""
    session = signed_in(request)
    form = await request.post()
    token = form.get("csrf")
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), session.csrf.encode()):
        raise web.HTTPForbidden(text="This form has expired: reload the page and try again.")
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _next_path(raw: str | None) -> str:
    """Return a local path to go to after signing in (never another site)."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/"


@routes.get("/login")
async def login(request: web.Request) -> web.StreamResponse:
    """Send the person to Discord's consent page, remembering a state to check on the way back."""
    context = request.app[CONTEXT]
    state = secrets.token_urlsafe(24)
    response = web.HTTPFound(context.oauth.authorize_url(state))
    value = context.cookies.dumps("signin", {"state": state, "next": _next_path(request.query.get("next"))})
    response.set_cookie(STATE_COOKIE, value, **_cookie_options(context, STATE_SECONDS, "/oauth/"))  # type: ignore[arg-type]
    raise response


@routes.get("/oauth/callback")
async def callback(request: web.Request) -> web.StreamResponse:
    """Finish signing in: check the state, exchange the code, list the servers this person may see."""
    context = request.app[CONTEXT]
    started = context.cookies.loads("signin", request.cookies.get(STATE_COOKIE), STATE_SECONDS)
    state = request.query.get("state", "")
    if started is None or not hmac.compare_digest(state.encode(), str(started.get("state", "")).encode()):
        return context.render(request, "signin_failed.html", 400, reason="expired")
    if "error" in request.query or "code" not in request.query:
        return context.render(request, "signin_failed.html", 400, reason="cancelled")
    try:
        user, guilds = await context.oauth.sign_in(request.query["code"])
        servers = await _servers(context, user.id, guilds)
    except (SignInFailed, DiscordUnavailable) as error:
        log.warning("sign-in failed: %s", error)
        return context.render(request, "signin_failed.html", 400, reason="refused")
    session = Session(user.id, user.name, secrets.token_urlsafe(24), servers)
    response = web.HTTPFound(_next_path(str(started.get("next"))))
    max_age = context.settings.session_hours * 3600
    cookie = context.cookies.dumps("session", session.to_cookie())
    response.set_cookie(SESSION_COOKIE, cookie, **_cookie_options(context, max_age))  # type: ignore[arg-type]
    response.del_cookie(STATE_COOKIE, path="/oauth/")
    log.info("user %s signed in to the dashboard (%d servers)", user.id, len(servers))
    raise response


async def _servers(context: WebContext, user_id: int, guilds: list[UserGuild]) -> tuple[Server, ...]:
    """Return the person's servers where the bot is and they coordinate or facilitate."""
    known = await context.services.dashboard.servers_of(g.id for g in guilds)
    found = []
    for guild in [g for g in guilds if g.id in known][:MAX_SERVERS]:
        actor = await context.directory.actor(guild.id, user_id, fresh=True)  # signing in again refreshes
        if actor is None:
            continue
        try:
            access = await context.services.dashboard.access(guild.id, actor)
        except NotAllowed:
            continue
        found.append(Server(guild.id, guild.name, "coordinator" if access.coordinator else "facilitator"))
    return tuple(found)


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """Forget the session."""
    await checked_form(request)
    response = web.HTTPSeeOther("/")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
