"""Field errors collected like Discord's, raised as one 400 50035 "Invalid Form Body"."""

from __future__ import annotations

from typing import Any

from .. import errors


class Errors:
    """Collects field errors and raises them as one 50035."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: list[str | int], code: str, message: str) -> None:
        """Record an error at ``path`` (empty path = the whole body)."""
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: list[str | int], value: Any, limit: int) -> None:
        """String/list no longer than ``limit``."""
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length_between(self, path: list[str | int], value: Any, low: int, high: int) -> None:
        """String/list length within ``[low, high]`` (None counts as 0)."""
        size = len(value) if value is not None else 0
        if not low <= size <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def required(self, path: list[str | int], value: Any) -> bool:
        """Record BASE_TYPE_REQUIRED when missing; returns whether present."""
        if value is None or value == "":
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def raise_if_any(self) -> None:
        """Raise the collected errors as 400 50035."""
        if self.tree:
            raise errors.invalid_form(self.tree)
