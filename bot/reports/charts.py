"""A program report as a PNG chart: check-in response and meeting attendance over time, per group.

Matplotlib is imported inside :func:`render_chart` (it takes a while to import, and the bot should
start fast), and only its object-oriented API with the Agg canvas is used: no pyplot, no global
figure state, so charts can be drawn in worker threads. Drawing is slow: call it with
``asyncio.to_thread`` from the event loop.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from datetime import datetime

from bot.services.reports import GroupSeries, ProgramReport, StepFigures

# More lines than this make a tangle on a phone; the chart then shows all groups together.
MAX_GROUP_LINES = 8
WIDTH_INCHES, HEIGHT_INCHES, DPI = 7.5, 9.0, 120  # 900 x 1080 pixels: portrait, for phones


def _percent(rate: float | None) -> float:
    return math.nan if rate is None else rate * 100


def _lines(report: ProgramReport) -> tuple[list[GroupSeries], str]:
    """Return the lines to draw (the total in front) and a note about what was left out."""
    if len(report.series) <= 1:
        return list(report.series), ""
    total = [report.total_series] if report.total_series is not None else []
    if len(report.series) > MAX_GROUP_LINES:
        return total, f"{len(report.series)} groups: each group's figures are in the CSV"
    return [*total, *report.series], ""


def render_chart(report: ProgramReport, title: str) -> bytes:
    """Return the report's rates over time as a PNG (counts only: no content, no member)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    lines, note = _lines(report)
    # Each point sits in the middle of its step, so a step's rate is drawn over its days.
    middles: list[datetime] = [start + report.step / 2 for start in report.step_starts]
    step_name = "week" if report.step.days == 7 else f"{report.step.days // 7} weeks"
    panels: tuple[tuple[str, str, Callable[[StepFigures], float | None]], ...] = (
        ("Check-in response rate", "check-ins sent", lambda step: step.checkin_response_rate),
        ("Meeting attendance rate", "attendance recorded", lambda step: step.attendance_rate),
    )

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=16, fontweight="bold")
    axes = figure.subplots(2, 1, sharex=True)
    colors = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")
    for ax, (label, what, rate) in zip(axes, panels, strict=True):
        drawn = False
        groups_drawn = 0
        for line in lines:
            values = [_percent(rate(step)) for step in line.steps]
            drawn = drawn or any(not math.isnan(v) for v in values)
            is_total = line.group_id is None
            if not is_total:
                groups_drawn += 1
            ax.plot(
                middles,
                values,
                label=line.name,
                color="#222222" if is_total else colors[(groups_drawn - 1) % len(colors)],
                linewidth=3.0 if is_total else 2.0,
                marker="o",
                markersize=5,
                zorder=3 if is_total else 2,
            )
        ax.set_title(label, fontsize=14, loc="left")
        ax.set_ylabel(f"% per {step_name}", fontsize=12)
        ax.set_ylim(-3, 103)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
        ax.tick_params(labelsize=11)
        ax.grid(True, alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        if not drawn:
            ax.text(0.5, 0.5, f"No {what} in this period", transform=ax.transAxes, ha="center", fontsize=12)
    if report.step_starts:
        axes[-1].set_xlim(report.start, report.end)
    locator = AutoDateLocator(minticks=3, maxticks=7)
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes[-1].set_xlabel(f"{report.start:%d %b %Y} – {report.end:%d %b %Y} (UTC)", fontsize=12)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        figure.legend(
            handles,
            [name if len(name) <= 32 else name[:31] + "…" for name in labels],
            loc="outside lower center",
            ncols=2,
            fontsize=11,
            frameon=False,
            title=note or None,
            title_fontsize=10,
        )
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
