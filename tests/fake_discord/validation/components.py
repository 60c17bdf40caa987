"""Components: action rows, buttons, selects and Components V2 layouts, with unique custom ids."""

from __future__ import annotations

from typing import Any

from ..state import iter_components
from .form import Errors
from .limits import (
    ACTION_ROWS_MAX,
    BUTTON_LABEL_MAX,
    CUSTOM_ID_MAX,
    ROW_WIDTH,
    SELECT_OPTIONS_MAX,
    SELECT_PLACEHOLDER_MAX,
    SELECT_TYPES,
    V2_COMPONENTS_MAX,
)


def _component_width(comp: dict[str, Any]) -> int:
    return ROW_WIDTH if comp.get("type") in (*SELECT_TYPES, 4) else 1


def _validate_button(err: Errors, path: list[str | int], comp: dict[str, Any]) -> None:
    style = comp.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        err.add([*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")
        return
    if style == 5:
        if not comp.get("url"):
            err.add([*path, "url"], "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        if comp.get("custom_id") is not None:
            err.add(
                [*path, "custom_id"], "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id is not allowed"
            )
    elif style == 6:
        if not comp.get("sku_id"):
            err.add([*path, "sku_id"], "BASE_TYPE_REQUIRED", "This field is required")
    else:
        custom_id = comp.get("custom_id")
        if custom_id is None:
            err.add([*path, "custom_id"], "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id is required")
        else:
            err.length_between([*path, "custom_id"], custom_id, 1, CUSTOM_ID_MAX)
        if comp.get("url") is not None:
            err.add([*path, "url"], "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url is not allowed")
    err.max_length([*path, "label"], comp.get("label"), BUTTON_LABEL_MAX)
    if style != 6 and not comp.get("label") and not comp.get("emoji"):
        err.add(
            [*path, "label"], "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or an emoji is required"
        )


def _validate_select(err: Errors, path: list[str | int], comp: dict[str, Any]) -> None:
    custom_id = comp.get("custom_id")
    if err.required([*path, "custom_id"], custom_id):
        err.length_between([*path, "custom_id"], custom_id, 1, CUSTOM_ID_MAX)
    err.max_length([*path, "placeholder"], comp.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    min_values = comp.get("min_values", 1)
    max_values = comp.get("max_values", 1)
    if min_values is not None and not 0 <= int(min_values) <= 25:
        err.add([*path, "min_values"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 25.")
    if max_values is not None and not 1 <= int(max_values) <= 25:
        err.add([*path, "max_values"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 25.")
    if comp.get("type") == 3:
        options = comp.get("options") or []
        err.length_between([*path, "options"], options, 1, SELECT_OPTIONS_MAX)
        values = set()
        for k, opt in enumerate(options):
            opath = [*path, "options", k]
            if err.required([*opath, "label"], opt.get("label")):
                err.length_between([*opath, "label"], opt.get("label"), 1, 100)
            if err.required([*opath, "value"], opt.get("value")):
                err.length_between([*opath, "value"], opt.get("value"), 1, 100)
            err.max_length([*opath, "description"], opt.get("description"), 100)
            if opt.get("value") in values:
                err.add(
                    [*opath, "value"],
                    "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                    "Option values must be unique",
                )
            values.add(opt.get("value"))
        if max_values is not None and options and int(max_values) > len(options):
            err.add(
                [*path, "max_values"],
                "SELECT_COMPONENT_MAX_VALUES_TOO_LARGE",
                "max_values must be less than or equal to the number of options",
            )


def _check_custom_ids(err: Errors, components: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for comp in iter_components(components):
        cid = comp.get("custom_id")
        if cid is None:
            continue
        if cid in seen:
            err.add(
                ["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
            return
        seen.add(cid)


def _validate_action_rows(err: Errors, components: list[dict[str, Any]]) -> None:
    if len(components) > ACTION_ROWS_MAX:
        err.max_length(["components"], components, ACTION_ROWS_MAX)
        return
    for i, row in enumerate(components):
        path: list[str | int] = ["components", i]
        if row.get("type") != 1:
            err.add(
                [*path, "type"],
                "COMPONENT_TYPE_INVALID",
                "Component type must be 1 (action row) without the IS_COMPONENTS_V2 flag",
            )
            continue
        children = row.get("components") or []
        err.length_between([*path, "components"], children, 1, ROW_WIDTH)
        width = sum(_component_width(c) for c in children)
        if width > ROW_WIDTH and len(children) <= ROW_WIDTH:
            err.add(
                [*path, "components"],
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for j, comp in enumerate(children):
            cpath = [*path, "components", j]
            ctype = comp.get("type")
            if ctype == 2:
                _validate_button(err, cpath, comp)
            elif ctype in SELECT_TYPES:
                _validate_select(err, cpath, comp)
            else:
                err.add(
                    [*cpath, "type"], "COMPONENT_TYPE_INVALID", f"Component type {ctype} is not valid here"
                )
    _check_custom_ids(err, components)


def _validate_components_v2(err: Errors, components: list[dict[str, Any]], body: dict[str, Any]) -> None:
    if body.get("content"):
        err.add(
            ["content"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "Cannot use content with V2 components",
        )
    if body.get("embeds"):
        err.add(
            ["embeds"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "Cannot use embeds with V2 components",
        )
    total = sum(1 for _ in iter_components(components))
    if total > V2_COMPONENTS_MAX:
        err.add(["components"], "BASE_TYPE_MAX_LENGTH", f"Must be {V2_COMPONENTS_MAX} or fewer in length.")
    for comp in iter_components(components):
        if comp.get("type") == 2:
            _validate_button(err, ["components"], comp)
        elif comp.get("type") in SELECT_TYPES:
            _validate_select(err, ["components"], comp)
    _check_custom_ids(err, components)
