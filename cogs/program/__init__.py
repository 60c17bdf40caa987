"""/program: the program's cycles, the intake form and the coordinators' review of applications."""

from bot.app import MentorBot
from cogs.program._agreement import AgreeButton, ChangeButton
from cogs.program._cog import ProgramCog
from cogs.program._intake import ReviewButton


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent buttons (review, agreement)."""
    bot.add_dynamic_items(ReviewButton, AgreeButton, ChangeButton)
    await bot.add_cog(ProgramCog(bot))
