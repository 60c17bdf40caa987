"""Text every backend can store: PostgreSQL refuses NUL characters, so no statement sends any."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

NUL = "\x00"


def drop_nul_characters(engine: Engine) -> None:
    """Remove NUL characters from every string bound to a statement run on ``engine``.

    PostgreSQL's text types cannot hold NUL (the statement fails); SQLite's can. A NUL in what
    someone typed carries no meaning, so it is dropped on every backend: both store and look up
    the same text, and nothing a person types can make a statement fail.
    """

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _before(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
    ) -> tuple[str, Any]:
        # One parameter set, a list of them (executemany), or one batch of many rows flattened
        # (insertmanyvalues): the shape varies, so clean whatever holds text.
        return statement, _clean(parameters) if _has_nul(parameters) else parameters


def _has_nul(value: Any) -> bool:
    # Runs on every statement's parameters (thousands of rows in a bulk insert), on the event loop:
    # a plain loop that looks into containers only, not a recursive call per value.
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, Mapping):
        value = value.values()
    elif not isinstance(value, list | tuple):
        return False
    for item in value:
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, Mapping | list | tuple) and _has_nul(item):
            return True
    return False


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v) for v in value)
    return value
