"""Every model, imported so that ``Base.metadata`` knows the whole schema."""

from bot.db.models.checkins import CheckinAnswer, CheckinDelivery, CheckinRound, CheckinSchedule, QuestionSet
from bot.db.models.coffee import (
    CoffeeAvoidance,
    CoffeeDraw,
    CoffeeMatch,
    CoffeeMatchMember,
    CoffeeParticipant,
    CoffeeProgram,
    CoffeeSitOut,
)
from bot.db.models.core import DeliveryProblem, GuildRecord, WatchRecord
from bot.db.models.cycles import (
    AgreementSignature,
    ClosingSurvey,
    CycleApplication,
    MentoringAgreement,
    ProgramCycle,
    RelationshipPulse,
)
from bot.db.models.discussions import (
    AnonymousMute,
    AnonymousPost,
    ConversationPromptSchedule,
    Discussion,
    DiscussionRound,
    DiscussionSchedule,
    GroundRules,
    Participation,
    QueuedPrompt,
    ServerPrompt,
)
from bot.db.models.goals import Goal, GoalMilestone, GoalPartner, GoalUpdate
from bot.db.models.groups import Group, GroupMember, GuildSettings, MatchOptIn, MatchProposal
from bot.db.models.meetings import (
    Meeting,
    MeetingAttendance,
    MeetingAvailability,
    MeetingBurden,
    MeetingSeries,
    MeetingSlot,
)
from bot.db.models.moderation import ModerationRecord
from bot.db.models.profiles import DmChannel, MemberProfile
from bot.db.models.scheduling import OutboxMessage

__all__ = [
    "AgreementSignature",
    "AnonymousMute",
    "AnonymousPost",
    "CheckinAnswer",
    "CheckinDelivery",
    "CheckinRound",
    "CheckinSchedule",
    "ClosingSurvey",
    "CoffeeAvoidance",
    "CoffeeDraw",
    "CoffeeMatch",
    "CoffeeMatchMember",
    "CoffeeParticipant",
    "CoffeeProgram",
    "CoffeeSitOut",
    "ConversationPromptSchedule",
    "CycleApplication",
    "DeliveryProblem",
    "Discussion",
    "DiscussionRound",
    "DiscussionSchedule",
    "DmChannel",
    "Goal",
    "GoalMilestone",
    "GoalPartner",
    "GoalUpdate",
    "GroundRules",
    "Group",
    "GroupMember",
    "GuildRecord",
    "GuildSettings",
    "MatchOptIn",
    "MatchProposal",
    "Meeting",
    "MeetingAttendance",
    "MeetingAvailability",
    "MeetingBurden",
    "MeetingSeries",
    "MeetingSlot",
    "MemberProfile",
    "MentoringAgreement",
    "ModerationRecord",
    "OutboxMessage",
    "Participation",
    "ProgramCycle",
    "QuestionSet",
    "QueuedPrompt",
    "RelationshipPulse",
    "ServerPrompt",
    "WatchRecord",
]
