"""The report chart draws what the coordinator typed, emoji included."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

import pytest

from bot.reports.charts import drawable, render_chart
from bot.services.reports import GroupFigures, GroupSeries, ProgramReport, StepFigures

START = datetime(2026, 3, 2, tzinfo=UTC)


def report_of(*names: str) -> ProgramReport:
    steps = (StepFigures(checkins_delivered=4, checkins_answered=3, attendance_recorded=2, attended=2),) * 3
    figures = [GroupFigures(i, name, 4, 4, 3, 1, 1, 0, 1, 3, 1, 2, 2) for i, name in enumerate(names, 1)]
    return ProgramReport(
        guild_id=1,
        start=START,
        end=START + timedelta(weeks=3),
        groups=tuple(figures),
        total=GroupFigures(None, "All groups", 8, 8, 6, 2, 2, 0, 2, 6, 2, 4, 4),
        coffee_pairs=0,
        coffee_pairs_met=0,
        step_starts=tuple(START + timedelta(weeks=i) for i in range(3)),
        series=tuple(GroupSeries(i, name, steps) for i, name in enumerate(names, 1)),
        total_series=GroupSeries(None, "All groups", steps),
    )


@pytest.mark.filterwarnings("error:Glyph:UserWarning")
def test_group_names_with_emoji_are_drawn_without_a_missing_glyph():
    png = render_chart(report_of("🚀 Launch pad", "Café ☕ crew", "🇫🇷 Paris 👩🏽‍🔬"), "Program 🌱 spring")
    assert png.startswith(b"\x89PNG")


def test_the_raw_names_would_have_missed_glyphs():
    # The check above can fail: drawn as typed, the default font has no rocket.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.suptitle("🚀 Launch pad")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.canvas.draw()
    assert any("Glyph" in str(w.message) for w in caught) or "🚀" not in drawable("🚀")


def test_what_no_font_can_draw_is_written_out_readably():
    written = drawable("🚀 Launch 🇫🇷 👩🏽‍🔬 ❤️ Zoë – ✓")
    assert "Launch" in written and "Zoë – ✓" in written  # what the font has stays as typed
    if "🚀" not in written:  # no emoji font installed
        assert written == ":rocket: Launch [FR] :woman::microscope: ❤ Zoë – ✓"
