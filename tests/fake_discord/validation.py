"""Limits Discord enforces on bodies, answered as 400 50035 "Invalid Form Body".

The ``errors`` object mirrors Discord's: nested by field path, leaves
``{"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}``.
"""

from __future__ import annotations

import re
from typing import Any

from . import errors
from .state import FLAG_IS_COMPONENTS_V2, iter_components

MESSAGE_CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
ACTION_ROWS_MAX = 5
ROW_WIDTH = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_PLACEHOLDER_MAX = 150
V2_COMPONENTS_MAX = 40
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
NONCE_MAX = 25
COMMAND_NAME_RE = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
SELECT_TYPES = (3, 5, 6, 7, 8)


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


# ----------------------------------------------------------------------------- messages
def validate_message(
    body: dict[str, Any],
    *,
    has_attachments: bool = False,
    check_empty: bool = True,
) -> None:
    """Validate a create/edit message body (also interaction responses and follow-ups)."""
    err = Errors()
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        err.add(["content"], "STRING_TYPE_CONVERT", "Could not interpret value as string.")
    elif content is not None:
        err.max_length(["content"], content, MESSAGE_CONTENT_MAX)
    embeds = body.get("embeds") or []
    _validate_embeds(err, embeds)
    flags = int(body.get("flags") or 0)
    components = body.get("components") or []
    if flags & FLAG_IS_COMPONENTS_V2:
        _validate_components_v2(err, components, body)
    else:
        _validate_action_rows(err, components)
    nonce = body.get("nonce")
    if isinstance(nonce, str):
        err.max_length(["nonce"], nonce, NONCE_MAX)
    poll = body.get("poll")
    if poll is not None:
        _validate_poll(err, poll)
    err.raise_if_any()
    if check_empty:
        empty = (
            not (content or "").strip()
            and not embeds
            and not components
            and not has_attachments
            and not body.get("sticker_ids")
            and not poll
        )
        if empty:
            raise errors.empty_message()


def embed_size(embed: dict[str, Any]) -> int:
    """Characters counted toward the 6000 limit."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for field in embed.get("fields") or []:
        total += len(field.get("name") or "") + len(field.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def _validate_embeds(err: Errors, embeds: list[dict[str, Any]]) -> None:
    if len(embeds) > EMBEDS_MAX:
        err.max_length(["embeds"], embeds, EMBEDS_MAX)
        return
    total = 0
    for i, embed in enumerate(embeds):
        path: list[str | int] = ["embeds", i]
        err.max_length([*path, "title"], embed.get("title"), EMBED_TITLE_MAX)
        err.max_length([*path, "description"], embed.get("description"), EMBED_DESCRIPTION_MAX)
        color = embed.get("color")
        if color is not None and not 0 <= int(color) <= 0xFFFFFF:
            err.add(
                [*path, "color"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215."
            )
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            err.max_length([*path, "fields"], fields, EMBED_FIELDS_MAX)
        for j, field in enumerate(fields):
            fpath = [*path, "fields", j]
            if err.required([*fpath, "name"], field.get("name")):
                err.max_length([*fpath, "name"], field.get("name"), EMBED_FIELD_NAME_MAX)
            if err.required([*fpath, "value"], field.get("value")):
                err.max_length([*fpath, "value"], field.get("value"), EMBED_FIELD_VALUE_MAX)
        footer = embed.get("footer")
        if footer is not None:
            err.max_length([*path, "footer", "text"], footer.get("text"), EMBED_FOOTER_MAX)
        author = embed.get("author")
        if author is not None:
            err.max_length([*path, "author", "name"], author.get("name"), EMBED_AUTHOR_MAX)
        for key in ("url",):
            err.max_length([*path, key], embed.get(key), 2048)
        total += embed_size(embed)
    if total > EMBED_TOTAL_MAX:
        err.add(
            ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"
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


def _validate_poll(err: Errors, poll: dict[str, Any]) -> None:
    question = (poll.get("question") or {}).get("text")
    if err.required(["poll", "question", "text"], question):
        err.max_length(["poll", "question", "text"], question, 300)
    answers = poll.get("answers") or []
    err.length_between(["poll", "answers"], answers, 1, 10)
    for i, answer in enumerate(answers):
        err.max_length(
            ["poll", "answers", i, "poll_media", "text"], (answer.get("poll_media") or {}).get("text"), 55
        )


# ----------------------------------------------------------------------------- modals
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


# ----------------------------------------------------------------------------- autocomplete
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


# ----------------------------------------------------------------------------- application commands
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
