"""Every service the cogs use, built once in the composition root."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.messaging.outbox import OutboxDispatcher
from bot.scheduling.engine import SchedulingEngine
from bot.scheduling.shards import ShardScope
from bot.services.activity import ActivityService
from bot.services.checkins import CheckinAnswerService, CheckinService
from bot.services.coffee import CoffeeRounds, CoffeeService
from bot.services.conversation_prompts import ConversationPrompts
from bot.services.cycles import (
    Agreements,
    CycleIntake,
    CycleReports,
    CycleService,
    Endings,
    ProgramOutcomes,
    Pulses,
)
from bot.services.dashboard import DashboardService
from bot.services.delivery_problems import DeliveryProblems
from bot.services.departures import Departures
from bot.services.discussions import DiscussionRounds, DiscussionSchedules, DiscussionService
from bot.services.goals import GoalNudges, GoalService
from bot.services.groups import GroupService
from bot.services.guilds import GuildService
from bot.services.matching import MatchingService
from bot.services.meetings import MeetingService, MeetingSweep
from bot.services.moderation import ModerationService
from bot.services.privacy import PrivacyService
from bot.services.profiles import ProfileService
from bot.services.prompt_library import PromptLibrary
from bot.services.reports import ReportService
from bot.services.rescue import GroupRescue
from bot.services.settings import SettingsService
from bot.services.watch import Watch

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The application's services; cogs reach them as ``bot.services``."""

    settings: Settings
    db: Database
    clock: Clock
    scheduler: SchedulingEngine
    guilds: GuildService
    program: SettingsService
    profiles: ProfileService
    groups: GroupService
    matching: MatchingService
    checkins: CheckinService
    checkin_answers: CheckinAnswerService
    goals: GoalService
    goal_nudges: GoalNudges
    activity: ActivityService
    rescue: GroupRescue
    watch: Watch
    moderation: ModerationService
    discussions: DiscussionService
    coffee: CoffeeService
    coffee_rounds: CoffeeRounds
    conversation: ConversationPrompts
    discussion_rounds: DiscussionRounds
    discussion_schedules: DiscussionSchedules
    prompts: PromptLibrary
    privacy: PrivacyService
    meetings: MeetingService
    meeting_sweep: MeetingSweep
    reports: ReportService
    delivery_problems: DeliveryProblems
    departures: Departures
    dashboard: DashboardService
    cycles: CycleService
    intake: CycleIntake
    agreements: Agreements
    pulses: Pulses
    endings: Endings
    cycle_reports: CycleReports
    outcomes: ProgramOutcomes
    # Needs the connected bot to send, so the runtime sets it after building the bot.
    outbox: OutboxDispatcher | None = field(default=None)

    @classmethod
    def build(cls, settings: Settings, db: Database, clock: Clock) -> Services:
        """Wire the services to one database and one clock."""
        scheduler = SchedulingEngine(ShardScope.of(settings.discord.shard_count, settings.discord.shard_ids))
        program = SettingsService(db, clock)
        groups = GroupService(db, clock, program, scheduler)
        watch = Watch(db, clock, scheduler)
        privacy = settings.privacy
        secret = privacy.anonymity_secret.get_secret_value() if privacy.anonymity_secret else ""
        discussions = DiscussionService(db, clock, groups, scheduler=scheduler, anonymity_secret=secret)
        checkin_answers = CheckinAnswerService(db, clock, program, groups, scheduler)
        meetings = MeetingService(db, clock, program, groups, scheduler)
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            scheduler=scheduler,
            guilds=GuildService(db, clock),
            program=program,
            profiles=ProfileService(db, clock, program),
            groups=groups,
            matching=MatchingService(db, clock, program, groups, scheduler),
            checkins=CheckinService(
                db,
                clock,
                program,
                groups,
                scheduler,
                late_grace=timedelta(minutes=settings.checkins.late_grace_minutes),
                round_hours=settings.checkins.round_hours,
            ),
            checkin_answers=checkin_answers,
            goals=GoalService(db, clock, program, groups, scheduler),
            goal_nudges=GoalNudges(
                db,
                clock,
                program,
                scheduler,
                stale_after_days=settings.goals.stale_after_days,
                due_reminder_days=settings.goals.due_reminder_days,
            ),
            activity=ActivityService(db, clock),
            moderation=ModerationService(db, clock, program, groups, scheduler),
            discussions=discussions,
            coffee=CoffeeService(db, clock, program),
            coffee_rounds=CoffeeRounds(db, clock, program, scheduler),
            conversation=ConversationPrompts(
                db,
                clock,
                program,
                groups,
                scheduler,
                live_call_every=timedelta(days=settings.prompts.live_call_every_days),
                live_call_active_within=timedelta(minutes=settings.prompts.live_call_active_minutes),
            ),
            discussion_rounds=DiscussionRounds(db, clock, program, groups, scheduler),
            discussion_schedules=DiscussionSchedules(db, clock, program, groups, discussions, scheduler),
            prompts=PromptLibrary(db, clock, program),
            privacy=PrivacyService(
                db,
                clock,
                program,
                groups,
                checkin_answers,
                scheduler,
                anonymity_secret=secret,
                answer_retention_days=privacy.answer_retention_days,
                participation_retention_days=privacy.participation_retention_days,
                guild_grace_days=privacy.guild_data_grace_days,
            ),
            meetings=meetings,
            meeting_sweep=MeetingSweep(db, clock, program, meetings, scheduler),
            reports=ReportService(db, clock, program, groups),
            delivery_problems=DeliveryProblems(db, clock),
            departures=Departures(db, clock),
            dashboard=DashboardService(db, clock, program, groups),
            cycles=CycleService(db, clock, program, scheduler),
            intake=CycleIntake(db, clock, program, scheduler),
            agreements=Agreements(db, clock, program, scheduler),
            pulses=Pulses(db, clock, program, scheduler),
            endings=Endings(db, clock, program, groups, scheduler),
            cycle_reports=CycleReports(db, clock, program),
            outcomes=ProgramOutcomes(db, program),
            rescue=GroupRescue(
                db,
                clock,
                scheduler,
                quiet_days=settings.rescue.quiet_days,
                step_days=settings.rescue.step_days,
                settings=program,
                watch=watch,
            ),
            watch=watch,
        )

    async def sweep_discussions(self) -> None:
        """Close discussions whose time is up, move rounds along, run scheduled rituals (periodic)."""
        for step in (
            self.discussions.close_expired,
            self.discussion_rounds.advance,
            self.discussion_schedules.run_due,
        ):
            try:
                await step()
            except Exception:  # one failing step must not starve the others
                log.exception("discussion sweep step %s failed", step.__qualname__)
