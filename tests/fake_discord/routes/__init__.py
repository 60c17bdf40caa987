"""Route handlers, registered in :data:`tests.fake_discord.rest.ROUTES` on import."""

from . import channels, commands, guilds, interactions, messages, misc, oauth2, scheduled_events, threads

__all__ = [
    "channels",
    "commands",
    "guilds",
    "interactions",
    "messages",
    "misc",
    "oauth2",
    "scheduled_events",
    "threads",
]
