"""A program report as a PNG chart: check-in response and meeting attendance over time, per group.

Matplotlib is imported inside :func:`render_chart` (it takes a while to import, and the bot should
start fast), and only its object-oriented API with the Agg canvas is used: no pyplot, no global
figure state, so charts can be drawn in worker threads. Drawing is slow: call it with
``asyncio.to_thread`` from the event loop.
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from collections.abc import Callable
from datetime import datetime

from bot.domain.text import clip
from bot.services.reports import GroupSeries, ProgramReport, StepFigures

# More lines than this make a tangle on a phone; the chart then shows all groups together.
MAX_GROUP_LINES = 8
WIDTH_INCHES, HEIGHT_INCHES, DPI = 7.5, 9.0, 120  # 900 x 1080 pixels: portrait, for phones


# Outline fonts with emoji that matplotlib can use as fallbacks when installed (color bitmap
# fonts such as Noto Color Emoji cannot be drawn by its Agg canvas).
EMOJI_FONTS = ("Noto Emoji", "Symbola", "OpenMoji", "Twemoji Mozilla")
_REGIONAL_A = 0x1F1E6


@functools.cache
def _fonts() -> tuple[tuple[str, ...], frozenset[int]]:
    """Return the font families to draw with (fallbacks in order) and every character they have."""
    from matplotlib import font_manager, ft2font

    families = ["DejaVu Sans"]  # matplotlib's own default
    paths = [font_manager.findfont("DejaVu Sans", fallback_to_default=True)]
    for entry in font_manager.fontManager.ttflist:
        if entry.name in EMOJI_FONTS and entry.name not in families:
            families.append(entry.name)
            paths.append(entry.fname)
    covered: set[int] = set()
    for path in paths:
        covered.update(ft2font.FT2Font(path).get_charmap())
    return tuple(families), frozenset(covered)


def drawable(text: str) -> str:
    """Return ``text`` with what no available font can draw (emoji, mostly) written out in words.

    The coordinator typed those names: "🚀 Launch" becomes ":rocket: Launch", a flag "[FR]",
    rather than an empty box. Joiners, variation selectors and skin tones are dropped.
    """
    _, covered = _fonts()
    out: list[str] = []
    flag = ""  # a flag is a pair of regional indicator letters
    for char in text:
        code = ord(char)
        if code not in covered and _REGIONAL_A <= code < _REGIONAL_A + 26:
            flag += chr(ord("A") + code - _REGIONAL_A)
            if len(flag) == 2:
                out.append(f"[{flag}]")
                flag = ""
            continue
        if flag:
            out.append(f"[{flag}]")
            flag = ""
        if unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F:
            continue  # joiners and variation selectors only glue emoji together
        if code in covered:
            out.append(char)
        elif unicodedata.category(char) not in ("Mn", "Me", "Sk"):  # e.g. skin tones
            out.append(f":{unicodedata.name(char, 'symbol').lower().replace(' ', '_')}:")
    if flag:
        out.append(f"[{flag}]")
    return "".join(out)


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

    families, _ = _fonts()
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
    figure.suptitle(drawable(title), fontsize=16, fontweight="bold", family=list(families))
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
            [drawable(clip(name, 32)) for name in labels],
            loc="outside lower center",
            ncols=2,
            prop={"size": 11, "family": list(families)},
            frameon=False,
            title=note or None,
            title_fontsize=10,
        )
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
