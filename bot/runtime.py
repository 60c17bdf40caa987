"""The composition root: settings -> database -> services -> scheduler -> bot -> connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

import aiohttp
import discord

from bot.app import MentorBot
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db.engine import Database
from bot.db.keys import check_readable
from bot.db.migrate import upgrade_async
from bot.discord.confirmations import SWEEP_SECONDS, DashboardConfirmations
from bot.discord.discussions import DiscordDiscussionSpaces
from bot.discord.homes import DiscordGroupHomes
from bot.discord.http_pacing import evict_buckets_in_batches, pacing_trace
from bot.discord.meetings import DiscordMeetingCalendar
from bot.discord.members import DiscordMemberDirectory
from bot.discord.moderation import DiscordModeration
from bot.discord.notifier import DiscordNotifier
from bot.discord.recognition import DiscordRoleGiver
from bot.messaging.outbox import OutboxDispatcher
from bot.messaging.pacing import DISCORD_GLOBAL_LIMIT, Pacer, process_share
from bot.services.container import Services
from bot.web.server import WebServer, dashboard_for

log = logging.getLogger(__name__)


def point_at_api(api_base_url: str) -> None:
    """Route every REST call discord.py makes (webhooks and interaction callbacks too) to the API."""
    discord.http.Route.BASE = api_base_url


class DiscordUnreachable(Exception):
    """Discord (or the configured API address) refused the connection or did not answer in time."""


async def check_reachable(api_base_url: str, timeout: float) -> None:  # noqa: ASYNC109 (a setting)
    """Ask the API's unauthenticated ``/gateway`` once, so a dead address fails fast and clearly.

    discord.py has no connect timeout of its own: an address that accepts and never answers
    would hang the start for good, and a refused one ends in a long traceback.
    """
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(f"{api_base_url}/gateway") as response,
        ):
            await response.read()
    except TimeoutError:
        raise DiscordUnreachable(f"Discord did not answer at {api_base_url} within {timeout:g} s") from None
    except aiohttp.ClientError as exc:
        raise DiscordUnreachable(f"cannot reach Discord at {api_base_url}: {exc}") from None


class BotRunner:
    """Builds and runs the bot until asked to stop; ``mentorbot run`` and the tests both use it."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.migrate = migrate
        self.bot: MentorBot | None = None
        self.services: Services | None = None
        self.web: WebServer | None = None  # the dashboard, with web.enabled
        self.pacer: Pacer | None = None  # every request with the bot token waits for it
        self.started = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set or the connection ends for good; always clean up."""
        token = self.settings.bot_token()
        point_at_api(self.settings.discord.api_base_url)
        if self.migrate:
            await upgrade_async(self.settings.database.url)
        database = self.settings.database
        db = Database.from_url(
            database.url,
            echo=database.echo,
            keys=self.settings.privacy.key_ring(),
            busy_timeout=database.busy_timeout_seconds,
        )
        try:
            await check_readable(db)  # a wrong or missing data key stops here, saying how to fix it
            discord_settings = self.settings.discord
            await check_reachable(discord_settings.api_base_url, discord_settings.connect_timeout_seconds)
            self.services = services = Services.build(self.settings, db, self.clock)
            await services.watch.begin()  # since when nobody watched (before anything is sent)
            scheduler_settings = self.settings.scheduler
            limit = scheduler_settings.send_rate_per_second or process_share(
                DISCORD_GLOBAL_LIMIT, discord_settings.shard_count, discord_settings.shard_ids
            )
            self.pacer = Pacer(limit)
            self.bot = bot = MentorBot(services, http_trace=pacing_trace(self.pacer))
            evict_buckets_in_batches(bot.http)
            services.groups.homes = DiscordGroupHomes(bot)
            services.moderation.actions = DiscordModeration(bot)
            services.meetings.calendar = DiscordMeetingCalendar(bot)
            services.departures.directory = DiscordMemberDirectory(bot)
            services.endings.roles = DiscordRoleGiver(bot)
            services.discussions.spaces = services.coffee_rounds.spaces = DiscordDiscussionSpaces(bot)
            notifier = DiscordNotifier(bot, db)
            services.checkin_answers.notifier = notifier
            services.outbox = OutboxDispatcher(
                db,
                self.clock,
                notifier,
                max_concurrent=scheduler_settings.max_concurrent_sends,
                stale_after=timedelta(seconds=scheduler_settings.stale_claim_seconds),
                nonce_memory=timedelta(seconds=self.settings.discord.nonce_memory_seconds),
                scope=services.scheduler.scope,
                stopping=lambda: services.scheduler.stopping,
            )
            services.outbox.record_outcome("checkin:", services.checkins.record_outcome)
            services.outbox.on_outcome("checkin-share:", services.checkin_answers.on_share_outcome)
            services.outbox.on_outcome("modnote:", services.moderation.on_note_outcome)
            services.outbox.on_outcome("", services.delivery_problems.on_outcome)  # every channel post
            services.outbox.on_outcome("", services.departures.on_outcome)  # every refused DM
            # Messages planned for later (a reminder's time, a member's daytime) go only if still wanted.
            for prefix, still_wanted in (
                ("meeting-remind:", services.meetings.reminders_still_wanted),
                ("rescue:", services.rescue.still_wanted),
                ("round-nudge:", services.discussion_rounds.nudges_still_wanted),
                ("goal-nudge:", services.goal_nudges.nudges_still_wanted),
                ("goal-due:", services.goal_nudges.due_reminders_still_wanted),
                ("checkin:", services.checkins.still_wanted),
                ("checkin-reminder:", services.checkins.still_wanted),
                ("checkin-snooze:", services.checkins.still_wanted),
            ):
                services.outbox.send_only_if_wanted(prefix, still_wanted)
            # A round's check-ins are queued all at once and built as they go out.
            for prefix in ("checkin:", "checkin-reminder:"):
                services.outbox.render_when_sent(prefix, services.checkins.render_dms)
            services.scheduler.add_periodic(
                "outbox", scheduler_settings.dispatch_interval_seconds, services.outbox.dispatch_due
            )
            services.scheduler.add_periodic("discussions", 60, services.sweep_discussions)
            services.scheduler.add_periodic("coffee", 60, services.coffee_rounds.run_due)
            services.scheduler.add_periodic("conversation", 300, services.conversation.run_due)
            services.scheduler.add_periodic("meetings", 60, services.meeting_sweep.run_due)
            confirmations = DashboardConfirmations(bot, services.matching)
            services.scheduler.add_periodic("dashboard-confirmations", SWEEP_SECONDS, confirmations.run_due)
            if self.settings.web.enabled:
                self.web = dashboard_for(self.settings, services, bot, bot=True)
                await self.web.start()
            async with bot:
                connection = asyncio.create_task(bot.start(token), name="discord-connection")
                stopping = asyncio.create_task(stop.wait(), name="stop-signal")
                self.started.set()
                done, _ = await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if connection in done:
                    connection.result()  # re-raise why the connection ended
                else:
                    log.info("shutting down")
                    await bot.close()
                    await asyncio.wait({connection})
                    if not connection.cancelled() and (error := connection.exception()) is not None:
                        # Closing can race a reconnect inside discord.py ("Session is closed"):
                        # we asked it to stop, so how the connection ended no longer matters.
                        log.debug("connection ended while shutting down", exc_info=error)
        finally:
            if self.web is not None:
                await self.web.stop()
            await db.dispose()
            log.info("stopped")


async def run_until_signalled(settings: Settings, *, migrate: bool = True) -> None:
    """Run the bot until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers in asyncio
            loop.add_signal_handler(signum, stop.set)
    await BotRunner(settings, migrate=migrate).run(stop)
