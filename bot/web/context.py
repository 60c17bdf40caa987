"""What every handler reaches through ``request.app[CONTEXT]``: services, settings, helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2
from aiohttp import web

from bot.config import WebSettings
from bot.services.container import Services
from bot.web.directory import MemberDirectory
from bot.web.oauth import DiscordOAuth
from bot.web.sessions import SESSION_COOKIE, Session, SignedCookies


@dataclass
class WebContext:
    """The dashboard's collaborators, built once by :func:`bot.web.app.build_app`."""

    services: Services
    settings: WebSettings
    oauth: DiscordOAuth
    directory: MemberDirectory
    cookies: SignedCookies
    templates: jinja2.Environment
    base_url: str  # the address people open (known once the server listens, for port 0)
    research_key: str | None = None
    # Confirming matches creates channels on Discord: a process with the bot connected does it at
    # once; a dashboard running alone asks the bot to (MatchingService.request_confirmation).
    can_create_groups: bool = False

    @property
    def secure_cookies(self) -> bool:
        """Return whether cookies are Secure (the dashboard is reached over HTTPS)."""
        return self.base_url.startswith("https://")

    def session_of(self, request: web.Request) -> Session | None:
        """Return the signed-in person, as their (verified, unexpired) session cookie says."""
        max_age = self.settings.session_hours * 3600
        data = self.cookies.loads("session", request.cookies.get(SESSION_COOKIE), max_age)
        return Session.from_cookie(data) if data is not None else None

    def render(self, request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
        """Render a page (HTML-escaped) with the signed-in person and their CSRF token."""
        session = self.session_of(request)
        html = self.templates.get_template(template).render(session=session, request=request, **values)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


CONTEXT: web.AppKey[WebContext] = web.AppKey("mentorbot", WebContext)
