"""Limits Discord enforces on bodies, answered as 400 50035 "Invalid Form Body".

The ``errors`` object mirrors Discord's: nested by field path, leaves
``{"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}``.

- ``messages.py``: message bodies; ``components.py``: rows, buttons, selects, V2 layouts.
- ``interactions.py``: modals and autocomplete answers; ``commands.py``: application commands.
- ``form.py``: :class:`Errors`, the collected field errors; ``limits.py``: the numbers.
"""

from .commands import validate_command, validate_commands
from .form import Errors
from .interactions import validate_autocomplete, validate_modal
from .messages import embed_size, validate_message

__all__ = [
    "Errors",
    "embed_size",
    "validate_autocomplete",
    "validate_command",
    "validate_commands",
    "validate_message",
    "validate_modal",
]
