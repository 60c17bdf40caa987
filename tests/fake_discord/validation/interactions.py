"""Interaction answers: modals and their text inputs, autocomplete choices."""

from __future__ import annotations

from typing import Any

from .components import _check_custom_ids, _validate_select
from .form import Errors
from .limits import (
    CUSTOM_ID_MAX,
    MODAL_COMPONENTS_MAX,
    MODAL_TITLE_MAX,
    SELECT_TYPES,
    TEXT_INPUT_LABEL_MAX,
    TEXT_INPUT_VALUE_MAX,
)


def validate_modal(data: dict[str, Any]) -> None:
    """Validate a MODAL (type 9) callback's ``data``."""
    err = Errors()
    path: list[str | int] = ["data"]
    custom_id = data.get("custom_id")
    if err.required([*path, "custom_id"], custom_id):
        err.length_between([*path, "custom_id"], custom_id, 1, CUSTOM_ID_MAX)
    title = data.get("title")
    if err.required([*path, "title"], title):
        err.length_between([*path, "title"], title, 1, MODAL_TITLE_MAX)
    components = data.get("components") or []
    err.length_between([*path, "components"], components, 1, MODAL_COMPONENTS_MAX)
    for i, comp in enumerate(components):
        cpath = [*path, "components", i]
        ctype = comp.get("type")
        if ctype == 1:
            children = comp.get("components") or []
            err.length_between([*cpath, "components"], children, 1, 1)
            for j, child in enumerate(children):
                if child.get("type") != 4:
                    err.add(
                        [*cpath, "components", j, "type"],
                        "COMPONENT_TYPE_INVALID",
                        "Only text inputs are allowed",
                    )
                    continue
                _validate_text_input(err, [*cpath, "components", j], child, needs_label=True)
        elif ctype == 18:
            label = comp.get("label")
            if err.required([*cpath, "label"], label):
                err.length_between([*cpath, "label"], label, 1, TEXT_INPUT_LABEL_MAX)
            err.max_length([*cpath, "description"], comp.get("description"), 100)
            inner = comp.get("component") or {}
            itype = inner.get("type")
            if itype == 4:
                _validate_text_input(err, [*cpath, "component"], inner, needs_label=False)
            elif itype in SELECT_TYPES:
                _validate_select(err, [*cpath, "component"], inner)
            elif itype in (19, 21, 22, 23):
                if itype == 21:
                    _validate_radio_group(err, [*cpath, "component"], inner)
                elif itype == 22:
                    _validate_radio_group(err, [*cpath, "component"], inner, fewest=1)
                cid = inner.get("custom_id")
                if err.required([*cpath, "component", "custom_id"], cid):
                    err.length_between([*cpath, "component", "custom_id"], cid, 1, CUSTOM_ID_MAX)
            else:
                err.add(
                    [*cpath, "component", "type"],
                    "COMPONENT_TYPE_INVALID",
                    f"Component type {itype} is not valid here",
                )
        elif ctype == 10:
            err.length_between([*cpath, "content"], comp.get("content"), 1, 4000)
        else:
            err.add(
                [*cpath, "type"], "COMPONENT_TYPE_INVALID", f"Component type {ctype} is not valid in a modal"
            )
    _check_custom_ids(err, components)
    err.raise_if_any()


def _validate_radio_group(err: Errors, path: list[str | int], comp: dict[str, Any], fewest: int = 2) -> None:
    """A radio group has 2–10 options (a checkbox group 1–10), each with a label and a value."""
    options = comp.get("options") or []
    err.length_between([*path, "options"], options, fewest, 10)
    values = set()
    for k, option in enumerate(options):
        opath = [*path, "options", k]
        if err.required([*opath, "label"], option.get("label")):
            err.length_between([*opath, "label"], option.get("label"), 1, 100)
        if err.required([*opath, "value"], option.get("value")):
            err.length_between([*opath, "value"], option.get("value"), 1, 100)
        err.max_length([*opath, "description"], option.get("description"), 100)
        if option.get("value") in values:
            err.add([*opath, "value"], "COMPONENT_OPTION_VALUE_DUPLICATED", "Option values must be unique")
        values.add(option.get("value"))
    if comp.get("type") == 21 and sum(1 for option in options if option.get("default")) > 1:
        err.add([*path, "options"], "COMPONENT_TOO_MANY_DEFAULTS", "Only one option can be the default")


def _validate_text_input(
    err: Errors, path: list[str | int], comp: dict[str, Any], *, needs_label: bool
) -> None:
    custom_id = comp.get("custom_id")
    if err.required([*path, "custom_id"], custom_id):
        err.length_between([*path, "custom_id"], custom_id, 1, CUSTOM_ID_MAX)
    if comp.get("style") not in (1, 2):
        err.add([*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
    label = comp.get("label")
    if needs_label:
        if err.required([*path, "label"], label):
            err.length_between([*path, "label"], label, 1, TEXT_INPUT_LABEL_MAX)
    elif label:
        err.add(
            [*path, "label"],
            "TEXT_INPUT_LABEL_NOT_ALLOWED",
            "A text input inside a label cannot have a label",
        )
    min_length = comp.get("min_length")
    max_length = comp.get("max_length")
    if min_length is not None and not 0 <= int(min_length) <= TEXT_INPUT_VALUE_MAX:
        err.add([*path, "min_length"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 4000.")
    if max_length is not None and not 1 <= int(max_length) <= TEXT_INPUT_VALUE_MAX:
        err.add([*path, "max_length"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 4000.")
    if min_length is not None and max_length is not None and int(min_length) > int(max_length):
        err.add(
            [*path, "min_length"], "BASE_TYPE_BAD_INT", "min_length must be less than or equal to max_length"
        )
    err.max_length([*path, "value"], comp.get("value"), TEXT_INPUT_VALUE_MAX)
    err.max_length([*path, "placeholder"], comp.get("placeholder"), 100)


def validate_autocomplete(data: dict[str, Any]) -> None:
    """Validate an APPLICATION_COMMAND_AUTOCOMPLETE_RESULT (type 8) ``data``."""
    err = Errors()
    choices = data.get("choices")
    if choices is None:
        err.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
    else:
        err.max_length(["data", "choices"], choices, 25)
        for i, choice in enumerate(choices):
            name = choice.get("name")
            if err.required(["data", "choices", i, "name"], name):
                err.length_between(["data", "choices", i, "name"], name, 1, 100)
            value = choice.get("value")
            if isinstance(value, str):
                err.max_length(["data", "choices", i, "value"], value, 100)
            elif value is None:
                err.add(["data", "choices", i, "value"], "BASE_TYPE_REQUIRED", "This field is required")
    err.raise_if_any()
