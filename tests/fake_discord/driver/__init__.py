"""Acting as users: slash commands, autocomplete, buttons, selects, modals and messages.

- ``commands.py``: slash and message commands, autocomplete.
- ``components.py``: buttons, selects, modals.
- ``messages.py``: posting, reacting, deleting messages.
- ``base.py``: what they share: the target message, resolved objects, the dispatch and its
  deadline (``AssertionError("interaction failed: ...")`` is "This interaction failed").
"""

from .commands import CommandActions
from .components import ComponentActions
from .messages import MessageActions


class DriverMixin(MessageActions, CommandActions, ComponentActions):
    """User-side actions of :class:`~tests.fake_discord.FakeDiscord`."""


__all__ = ["DriverMixin"]
