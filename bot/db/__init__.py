"""Database models, engine and migrations helpers."""

from bot.db.base import Base
from bot.db.engine import Database

__all__ = ["Base", "Database"]
