from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.timezones import in_quiet_hours, parse_quiet_hours, resolve_zone, search_zones
from bot.errors import Invalid


@pytest.mark.parametrize("typed", ["Europe/Paris", "europe/paris", " Europe/Paris ", "europe/PARIS"])
def test_zone_names_are_forgiving_about_case_and_spaces(typed):
    assert resolve_zone(typed).key == "Europe/Paris"


def test_city_with_space_resolves():
    assert resolve_zone("America/New York").key == "America/New_York"


def test_utc_is_accepted():
    assert resolve_zone("utc").key == "UTC"


def test_unknown_zone_suggests_close_names():
    with pytest.raises(Invalid, match="Europe/Paris"):
        resolve_zone("Europe/Pariss")


def test_unknown_zone_error_is_bounded_even_for_huge_input():
    with pytest.raises(Invalid) as info:
        resolve_zone("x" * 5000)
    assert len(info.value.message) < 400


def test_search_finds_by_city_first():
    results = search_zones("tok")
    assert results[0] == "Asia/Tokyo"
    assert len(search_zones("")) <= 25
    assert all("/" in z or z == "UTC" for z in search_zones("a"))


def test_quiet_hours_wrap_past_midnight():
    quiet = parse_quiet_hours("22:00-07:00")
    assert quiet == (22 * 60, 7 * 60)
    assert in_quiet_hours(datetime(2026, 1, 1, 23, 30, tzinfo=UTC), quiet)
    assert in_quiet_hours(datetime(2026, 1, 1, 6, 59, tzinfo=UTC), quiet)
    assert not in_quiet_hours(datetime(2026, 1, 1, 7, 0, tzinfo=UTC), quiet)
    assert not in_quiet_hours(datetime(2026, 1, 1, 12, 0, tzinfo=UTC), quiet)


@pytest.mark.parametrize("text", ["22-07", "25:00-07:00", "10:00-10:00", "soon"])
def test_bad_quiet_hours_are_refused(text):
    with pytest.raises(Invalid):
        parse_quiet_hours(text)


def test_empty_quiet_hours_clear_them():
    assert parse_quiet_hours("  ") is None


@given(st.integers(0, 1439), st.integers(0, 1439), st.integers(0, 1439))
def test_quiet_window_contains_its_start_and_excludes_its_end(start, end, probe):
    if start == end:
        return
    moment = datetime(2026, 1, 1, probe // 60, probe % 60, tzinfo=UTC)
    inside = in_quiet_hours(moment, (start, end))
    length = (end - start) % 1440
    assert inside == ((probe - start) % 1440 < length)
