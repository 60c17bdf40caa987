"""The databases the suite runs on: SQLite files by default, PostgreSQL when asked for.

Set ``MENTORBOT_TEST_DATABASE_URL`` (e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``) to
run every test on PostgreSQL. The session creates its own databases on that server (the URL's
database is only where it connects to create them) and drops them at the end: a template migrated
once, a copy of it shared by the tests and emptied before each of them (remade from the template
if a test changed its schema), and empty ones for the migration tests.

Checking and emptying the shared database (DELETE from every table, sequences restarted) costs
about 6 ms a test; a fresh copy per test (CREATE DATABASE ... TEMPLATE, then DROP) cost about
110 ms, and TRUNCATE of every table about 70 ms, which over ~450 tests would have doubled the run.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.db import models  # noqa: F401  (registers every table on Base.metadata)
from bot.db.base import Base
from bot.db.migrate import upgrade_async

if TYPE_CHECKING:
    import asyncpg

ENV = "MENTORBOT_TEST_DATABASE_URL"
# Tables, columns, indexes, sequences and constraints: a test may change the schema on purpose
# (an e2e test drops a table to provoke an error), and the next test must not inherit that.
SCHEMA_FINGERPRINT = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
    SELECT c.relkind::text || ' ' || c.relname || '.' || a.attname || ' '
        || format_type(a.atttypid, a.atttypmod)
        || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
        || CASE WHEN a.atthasdef THEN ' default' ELSE '' END AS item
    FROM pg_class AS c
    JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relnamespace = current_schema()::regnamespace
    UNION ALL
    SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint
    WHERE connamespace = current_schema()::regnamespace
) AS schema
"""
# A lock left by a test that did not close its unit of work would otherwise hang the next test.
LOCK_TIMEOUT = "5s"


class DatabaseUnavailable(Exception):
    """The configured test database cannot be used; the message says why and what to do."""


def configured_url() -> str | None:
    """Return the PostgreSQL URL the suite should run on, or None for SQLite."""
    return os.environ.get(ENV) or None


def shown(url: str | URL) -> str:
    """Return ``url`` fit for a message: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


class SqliteDatabases:
    """One migrated SQLite file per session; each test gets a copy (copying beats migrating)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.db"

    async def start(self) -> None:
        """Migrate the template file."""
        await upgrade_async(self.url_of(self.template))

    async def stop(self) -> None:
        """Nothing to clean up: the files live in pytest's temporary directory."""

    @staticmethod
    def url_of(path: Path) -> str:
        """Return the URL of the SQLite file at ``path``."""
        return f"sqlite+aiosqlite:///{path}"

    async def migrated(self, directory: Path) -> str:
        """Return the URL of a fresh copy of the migrated template in ``directory``."""
        path = directory / "mentorbot.db"
        shutil.copy(self.template, path)
        return self.url_of(path)

    async def empty(self, directory: Path) -> str:
        """Return the URL of a database with no tables at all."""
        return self.url_of(directory / "empty.db")

    async def release(self, url: str) -> None:
        """Nothing to do: pytest removes the file."""


class PostgresDatabases:
    """Databases of this session on one PostgreSQL server, named after the session."""

    def __init__(self, url: str) -> None:
        try:
            self.server = make_url(url)
        except ArgumentError:
            raise DatabaseUnavailable(f"{ENV} is not a database URL; unset it to run on SQLite") from None
        if self.server.get_backend_name() != "postgresql" or self.server.get_driver_name() != "asyncpg":
            raise DatabaseUnavailable(
                f"{ENV}={shown(url)}: the suite runs on postgresql+asyncpg:// URLs only "
                "(unset it to run on SQLite)"
            )
        # Unique per session: two runs on the same server must not share databases.
        self.shared = f"mentorbot_test_{os.getpid()}_{secrets.token_hex(3)}"
        self.template = f"{self.shared}_template"
        self._created: list[str] = []
        self._count = 0
        self._reset_sql = ""
        self._schema = ""

    async def check(self) -> None:
        """Raise :class:`DatabaseUnavailable`, saying what to do, unless the server can be used."""
        try:
            import asyncpg  # noqa: F401
        except ImportError:
            raise DatabaseUnavailable(
                f"{ENV} is set but asyncpg is not installed: pip install '.[test,postgres]'"
            ) from None
        try:
            connection = await self._connect(self.server.database)
        except Exception as error:
            raise DatabaseUnavailable(
                f"{ENV}={shown(self.server)} is set but that PostgreSQL cannot be used "
                f"({type(error).__name__}: {error}). "
                f"Check the server and the URL, or unset {ENV} to run on SQLite."
            ) from None
        await connection.close()

    async def start(self) -> None:
        """Check the server, migrate the template, and make the shared database from it."""
        await self.check()
        await self._admin(f'CREATE DATABASE "{self.template}"')
        self._created.append(self.template)
        await upgrade_async(self.url_of(self.template))
        connection = await self._connect(self.template)
        try:
            self._schema = await connection.fetchval(SCHEMA_FINGERPRINT)
            self._reset_sql = await self._reset_script(connection)
        finally:
            await connection.close()
        await self._renew_shared()

    async def stop(self) -> None:
        """Drop every database this session created."""
        for name in reversed(self._created):
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()

    def url_of(self, database: str | None) -> str:
        """Return the URL of ``database`` on the server, as the bot takes it (password included)."""
        return self.server.set(database=database).render_as_string(hide_password=False)

    async def migrated(self, directory: Path) -> str:
        """Empty the shared database (or remake it, if a test changed its schema) and return its URL."""
        connection = await self._connect(self.shared)
        try:
            intact = await connection.fetchval(SCHEMA_FINGERPRINT) == self._schema
            if intact:
                await connection.execute(self._reset_sql)
        except Exception as error:
            raise DatabaseUnavailable(
                f"could not empty the test database {self.shared} before this test "
                f"(did an earlier test leave a unit of work open?): {type(error).__name__}: {error}"
            ) from error
        finally:
            await connection.close()
        if not intact:
            await self._renew_shared()
        return self.url_of(self.shared)

    async def empty(self, directory: Path) -> str:
        """Create a database with no tables at all and return its URL."""
        self._count += 1
        name = f"{self.shared}_{self._count}"
        await self._admin(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return self.url_of(name)

    async def release(self, url: str) -> None:
        """Drop a database made by :meth:`empty`; the shared one stays for the next test."""
        name = make_url(url).database
        if name in (self.shared, self.template) or name not in self._created:
            return
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.remove(name)

    async def _renew_shared(self) -> None:
        """(Re)create the shared database as a copy of the migrated template."""
        await self._admin(f'DROP DATABASE IF EXISTS "{self.shared}" WITH (FORCE)')
        await self._admin(f'CREATE DATABASE "{self.shared}" TEMPLATE "{self.template}"')
        if self.shared not in self._created:
            self._created.append(self.shared)

    async def _connect(self, database: str | None) -> asyncpg.Connection:
        import asyncpg

        dsn = self.server.set(drivername="postgresql", database=database)
        return await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=10)

    async def _admin(self, statement: str) -> None:
        """Run a statement that may not run in a transaction (CREATE and DROP DATABASE)."""
        connection = await self._connect(self.server.database)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    @staticmethod
    async def _reset_script(connection: asyncpg.Connection) -> str:
        """Return SQL that empties every table (children first) and restarts every sequence."""
        tables = {
            row[0]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        sequences = sorted(
            row[0]
            for row in await connection.fetch(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            )
        )
        tables.discard("alembic_version")
        known = [table.name for table in reversed(Base.metadata.sorted_tables) if table.name in tables]
        # Tables the models do not know (test_migrations then fails) go first: they may refer to ours.
        ordered = sorted(tables - set(known)) + known
        statements = ["BEGIN", f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"]
        statements += [f'DELETE FROM "{name}"' for name in ordered]
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        statements.append("COMMIT")
        return ";\n".join(statements)
