"""The dashboard's aiohttp application: routes, error pages and security headers."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from importlib import resources

import discord
import jinja2
from aiohttp import web

from bot.config import Settings
from bot.errors import Conflict, DomainError, NotAllowed, NotFound
from bot.services.container import Services
from bot.web import auth
from bot.web.context import CONTEXT, WebContext
from bot.web.directory import DiscordUnavailable, MemberDirectory
from bot.web.oauth import DiscordOAuth
from bot.web.pages import exports, group, matching, program
from bot.web.sessions import SignedCookies

log = logging.getLogger(__name__)

CALLBACK_PATH = "/oauth/callback"
# No scripts, no frames, nothing from elsewhere: the pages are plain HTML, CSS and PNG.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_STATUS_OF = {NotAllowed: 403, NotFound: 404, Conflict: 409}


def templates() -> jinja2.Environment:
    """Return the page templates (package data), HTML-escaped by default."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = _percent
    return env


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def build_app(
    settings: Settings,
    services: Services,
    client: discord.Client,
    *,
    base_url: str | None = None,
    can_create_groups: bool = False,
) -> web.Application:
    """Return the dashboard for these services, asking Discord through ``client`` (logged in)."""
    web_settings = settings.web
    client_id, client_secret, session_secret = web_settings.require_sign_in()
    base = base_url or web_settings.base_url()
    research_key = settings.privacy.research_key
    context = WebContext(
        services=services,
        settings=web_settings,
        oauth=DiscordOAuth(settings.discord.api_base_url, client_id, client_secret, base + CALLBACK_PATH),
        directory=MemberDirectory(client),
        cookies=SignedCookies(session_secret),
        templates=templates(),
        base_url=base,
        research_key=research_key.get_secret_value() if research_key else None,
        can_create_groups=can_create_groups,
    )
    app = web.Application(middlewares=[_headers, _error_pages])
    app[CONTEXT] = context
    for table in (auth.routes, program.routes, group.routes, matching.routes, exports.routes):
        app.router.add_routes(table)
    app.router.add_get("/static/style.css", _style)

    async def close(_: web.Application) -> None:
        await context.oauth.close()

    app.on_cleanup.append(close)
    return app


def set_base_url(app: web.Application, base_url: str) -> None:
    """Point the sign-in redirect at the address the server ended up on (port 0 in tests)."""
    context = app[CONTEXT]
    context.base_url = base_url
    context.oauth.redirect_uri = base_url + CALLBACK_PATH


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects and plain errors get the headers too
        exc.headers.update(SECURITY_HEADERS)
        exc.headers.setdefault("Cache-Control", "no-store")
        raise
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")  # pages show personal data
    return response


@web.middleware
async def _error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    context = request.app[CONTEXT]
    try:
        return await handler(request)
    except DomainError as error:
        status = next((s for kind, s in _STATUS_OF.items() if isinstance(error, kind)), 400)
        return context.render(request, "error.html", status, title=error.title, message=error.message)
    except DiscordUnavailable:
        message = "Discord did not answer in time; try again in a moment."
        return context.render(request, "error.html", 503, title="Discord is unreachable", message=message)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.status == 401:
            raise
        title = {403: "Not allowed", 404: "Not found", 405: "Not allowed"}.get(exc.status, "Please check")
        message = exc.text if exc.text and not exc.text.startswith(str(exc.status)) else exc.reason
        return context.render(request, "error.html", exc.status, title=title, message=message)
    except Exception:
        error_id = secrets.token_hex(4)
        log.exception("dashboard error %s on %s %s", error_id, request.method, request.path)
        message = f"Something went wrong on our side (error {error_id}); it was logged."
        return context.render(request, "error.html", 500, title="Sorry", message=message)


async def _style(request: web.Request) -> web.Response:
    css = resources.files("bot.web").joinpath("static/style.css").read_text(encoding="utf-8")
    return web.Response(text=css, content_type="text/css", headers={"Cache-Control": "public, max-age=3600"})
