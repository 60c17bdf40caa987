"""The relationship pulse: "How is your mentoring going?" 1–5, privately, at day 30 and every N days.

Each member of a cycle's group is asked on their own calendar: at day 30 of the match, then
every ``pulse_every_days`` of the cycle, until it ends; the DM arrives in their daytime and
never while they are paused in the group. Only coordinators see the figures (a note only when
its author allowed it); a partner never sees the other's score. A low score, or two pulses in a
row left unanswered, puts the group on the coordinators' attention list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from discord.utils import format_dt
from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import ClosingSurvey, Group, GroupMember, ProgramCycle, RelationshipPulse
from bot.domain.goals import nudge_moment
from bot.domain.text import clip
from bot.domain.timezones import local_now
from bot.errors import Conflict, Invalid, NotFound
from bot.messaging.message import Button, Card, OutgoingMessage
from bot.messaging.outbox import enqueue
from bot.messaging.ports import Target
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.dashboard import RESCUE_STEPS
from bot.services.profiles import member_clocks
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

FIRST_DAY = 30
LOW_SCORE = 2  # at or below: the group needs attention
MISSED_AFTER = timedelta(days=7)  # a pulse unanswered this long counts as missed
NOTE_MAX = 500
SWEEP_SECONDS = 3600


@dataclass(frozen=True)
class OpenPulse:
    """A pulse waiting for its member's answer."""

    id: int
    group_name: str


@dataclass(frozen=True)
class Concern:
    """Why a group is on the attention list, and what to do next.

    The facts stay structured (who, which score, their note, since when) so that Discord and the
    dashboard each write them their own way: mentions and ``<t:…>`` times in Discord, names and
    dates on the web. ``note`` is the member's own words, only when they allowed coordinators to
    read it; ``reason`` is an early end's reason (coordinators only).
    """

    group_id: int
    group_name: str
    kind: str  # "quiet", "low", "missed" or "ended"
    next_step: str
    user_id: int | None = None
    score: int | None = None
    note: str | None = None
    reason: str | None = None
    since: datetime | None = None  # quiet since
    step: str | None = None  # what the rescue of a quiet group has done so far, and when
    step_at: datetime | None = None

    def discord_text(self) -> str:
        """Return why, as a Discord embed shows it (a mention, a ``<t:…>`` date, escaped words)."""
        who = f"<@{self.user_id}>"
        if self.kind == "quiet":
            assert self.since is not None
            return f"quiet since {format_dt(self.since, 'D')}; {self.step or 'the rescue started'}"
        if self.kind == "low":
            note = f" — “{clip(verbatim(self.note), 200)}”" if self.note else ""
            return f"{who} rated it {self.score}/5{note}"
        if self.kind == "missed":
            return f"{who} missed their last two pulses"
        return f"ended early by {who}: “{clip(verbatim(self.reason), 300)}”"


def pulse_rounds(matched_on: date, ends_on: date, every_days: int, today: date) -> int | None:
    """Return the latest pulse round due by ``today`` (0 at day 30 of the match), or None."""
    first = matched_on + timedelta(days=FIRST_DAY)
    if today < first or first > ends_on:
        return None
    latest = (min(today, ends_on) - first).days // every_days
    return latest


class Pulses:
    """Asks, records and reads the relationship pulses of cycle groups."""

    def __init__(
        self, db: Database, clock: Clock, settings: SettingsService, scheduler: SchedulingEngine | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._scheduler = scheduler
        if scheduler is not None:
            scheduler.add_periodic("pulses", SWEEP_SECONDS, self.run_due)

    async def run_due(self) -> None:
        """Ask every member whose next pulse is due (periodic; a round is asked once)."""
        now = self._clock.now()
        scope = self._scheduler.scope.clause(Group.guild_id) if self._scheduler else true()
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(Group, ProgramCycle)
                .join(ProgramCycle, ProgramCycle.id == Group.cycle_id)
                .where(Group.archived_at.is_(None), ProgramCycle.closed_at.is_(None), scope)
            )
            for group, cycle in rows.all():
                await self._ask_group(session, group, cycle, now)
        if self._scheduler is not None:
            self._scheduler.run_soon("outbox")

    async def _ask_group(
        self, session: AsyncSession, group: Group, cycle: ProgramCycle, now: datetime
    ) -> None:
        members = list(
            await session.scalars(
                select(GroupMember.user_id).where(
                    GroupMember.group_id == group.id,
                    GroupMember.left_at.is_(None),
                    GroupMember.paused_at.is_(None),  # a member on a pause is not asked
                )
            )
        )
        if not members:
            return
        default = (await self._settings.get_in(session, group.guild_id)).default_timezone
        matched_on = local_now(default, group.created_at).date()
        asked = {
            (user_id, round_)
            for user_id, round_ in (
                await session.execute(
                    select(RelationshipPulse.user_id, RelationshipPulse.round).where(
                        RelationshipPulse.group_id == group.id
                    )
                )
            ).all()
        }
        for user_id, clock in (await member_clocks(session, self._settings, group.guild_id, members)).items():
            today = local_now(clock.zone, now).date()
            round_ = pulse_rounds(matched_on, cycle.ends_on, cycle.pulse_every_days, today)
            if round_ is None or (user_id, round_) in asked:
                continue
            pulse = RelationshipPulse(
                group_id=group.id, guild_id=group.guild_id, user_id=user_id, round=round_, asked_at=now
            )
            session.add(pulse)
            await session.flush()
            await enqueue(
                session,
                key=f"pulse:{pulse.id}",
                target=Target("dm", user_id),
                message=_question(pulse.id, group.name),
                now=now,
                not_before=nudge_moment(now, clock),  # their daytime, outside quiet hours
                guild_id=group.guild_id,
            )

    async def open_pulse(
        self, user_id: int, pulse_id: int | None = None, guild_id: int | None = None
    ) -> OpenPulse:
        """Return the member's pulse to answer: this one, or their latest unanswered one in a server."""
        async with self._db.reading() as session:
            query = select(RelationshipPulse, Group.name).join(Group, Group.id == RelationshipPulse.group_id)
            query = query.where(RelationshipPulse.user_id == user_id)
            if pulse_id is not None:
                query = query.where(RelationshipPulse.id == pulse_id)
            else:
                query = query.where(
                    RelationshipPulse.guild_id == guild_id, RelationshipPulse.answered_at.is_(None)
                )
            found = (
                await session.execute(query.order_by(RelationshipPulse.asked_at.desc()).limit(1))
            ).first()
        if found is None:
            raise NotFound("You have no pulse to answer right now.")
        pulse, name = found
        if pulse.answered_at is not None:
            raise Conflict("You already answered this pulse — thank you.")
        return OpenPulse(pulse.id, name)

    async def answer(
        self, user_id: int, pulse_id: int, score: int, note: str = "", share_note: bool = False
    ) -> int:
        """Record an answer (once); return the score. Only coordinators will see it."""
        if not 1 <= score <= 5:
            raise Invalid("Rate it from 1 to 5.")
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise Invalid(f"Keep the note to {NOTE_MAX} characters.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            pulse = await session.get(RelationshipPulse, pulse_id, with_for_update=True)
            if pulse is None or pulse.user_id != user_id:
                raise NotFound("That pulse isn't yours.")
            if pulse.answered_at is not None:
                raise Conflict("You already answered this pulse — thank you.")
            pulse.score, pulse.note, pulse.note_shared = score, note or None, bool(note) and share_note
            pulse.answered_at = now
        return score

    async def concerns(
        self, session: AsyncSession, guild_id: int, now: datetime, cycle_id: int | None = None
    ) -> list[Concern]:
        """Return the cycle groups a pulse flags: a low latest score, or two missed in a row."""
        in_cycle = Group.cycle_id == cycle_id if cycle_id is not None else true()
        rows = await session.execute(
            select(RelationshipPulse, Group.name)
            .join(Group, Group.id == RelationshipPulse.group_id)
            .join(ProgramCycle, ProgramCycle.id == Group.cycle_id)
            .where(
                RelationshipPulse.guild_id == guild_id,
                Group.archived_at.is_(None),
                ProgramCycle.closed_at.is_(None),
                in_cycle,
            )
            .order_by(RelationshipPulse.asked_at.desc(), RelationshipPulse.id.desc())
        )
        by_member: dict[tuple[int, int], list[tuple[RelationshipPulse, str]]] = {}
        for pulse, name in rows.all():
            by_member.setdefault((pulse.group_id, pulse.user_id), []).append((pulse, name))
        found = []
        for (group_id, user_id), pulses in by_member.items():
            name = pulses[0][1]
            answered = [p for p, _ in pulses if p.score is not None]
            if answered and answered[0].score is not None and answered[0].score <= LOW_SCORE:
                latest = answered[0]
                found.append(
                    Concern(
                        group_id,
                        name,
                        "low",
                        "Talk to them privately; if it doesn't get better, re-match them (/match suggest).",
                        user_id=user_id,
                        score=latest.score,
                        note=latest.note if latest.note_shared else None,  # only if they allowed it
                    )
                )
                continue
            recent = [p for p, _ in pulses[:2]]
            if len(recent) == 2 and all(
                p.answered_at is None and now - p.asked_at >= MISSED_AFTER for p in recent
            ):
                found.append(
                    Concern(
                        group_id,
                        name,
                        "missed",
                        "Check in with them: DMs closed, too busy, or a pair that faded?",
                        user_id=user_id,
                    )
                )
        return found

    async def attention(self, guild_id: int, actor: Actor, cycle_id: int | None = None) -> list[Concern]:
        """Return the groups needing attention, of one cycle if given (coordinators).

        Quiet groups being rescued, matches ended early and the pulses' concerns.
        """
        await self._settings.require_coordinator(guild_id, actor, "see the attention list")
        in_cycle = Group.cycle_id == cycle_id if cycle_id is not None else true()
        async with self._db.reading() as session:
            quiet = await session.scalars(
                select(Group)
                .where(
                    Group.guild_id == guild_id, Group.archived_at.is_(None), Group.rescue_stage > 0, in_cycle
                )
                .order_by(Group.rescue_stage.desc(), Group.name_key)
            )
            found = [
                Concern(
                    g.id,
                    g.name,
                    "quiet",
                    "Talk to them; if the match isn't working, re-match them (/match suggest).",
                    since=g.last_activity_at or g.created_at,
                    step=RESCUE_STEPS.get(g.rescue_stage),
                    step_at=g.rescue_at,
                )
                for g in quiet
            ]
            ended = await session.execute(
                select(ClosingSurvey.user_id, ClosingSurvey.end_reason, Group.id, Group.name)
                .join(Group, Group.id == ClosingSurvey.group_id)
                .join(ProgramCycle, ProgramCycle.id == ClosingSurvey.cycle_id)
                .where(
                    ClosingSurvey.guild_id == guild_id,
                    ClosingSurvey.end_reason.is_not(None),
                    ProgramCycle.ended_at.is_(None),  # while the cycle runs
                    in_cycle,
                )
            )
            found += [
                Concern(
                    group_id,
                    name,
                    "ended",
                    "Talk to them; offer a new match now (/match suggest) or in the next cycle.",
                    user_id=user_id,
                    reason=reason,
                )
                for user_id, reason, group_id, name in ended.all()
            ]
            return found + await self.concerns(session, guild_id, self._clock.now(), cycle_id)


def _question(pulse_id: int, group_name: str) -> OutgoingMessage:
    return OutgoingMessage(
        cards=(
            Card(
                title=clip(f"How is your mentoring going? · {verbatim(group_name)}", 256),
                description=(
                    "Rate it from 1 to 5, with a note if you like. Only the program's coordinators see "
                    "your answer (your note only if you allow it); your partner never does."
                ),
            ),
        ),
        buttons=(Button(f"pulse:answer:{pulse_id}", "Rate it", "primary"),),
    )
