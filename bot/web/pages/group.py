"""A group's page: members with their clocks, schedules, meetings and participation counts."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.domain.groups import KIND_LABELS
from bot.reports.charts import render_chart
from bot.services.reports import report_csv
from bot.web.access import PERIODS, days_of, viewer
from bot.web.context import CONTEXT
from bot.web.pages.program import PNG_HEADERS

routes = web.RouteTableDef()
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def _group_id(request: web.Request) -> int:
    return int(request.match_info["group_id"])


@routes.get(r"/guilds/{guild_id:\d+}/groups/{group_id:\d+}")
async def group(request: web.Request) -> web.Response:
    """One group, for its facilitators and the coordinators."""
    context = request.app[CONTEXT]
    services = context.services
    group_id = _group_id(request)
    seen = await viewer(request, group_id=group_id)
    days = days_of(request)
    roster = await services.dashboard.roster(seen.guild_id, seen.actor, group_id)
    names = await context.directory.names(seen.guild_id, [m.user_id for m in roster.members])
    report = await services.reports.group_report(seen.guild_id, seen.actor, group_id, days)
    checkins = await services.checkins.list_schedules(seen.guild_id, seen.actor, group_id)
    rituals = await services.discussion_schedules.show(seen.guild_id, seen.actor, str(group_id))
    meetings = await services.meetings.overview(seen.guild_id, seen.actor, group_id)
    return context.render(
        request,
        "group.html",
        viewer=seen,
        roster=roster,
        names=names,
        figures=report.groups[0] if report.groups else report.total,
        checkins=checkins,
        rituals=rituals,
        meetings=meetings,
        days=days,
        periods=PERIODS,
        kinds=KIND_LABELS,
        weekdays=WEEKDAYS,
    )


@routes.get(r"/guilds/{guild_id:\d+}/groups/{group_id:\d+}/chart.png")
async def group_chart(request: web.Request) -> web.Response:
    """A group's rates over time."""
    context = request.app[CONTEXT]
    group_id = _group_id(request)
    seen = await viewer(request, group_id=group_id)
    days = days_of(request)
    report = await context.services.reports.group_report(seen.guild_id, seen.actor, group_id, days)
    name = report.groups[0].name if report.groups else "Group"
    png = await asyncio.to_thread(render_chart, report, f"{name} · last {days} days")
    return web.Response(body=png, content_type="image/png", headers=PNG_HEADERS)


@routes.get(r"/guilds/{guild_id:\d+}/groups/{group_id:\d+}/report.csv")
async def group_csv(request: web.Request) -> web.Response:
    """A group's figures as the CSV that `/report group` attaches."""
    context = request.app[CONTEXT]
    group_id = _group_id(request)
    seen = await viewer(request, group_id=group_id)
    days = days_of(request)
    report = await context.services.reports.group_report(seen.guild_id, seen.actor, group_id, days)
    return csv_response(report_csv(report), f"group-{group_id}-report-{days}d.csv")


def csv_response(text: str, filename: str) -> web.Response:
    """Return a CSV download."""
    return web.Response(
        body=text.encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
