"""The suite's own promise: SQLite by default, PostgreSQL when asked, a loud failure when it can't."""

import asyncio
import importlib.util
import os
import socket
import sys
from pathlib import Path

from tests.support.databases import ENV

ROOT = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_an_unreachable_postgresql_fails_the_run_instead_of_skipping_it():
    url = f"postgresql+asyncpg://postgres:secret@127.0.0.1:{closed_port()}/test"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/unit/test_timezones.py",
        cwd=ROOT,
        env={**os.environ, ENV: url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    output = out.decode()

    assert process.returncode == 1, output
    assert "passed" not in output and "skipped" not in output
    assert "secret" not in output
    if importlib.util.find_spec("asyncpg") is None:  # the SQLite run installs no PostgreSQL driver
        assert f"{ENV} is set but asyncpg is not installed" in output
    else:
        assert f"{ENV}=postgresql+asyncpg://postgres:***@127.0.0.1:" in output
        assert "cannot be used" in output and "ConnectionRefusedError" in output
