import asyncio

from bot.services.actors import Actor
from bot.services.settings import SettingsService

GUILD = 1
ADMIN = Actor(1, is_admin=True)


async def test_a_new_servers_first_two_settings_at_once_both_stick(db):
    settings = SettingsService(db)

    await asyncio.gather(
        settings.set_home_category(GUILD, ADMIN, 500), settings.set_modlog_channel(GUILD, ADMIN, 600)
    )

    program = await settings.get(GUILD)
    assert (program.home_category_id, program.modlog_channel_id) == (500, 600)
