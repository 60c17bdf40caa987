"""Message bodies: content, embeds, components, nonce and polls."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..state import FLAG_IS_COMPONENTS_V2
from .components import _validate_action_rows, _validate_components_v2
from .form import Errors
from .limits import (
    EMBED_AUTHOR_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_FOOTER_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    EMBEDS_MAX,
    MESSAGE_CONTENT_MAX,
    NONCE_MAX,
)


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
