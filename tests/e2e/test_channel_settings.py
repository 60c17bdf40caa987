"""A setting that names a channel is checked against the bot's permissions there before it is saved."""

from __future__ import annotations

from tests.e2e.conftest import final
from tests.e2e.test_foundation import embed_text
from tests.fake_discord import P
from tests.fake_discord.models import overwrite


def denying_the_bot(fake, world, name: str, deny: int, *, category: bool = False):
    """A channel (or category) of the server whose overwrites deny the bot ``deny``."""
    overwrites = [overwrite(fake.bot_user, deny=deny)]
    if category:
        return world.guild.add_category(name, overwrites=overwrites)
    return world.guild.add_text_channel(name, overwrites=overwrites)


async def shown(fake, world, command: str, **options) -> str:
    return embed_text(await final(await fake.slash(world.owner, world.guild, command, **options)))


async def test_a_log_channel_the_bot_cannot_post_in_is_refused_naming_what_is_missing(fake, world, bot):
    muted = denying_the_bot(fake, world, "coordinators", P.SEND_MESSAGES | P.EMBED_LINKS)
    await fake.settle()
    refused = await fake.slash(world.owner, world.guild, "setup modlog-channel", options={"channel": muted})
    text = embed_text(await final(refused))
    assert refused.ephemeral
    assert "**Send Messages** and **Embed Links** permissions" in text and "View Channel" not in text
    assert f"<#{muted.id}>" in text and "Nothing was saved" in text
    assert "Moderation log none" in await shown(fake, world, "setup show")

    # A member who is not a coordinator learns nothing about the bot's permissions.
    other = await fake.slash(world.alice, world.guild, "setup modlog-channel", options={"channel": muted})
    assert "Only coordinators" in embed_text(await final(other))

    fine = world.guild.add_text_channel("coordinators-2")
    await fake.settle()
    chosen = await fake.slash(world.owner, world.guild, "setup modlog-channel", options={"channel": fine})
    assert "Moderation log saved" in embed_text(await final(chosen))
    assert f"Moderation log <#{fine.id}>" in await shown(fake, world, "setup show")


async def test_a_coffee_channel_without_private_threads_is_refused_and_nothing_is_set_up(fake, world, bot):
    closed = denying_the_bot(fake, world, "coffee", P.CREATE_PRIVATE_THREADS | P.SEND_MESSAGES_IN_THREADS)
    await fake.settle()
    refused = await fake.slash(world.owner, world.guild, "coffee setup", options={"channel": closed})
    text = embed_text(await final(refused))
    assert "**Create Private Threads** and **Send Messages in Threads** permissions" in text
    assert "Nothing was saved" in text
    assert "aren't set up" in await shown(fake, world, "coffee status")


async def test_a_lounge_the_bot_cannot_see_gets_no_prompts(fake, world, bot):
    hidden = denying_the_bot(fake, world, "lounge", P.VIEW_CHANNEL)
    await fake.settle()
    refused = await fake.slash(world.owner, world.guild, "prompts schedule", options={"channel": hidden})
    text = embed_text(await final(refused))
    assert "**View Channel**" in text and "Nothing was saved" in text
    assert f"<#{hidden.id}>" not in await shown(fake, world, "prompts list")


async def test_a_home_category_where_the_bot_cannot_make_channels_is_refused(fake, world, bot):
    category = denying_the_bot(fake, world, "Groups", P.MANAGE_CHANNELS | P.MANAGE_ROLES, category=True)
    await fake.settle()
    text = await shown(fake, world, "setup home-category", options={"category": category})
    assert "**Manage Channels** and **Manage Roles** permissions in the category **Groups**" in text
    assert "Nothing was saved" in text
    assert "Groups" not in (await shown(fake, world, "setup show")).split("Moderation log")[0]


async def test_linking_a_home_names_every_missing_permission_at_once(fake, world, bot):
    olivia = world.person(world.owner)
    bare = denying_the_bot(fake, world, "circle-home", P.EMBED_LINKS | P.MANAGE_ROLES)
    await fake.settle()
    refused = await olivia.run("group create", name="Circle", kind="peer", home=bare)
    assert "**Embed Links** and **Manage Roles** permissions" in refused.text
    listed = await olivia.run("group list")
    assert "Circle" not in listed.text
