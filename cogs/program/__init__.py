"""/program: the program's cycles, the intake form and the coordinators' review of applications."""

from bot.app import MentorBot
from cogs.program._cog import ProgramCog
from cogs.program._intake import ReviewButton


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent review buttons."""
    bot.add_dynamic_items(ReviewButton)
    await bot.add_cog(ProgramCog(bot))
