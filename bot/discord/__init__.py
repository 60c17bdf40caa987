"""Everything in the runtime that speaks discord.py, apart from the bot itself (``bot/app.py``).

The services reach Discord only through small ports (``typing.Protocol``); this package holds
their discord.py implementations, which ``bot/runtime.py`` wires in:

- ``notifier.py``: ``Notifier`` (``bot.messaging.ports``): DMs and channel posts from the outbox.
- ``homes.py``: ``GroupHomes`` (``bot.services.groups.homes``): a group's private channel and its access.
- ``discussions.py``: ``DiscussionSpaces`` (``bot.services.discussions.service``): discussion threads.
- ``meetings.py``: ``MeetingCalendar`` (``bot.services.meetings.calendar``): scheduled events.
- ``moderation.py``: ``ModerationActions`` (``bot.services.moderation``): locks, slowmode, timeouts.
- ``confirmations.py``: carries out the matching confirmations asked on a dashboard that runs
  without the bot (``MatchingService.requested_confirmations``).
- ``members.py``: ``MemberDirectory`` (``bot.services.departures``): who is still in a server; and
  ``member_actor``, the facts about a member that rights are checked against.

Each port finds servers and channels through ``lookup.py``: it waits until the gateway has sent
the servers (the scheduler starts before that), fetches what is not cached, and takes a channel
for gone only on Discord's own word (404 Unknown Channel/Message, or 403).

and the glue that every interaction goes through:

- ``rendering.py``: plain ``OutgoingMessage``/``Card`` descriptions as embeds and views.
- ``interaction_deadline.py``: the safety net that defers a command before Discord's 3 seconds.
- ``interaction_errors.py``: any error as a short private reply, logged with an error id.

Inside this package ``import discord`` is the discord.py library (imports are absolute); our own
modules are always named in full, ``bot.discord.…``.
"""
