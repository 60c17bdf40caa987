"""/checkin: schedules, DMs answered with buttons and modals, history and summaries."""

from bot.app import MentorBot
from cogs.checkins._cog import CheckinsCog
from cogs.checkins._components import AnswerButton, SkipButton, SnoozeButton, VisibilityButton


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent buttons (they work on DMs sent before a restart)."""
    bot.add_dynamic_items(AnswerButton, SnoozeButton, SkipButton, VisibilityButton)
    await bot.add_cog(CheckinsCog(bot))
