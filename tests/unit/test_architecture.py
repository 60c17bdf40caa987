"""The layering rules of STYLE.md, checked over the source."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Small modules are easy to read and change; this keeps "about 500 lines at most" true.
MAX_LINES = 550
# Besides bot/discord/, only the runtime's own modules and the web dashboard (an adapter, like the
# cogs) may speak discord.py.
RUNTIME = {"bot/app.py", "bot/runtime.py", "bot/cli.py"}
ADAPTERS = ("bot/discord/", "bot/web/")


def imported_modules(path: Path) -> set[str]:
    """Return every module ``path`` imports, in full (``bot.discord.homes``, ``sqlalchemy.orm``)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            # ``from bot import discord`` imports the module bot.discord
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imports(path: Path, *packages: str) -> list[str]:
    """Return the modules of ``packages`` (or inside them) that ``path`` imports."""
    return sorted(
        name
        for name in imported_modules(path)
        if any(name == package or name.startswith(f"{package}.") for package in packages)
    )


def files(*parts: str) -> list[Path]:
    found = sorted((ROOT.joinpath(*parts)).rglob("*.py"))
    assert found, f"nothing under {parts}"
    return found


def test_imported_modules_sees_every_way_of_importing_discord(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import discord.ui\nfrom discord import app_commands\nfrom bot import discord as d\n"
        "from bot.discord.homes import DiscordGroupHomes\nfrom .discord import x\n"
    )

    assert imports(module, "discord", "bot.discord") == [
        "bot.discord",
        "bot.discord.homes",
        "bot.discord.homes.DiscordGroupHomes",
        "discord",
        "discord.app_commands",
        "discord.ui",
    ]


@pytest.mark.parametrize("folder", ["domain", "services", "scheduling", "messaging", "db", "reports"])
def test_domain_services_scheduling_and_data_never_import_discord(folder):
    for path in files("bot", folder):
        found = imports(path, "discord", "bot.discord")
        assert not found, f"{path.relative_to(ROOT)} imports {found}: reach Discord through a port"


def test_discord_py_is_spoken_only_in_bot_discord_the_adapters_and_the_runtime():
    for path in files("bot"):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(ADAPTERS) or name in RUNTIME:
            continue
        found = imports(path, "discord")
        assert not found, f"{name} imports {found}: Discord implementations belong in bot/discord/"


def test_cogs_never_import_sqlalchemy_or_the_database():
    for path in files("cogs"):
        found = imports(path, "sqlalchemy", "bot.db")
        assert not found, f"{path.relative_to(ROOT)} imports {found}: ask a service instead"


def test_no_module_is_longer_than_about_500_lines():
    too_long = {
        path.relative_to(ROOT).as_posix(): lines
        for folder in ("bot", "cogs", "tests", "benchmarks")
        for path in files(folder)
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, f"split these modules by what changes together: {too_long}"


def test_every_cog_module_is_loaded_by_the_bot():
    from bot.app import EXTENSIONS

    cogs = ROOT / "cogs"
    modules = {f"cogs.{p.stem}" for p in cogs.glob("*.py") if not p.stem.startswith("_")}
    modules |= {f"cogs.{p.parent.name}" for p in cogs.glob("*/__init__.py")}
    assert modules == set(EXTENSIONS)


def test_the_dashboard_reads_through_the_services_never_the_database():
    for path in files("bot", "web"):
        found = imports(path, "sqlalchemy")
        assert not found, f"{path.relative_to(ROOT)} imports {found}: ask a service instead"


def test_the_runtime_never_imports_the_cogs():
    for path in files("bot"):
        found = imports(path, "cogs")
        assert not found, f"{path.relative_to(ROOT)} imports {found}: cogs depend on the runtime, not back"
