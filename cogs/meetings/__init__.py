"""/meet: meetings across time zones, from the poll to the server event, reminders and attendance."""

from bot.app import MentorBot
from cogs.meetings._cog import MeetCog
from cogs.meetings._components import AttendButton, MarkButton, RsvpButton


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent buttons (they work on messages sent before a restart)."""
    bot.add_dynamic_items(MarkButton, RsvpButton, AttendButton)
    await bot.add_cog(MeetCog(bot))
