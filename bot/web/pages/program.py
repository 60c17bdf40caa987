"""The servers list and the program page: groups by model, rates over time, groups needing attention."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.domain.cycles import NEXT_STEPS
from bot.domain.groups import KIND_LABELS
from bot.errors import NotFound
from bot.reports.charts import render_chart
from bot.web.access import PERIODS, days_of, viewer
from bot.web.context import CONTEXT

routes = web.RouteTableDef()
PNG_HEADERS = {"Cache-Control": "private, max-age=300"}


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    """The front door: sign in, or the servers this person coordinates or facilitates."""
    context = request.app[CONTEXT]
    session = context.session_of(request)
    return context.render(request, "home.html", servers=session.servers if session else None)


@routes.get(r"/guilds/{guild_id:\d+}")
async def program(request: web.Request) -> web.Response:
    """The program at a glance (a facilitator sees their own groups)."""
    context = request.app[CONTEXT]
    seen = await viewer(request)
    days = days_of(request)
    wanted = request.query.get("cycle", "")
    cycle_id = int(wanted) if wanted.isdigit() else None
    report = cycle = concerns = None
    names: dict[int, str] = {}
    cycles: list[tuple[int, str]] = []
    if seen.access.coordinator:
        report = await context.services.reports.program_report(seen.guild_id, seen.actor, days)
        cycles = await context.services.cycle_reports.choices(seen.guild_id, "")
        if cycle_id is not None and cycle_id not in dict(cycles):
            raise NotFound("No such cycle in this server.")
        if cycle_id is not None:
            cycle = await context.services.cycle_reports.report(seen.guild_id, seen.actor, cycle_id)
        # The list /program attention shows; a facilitator sees only their quiet groups (overview).
        concerns = await context.services.pulses.attention(seen.guild_id, seen.actor, cycle_id)
        people = [c.user_id for c in concerns if c.user_id is not None]
        names = await context.directory.names(seen.guild_id, people)
    overview = await context.services.dashboard.program(seen.guild_id, seen.actor, cycle_id)
    figures = {f.group_id: f for f in report.groups} if report else {}
    return context.render(
        request,
        "program.html",
        viewer=seen,
        overview=overview,
        concerns=concerns,
        names=names,
        report=report,
        figures=figures,
        days=days,
        periods=PERIODS,
        kinds=KIND_LABELS,
        cycles=cycles,
        cycle=cycle,
        cycle_id=cycle_id,
        next_steps=NEXT_STEPS,
    )


@routes.get(r"/guilds/{guild_id:\d+}/charts/program.png")
async def program_chart(request: web.Request) -> web.Response:
    """The program's check-in response and attendance rates over time (coordinators)."""
    context = request.app[CONTEXT]
    seen = await viewer(request, coordinator=True)
    days = days_of(request)
    report = await context.services.reports.program_report(seen.guild_id, seen.actor, days)
    png = await asyncio.to_thread(render_chart, report, f"Program · last {days} days")
    return web.Response(body=png, content_type="image/png", headers=PNG_HEADERS)
