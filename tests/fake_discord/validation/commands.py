"""Application commands: names, descriptions, options and the total size Discord allows."""

from __future__ import annotations

from typing import Any

from .form import Errors
from .limits import COMMAND_NAME_RE


def validate_commands(commands: list[dict[str, Any]], *, is_global: bool) -> None:
    """Validate a bulk overwrite of application commands (errors keyed by index)."""
    err = Errors()
    if not isinstance(commands, list):
        err.add([], "BASE_TYPE_ARRAY", "Must be an array.")
        err.raise_if_any()
    counts = {1: 0, 2: 0, 3: 0, 4: 0}
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type") or 1)
        counts[ctype] = counts.get(ctype, 0) + 1
        validate_command(err, [i], cmd)
        key = (ctype, str(cmd.get("name")))
        if key in seen:
            err.add(
                [i, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        seen.add(key)
    if counts.get(1, 0) > 100:
        err.add([], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    if counts.get(2, 0) > 15 or counts.get(3, 0) > 15:
        err.add([], "BASE_TYPE_MAX_LENGTH", "Too many context menu commands (max 15 of each type).")
    err.raise_if_any()


def validate_command(err: Errors, path: list[str | int], cmd: dict[str, Any]) -> None:
    """Validate one command (name/description lengths, options, choices, 4000 total)."""
    ctype = int(cmd.get("type") or 1)
    name = cmd.get("name")
    if err.required([*path, "name"], name):
        err.length_between([*path, "name"], name, 1, 32)
        if ctype == 1 and (not COMMAND_NAME_RE.match(name) or name != name.lower()):
            err.add([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    description = cmd.get("description")
    if ctype == 1:
        if err.required([*path, "description"], description):
            err.length_between([*path, "description"], description, 1, 100)
    elif description:
        err.add(
            [*path, "description"],
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have a description",
        )
    options = cmd.get("options") or []
    if ctype != 1 and options:
        err.add([*path, "options"], "BASE_TYPE_MAX_LENGTH", "Context menu commands cannot have options")
    _validate_options(err, [*path, "options"], options, depth=0)
    if ctype == 1 and _command_size(cmd) > 4000:
        err.add(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)")


def _command_size(node: dict[str, Any]) -> int:
    size = len(node.get("name") or "") + len(node.get("description") or "")
    for choice in node.get("choices") or []:
        size += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    for option in node.get("options") or []:
        size += _command_size(option)
    return size


def _validate_options(
    err: Errors, path: list[str | int], options: list[dict[str, Any]], *, depth: int, parent_type: int = 0
) -> None:
    err.max_length(path, options, 25)
    names: set[str] = set()
    seen_optional = False
    has_sub = any(int(o.get("type") or 0) in (1, 2) for o in options)
    for i, option in enumerate(options):
        opath = [*path, i]
        otype = int(option.get("type") or 0)
        name = option.get("name")
        if err.required([*opath, "name"], name):
            err.length_between([*opath, "name"], name, 1, 32)
            if not COMMAND_NAME_RE.match(name) or name != name.lower():
                err.add([*opath, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            if name in names:
                err.add(
                    [*opath, "name"],
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            names.add(name)
        description = option.get("description")
        if err.required([*opath, "description"], description):
            err.length_between([*opath, "description"], description, 1, 100)
        if not 1 <= otype <= 11:
            err.add([*opath, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1..11).")
            continue
        if otype in (1, 2):
            if parent_type == 1 or (otype == 2 and depth != 0):
                err.add(
                    [*opath, "type"],
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command nesting is too deep",
                )
            children = option.get("options") or []
            if otype == 2:
                for j, child in enumerate(children):
                    if int(child.get("type") or 0) != 1:
                        err.add(
                            [*opath, "options", j, "type"],
                            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                            "Sub-command groups may only contain sub-commands",
                        )
            _validate_options(err, [*opath, "options"], children, depth=depth + 1, parent_type=otype)
            continue
        if has_sub:
            err.add(
                [*opath, "type"],
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Options cannot be mixed with sub-commands",
            )
        required = bool(option.get("required"))
        if required and seen_optional:
            err.add(
                [*opath, "required"],
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        if not required:
            seen_optional = True
        choices = option.get("choices") or []
        err.max_length([*opath, "choices"], choices, 25)
        if choices and option.get("autocomplete"):
            err.add(
                [*opath, "autocomplete"],
                "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
                "Autocomplete cannot be used with choices",
            )
        for k, choice in enumerate(choices):
            cname = choice.get("name")
            if err.required([*opath, "choices", k, "name"], cname):
                err.length_between([*opath, "choices", k, "name"], cname, 1, 100)
            if isinstance(choice.get("value"), str):
                err.max_length([*opath, "choices", k, "value"], choice["value"], 100)
        if otype == 3:
            for key in ("min_length", "max_length"):
                val = option.get(key)
                if val is not None and not 0 <= int(val) <= 6000:
                    err.add(
                        [*opath, key], "NUMBER_TYPE_MAX", "int value should be less than or equal to 6000."
                    )
