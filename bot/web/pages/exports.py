"""Exports: the CSVs and charts of `mentorbot report`, and its research export, as downloads."""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bot.errors import Invalid, NotFound
from bot.reports.export import Period, export_reports
from bot.services.reports import report_csv
from bot.web.access import PERIODS, days_of, viewer
from bot.web.context import CONTEXT
from bot.web.pages.group import csv_response

routes = web.RouteTableDef()


@routes.get(r"/guilds/{guild_id:\d+}/exports")
async def exports(request: web.Request) -> web.Response:
    """What can be downloaded here (a facilitator: their groups' reports)."""
    context = request.app[CONTEXT]
    seen = await viewer(request)
    overview = await context.services.dashboard.program(seen.guild_id, seen.actor)
    cycles = []
    if seen.access.coordinator:
        cycles = await context.services.cycle_reports.choices(seen.guild_id, "")
    return context.render(
        request,
        "exports.html",
        viewer=seen,
        groups=overview.groups,
        days=days_of(request),
        periods=PERIODS,
        research=context.research_key is not None,
        cycles=cycles,
    )


@routes.get(r"/guilds/{guild_id:\d+}/exports/program.csv")
async def program_csv(request: web.Request) -> web.Response:
    """Every group's figures as the CSV `/report program` attaches."""
    context = request.app[CONTEXT]
    seen = await viewer(request, coordinator=True)
    days = days_of(request)
    report = await context.services.reports.program_report(seen.guild_id, seen.actor, days)
    return csv_response(report_csv(report), f"program-report-{days}d.csv")


@routes.get(r"/guilds/{guild_id:\d+}/exports/reports.zip")
async def reports_zip(request: web.Request) -> web.Response:
    """Everything `mentorbot report --out DIR` writes (CSVs and charts), zipped."""
    context = request.app[CONTEXT]
    seen = await viewer(request, coordinator=True)
    period = _period(request)
    with tempfile.TemporaryDirectory(prefix="mentorbot-report-") as folder:
        written = await export_reports(context.services.db, seen.guild_id, period, Path(folder))
        data = await asyncio.to_thread(_zip, Path(folder), written)
    return web.Response(
        body=data,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="reports-{seen.guild_id}.zip"'},
    )


@routes.get(r"/guilds/{guild_id:\d+}/exports/research.csv")
async def research(request: web.Request) -> web.Response:
    """The research export: opted-in members' counts under keyed pseudonyms (coordinators)."""
    context = request.app[CONTEXT]
    seen = await viewer(request, coordinator=True)
    if context.research_key is None:
        raise Invalid(
            "The research export needs a key for its pseudonyms: the bot's operator sets "
            "MENTORBOT_RESEARCH_KEY (privacy.research_key)."
        )
    period = _period(request)
    wanted = request.query.get("cycle", "")
    cycle_id = int(wanted) if wanted.isdigit() else None
    if cycle_id is not None and cycle_id not in dict(
        await context.services.cycle_reports.choices(seen.guild_id, "")
    ):
        raise NotFound("No such cycle in this server.")
    text = await context.services.dashboard.research_export(
        seen.guild_id, seen.actor, period.start, period.end, context.research_key, cycle_id
    )
    return csv_response(text, f"research-cycle-{cycle_id}.csv" if cycle_id else "research.csv")


def _period(request: web.Request) -> Period:
    # [start, end) includes this very moment, as the report service's own periods do.
    end = request.app[CONTEXT].services.clock.now() + timedelta(microseconds=1)
    return Period(end - timedelta(days=days_of(request)), end)


def _zip(folder: Path, files: list[Path]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(folder).as_posix())
    return out.getvalue()
