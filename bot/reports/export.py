"""``mentorbot report``: program reports and the research export written to a folder."""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Group, GuildRecord
from bot.reports.charts import render_chart
from bot.services.privacy.research import research_csv, research_rows
from bot.services.reports import compute_report, report_csv


class UnknownGuild(Exception):
    """Nothing is known about the server: the bot was never in it (or its data was purged)."""


@dataclass(frozen=True)
class Period:
    """The report's period [start, end) in UTC."""

    start: datetime
    end: datetime

    def label(self) -> str:
        """Return the period as people read it (the last day included)."""
        last = datetime.fromtimestamp(self.end.timestamp() - 1, self.end.tzinfo)
        return f"{self.start:%d %b %Y} – {last:%d %b %Y}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "group"


async def _require_guild(db: Database, guild_id: int) -> None:
    async with db.reading() as session:
        known = await session.scalar(select(GuildRecord.guild_id).where(GuildRecord.guild_id == guild_id))
        if known is None:
            known = await session.scalar(select(Group.id).where(Group.guild_id == guild_id).limit(1))
    if known is None:
        raise UnknownGuild(guild_id)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


async def export_reports(db: Database, guild_id: int, period: Period, out: Path) -> list[Path]:
    """Write program.csv and program.png, then a CSV and a chart per group; return the files."""
    from tqdm import tqdm  # only this command needs it

    await _require_guild(db, guild_id)
    program = await compute_report(db, guild_id, period.start, period.end)
    written = [
        _write(out / "program.csv", report_csv(program).encode("utf-8")),
        _write(
            out / "program.png",
            # Drawn in a worker thread: the dashboard serves this beside other requests.
            await asyncio.to_thread(render_chart, program, f"Program report · {period.label()}"),
        ),
    ]
    # disable=None: a bar on a terminal, nothing at all when stderr is a file or a pipe.
    for figures in tqdm(program.groups, desc="groups", unit="group", file=sys.stderr, disable=None):
        assert figures.group_id is not None
        report = await compute_report(db, guild_id, period.start, period.end, group_id=figures.group_id)
        stem = f"group-{figures.group_id}-{_slug(figures.name)}"
        written.append(_write(out / f"{stem}.csv", report_csv(report).encode("utf-8")))
        chart = await asyncio.to_thread(render_chart, report, f"{figures.name} · {period.label()}")
        written.append(_write(out / f"{stem}.png", chart))
    return written


async def export_research(db: Database, guild_id: int, period: Period, out: Path, key: str) -> list[Path]:
    """Write research.csv: opted-in members' counts under keyed pseudonyms; return the file."""
    await _require_guild(db, guild_id)
    rows = await research_rows(db, guild_id, period.start, period.end, key)
    return [_write(out / "research.csv", research_csv(rows, period.start, period.end).encode("utf-8"))]
