"""Discord's JSON error answers, raised by route handlers as :class:`APIError`."""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """An error answer: HTTP status plus Discord's ``{"message", "code", "errors"?}`` body."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """Return the JSON body Discord would send."""
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


# --- the codes a bot meets most (https://discord.com/developers/docs/topics/opcodes-and-status-codes) ---


def unauthorized() -> APIError:
    """401 for a missing or wrong ``Authorization`` header."""
    return APIError(401, 0, "401: Unauthorized")


def not_found() -> APIError:
    """404 for a route Discord does not have."""
    return APIError(404, 0, "404: Not Found")


def unknown_application() -> APIError:
    return APIError(404, 10002, "Unknown Application")


def unknown_channel() -> APIError:
    return APIError(404, 10003, "Unknown Channel")


def unknown_guild() -> APIError:
    return APIError(404, 10004, "Unknown Guild")


def unknown_member() -> APIError:
    return APIError(404, 10007, "Unknown Member")


def unknown_message() -> APIError:
    return APIError(404, 10008, "Unknown Message")


def unknown_overwrite() -> APIError:
    return APIError(404, 10009, "Unknown Overwrite")


def unknown_role() -> APIError:
    return APIError(404, 10011, "Unknown Role")


def unknown_user() -> APIError:
    return APIError(404, 10013, "Unknown User")


def unknown_emoji() -> APIError:
    return APIError(400, 10014, "Unknown Emoji")


def unknown_webhook() -> APIError:
    return APIError(404, 10015, "Unknown Webhook")


def unknown_interaction() -> APIError:
    return APIError(404, 10062, "Unknown interaction")


def unknown_command() -> APIError:
    return APIError(404, 10063, "Unknown application command")


def already_acknowledged() -> APIError:
    return APIError(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> APIError:
    """403 50001: the bot cannot see the resource at all (e.g. no VIEW_CHANNEL)."""
    return APIError(403, 50001, "Missing Access")


def cannot_edit_others_message() -> APIError:
    return APIError(403, 50005, "Cannot edit a message authored by another user")


def empty_message() -> APIError:
    return APIError(400, 50006, "Cannot send an empty message")


def cannot_dm() -> APIError:
    return APIError(403, 50007, "Cannot send messages to this user")


def cannot_act_on_dm() -> APIError:
    return APIError(403, 50003, "Cannot execute action on a DM channel")


def missing_permissions() -> APIError:
    """403 50013: the bot sees the resource but lacks a permission the route needs."""
    return APIError(403, 50013, "Missing Permissions")


def bulk_delete_too_old() -> APIError:
    return APIError(400, 50034, "You can only bulk delete messages that are under 14 days old.")


def archived_thread() -> APIError:
    return APIError(400, 50083, "Thread is archived")


def thread_locked() -> APIError:
    return APIError(403, 160005, "Thread is locked")


def invalid_form(errors: dict[str, Any]) -> APIError:
    """400 50035 with Discord's nested ``errors`` object."""
    return APIError(400, 50035, "Invalid Form Body", errors)


def field_error(code: str, message: str) -> dict[str, Any]:
    """One leaf of an ``errors`` object: ``{"_errors": [{"code", "message"}]}``."""
    return {"_errors": [{"code": code, "message": message}]}


def nest(path: list[str | int], leaf: dict[str, Any]) -> dict[str, Any]:
    """Wrap ``leaf`` in the nested dicts named by ``path`` (``["embeds", 0, "title"]``)."""
    out = leaf
    for key in reversed(path):
        out = {str(key): out}
    return out


def merge_errors(target: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge two ``errors`` objects."""
    for key, value in extra.items():
        if key in target and isinstance(target[key], dict) and isinstance(value, dict):
            if key == "_errors":
                target[key].extend(value)  # pragma: no cover - lists handled below
            else:
                merge_errors(target[key], value)
        elif key == "_errors" and key in target:
            target[key] = [*target[key], *value]
        else:
            target[key] = value
    return target
