"""The layering rules of STYLE.md, checked over the source."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def files(*parts: str) -> list[Path]:
    found = sorted((ROOT.joinpath(*parts)).rglob("*.py"))
    assert found, f"nothing under {parts}"
    return found


def test_domain_services_scheduling_and_data_never_import_discord():
    for folder in ("domain", "services", "scheduling", "messaging", "db"):
        for path in files("bot", folder):
            assert "discord" not in imported_modules(path), f"{path.relative_to(ROOT)} imports discord"


def test_cogs_never_import_sqlalchemy():
    for path in files("cogs"):
        assert "sqlalchemy" not in imported_modules(path), f"{path.relative_to(ROOT)} imports sqlalchemy"


def test_every_cog_module_is_loaded_by_the_bot():
    from bot.app import EXTENSIONS

    cogs = ROOT / "cogs"
    modules = {f"cogs.{p.stem}" for p in cogs.glob("*.py") if not p.stem.startswith("_")}
    modules |= {f"cogs.{p.parent.name}" for p in cogs.glob("*/__init__.py")}
    assert modules == set(EXTENSIONS)


def test_the_dashboard_reads_through_the_services_never_the_database():
    for path in files("bot", "web"):
        assert "sqlalchemy" not in imported_modules(path), f"{path.relative_to(ROOT)} imports sqlalchemy"
