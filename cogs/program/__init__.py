"""/program: the program's cycles, the intake form and the coordinators' review of applications."""

from bot.app import MentorBot
from cogs.program._agreement import AgreeButton, ChangeButton
from cogs.program._cog import ProgramCog
from cogs.program._intake import ReviewButton
from cogs.program._pulse import PulseButton
from cogs.program._survey import SurveyButton


async def setup(bot: MentorBot) -> None:
    """Load the cog and its persistent buttons (review, agreement, pulse, survey)."""
    bot.add_dynamic_items(ReviewButton, AgreeButton, ChangeButton, PulseButton, SurveyButton)
    await bot.add_cog(ProgramCog(bot))
