"""Logging to stderr with timestamps and levels."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    """Send the bot's and discord.py's logs to stderr at ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's HTTP debug lines include request bodies (user content): keep them out.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
