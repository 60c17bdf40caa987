"""Mentoring agreements: a cycle group agrees on its goals, cadence, way of meeting and contact.

When a cycle's group is matched, each member is asked by DM to write the agreement (a form).
Whoever writes or changes it proposes a new version: it is posted in the group's home, and the
others are asked by DM to agree or change it; when everyone agreed, the home is told. At the
cycle's midpoint the agreement is brought back ("still true? change it?"), in the home and by
DM at each member's daytime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import AgreementSignature, Group, GroupMember, MentoringAgreement, ProgramCycle
from bot.domain.cycles import CADENCES, MEETING_MODES, midpoint
from bot.domain.goals import nudge_moment
from bot.domain.text import clip
from bot.domain.timezones import local_now
from bot.errors import Invalid, NotFound
from bot.messaging.message import Button, Card, Field, OutgoingMessage
from bot.messaging.outbox import enqueue
from bot.messaging.ports import Target
from bot.scheduling.engine import SchedulingEngine
from bot.services.profiles import member_clocks
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

GOALS_MAX = 1000
CONTACT_MAX = 300
SWEEP_SECONDS = 3600


@dataclass(frozen=True)
class AgreementView:
    """A group's agreement as its members see it, with who has agreed to this version."""

    group_id: int
    group_name: str
    goals: str
    cadence: str
    meeting_mode: str
    contact: str
    version: int
    updated_by: int
    agreed: tuple[int, ...]
    waiting: tuple[int, ...]

    @property
    def everyone_agreed(self) -> bool:
        """Whether every current member agreed to this version."""
        return not self.waiting


def ask_to_write(group_id: int, group_name: str) -> OutgoingMessage:
    """Return the DM that asks a newly matched member to write the group's agreement."""
    return OutgoingMessage(
        cards=(
            Card(
                title=clip(f"Your mentoring agreement · {verbatim(group_name)}", 256),
                description=(
                    "Agree together on your goals for this cycle, how often and how you'll meet, how to "
                    "reach each other, and that what you share stays between you. One of you writes it; "
                    "the others agree or change it. It is shown in your group's home."
                ),
            ),
        ),
        buttons=(Button(f"agreement:edit:{group_id}", "Write it", "primary"),),
    )


class Agreements:
    """Writes, agrees to and brings back cycle groups' agreements."""

    def __init__(
        self, db: Database, clock: Clock, settings: SettingsService, scheduler: SchedulingEngine | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._scheduler = scheduler
        if scheduler is not None:
            scheduler.add_periodic("agreements", SWEEP_SECONDS, self.run_midpoints)

    async def show(self, user_id: int, group_id: int) -> AgreementView | None:
        """Return the group's agreement for one of its members (None: not written yet)."""
        async with self._db.reading() as session:
            group = await _members_group(session, user_id, group_id)
            row = await session.get(MentoringAgreement, group_id)
            return await _view(session, group, row) if row else None

    async def write(
        self,
        user_id: int,
        group_id: int,
        *,
        goals: str,
        cadence: str,
        meeting_mode: str,
        contact: str,
        confidential: bool,
    ) -> AgreementView:
        """Write or change the agreement: a new version, agreed by its author, the others asked."""
        goals, contact = goals.strip(), contact.strip()
        if not goals or len(goals) > GOALS_MAX:
            raise Invalid(f"Write your goals for the cycle (up to {GOALS_MAX} characters).")
        if not contact or len(contact) > CONTACT_MAX:
            raise Invalid(f"Say how you'll reach each other (up to {CONTACT_MAX} characters).")
        if cadence not in CADENCES or meeting_mode not in MEETING_MODES:
            raise Invalid("Choose how often and how you'll meet.")
        if not confidential:
            raise Invalid("An agreement includes confidentiality: tick “What we share stays between us”.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            group = await _members_group(session, user_id, group_id)
            row = await session.get(MentoringAgreement, group_id, with_for_update=True)
            if row is None:
                row = MentoringAgreement(group_id=group_id, guild_id=group.guild_id, version=0)
                session.add(row)
            row.goals, row.cadence, row.meeting_mode, row.contact = goals, cadence, meeting_mode, contact
            row.version, row.updated_by, row.updated_at = row.version + 1, user_id, now
            await session.flush()
            await _sign(session, group_id, user_id, row.version, now)
            view = await _view(session, group, row)
            await _announce(session, group, view, now)
            for member in view.waiting:
                await enqueue(
                    session,
                    key=f"agreement:{group_id}:{view.version}:ask:{member}",
                    target=Target("dm", member),
                    message=_proposed(view, f"<@{user_id}> wrote your agreement. Do you agree?"),
                    now=now,
                    guild_id=group.guild_id,
                )
        self._wake()
        return view

    async def agree(self, user_id: int, group_id: int, version: int) -> AgreementView:
        """Agree to a version; when everyone has, the group's home is told."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            group = await _members_group(session, user_id, group_id)
            row = await session.get(MentoringAgreement, group_id, with_for_update=True)
            if row is None:
                raise NotFound("This group has no agreement yet: write it with **Write it**.")
            if row.version != version:
                raise Invalid(
                    "The agreement changed since this message: see `/program agreement` for the new one."
                )
            await _sign(session, group_id, user_id, version, now)
            view = await _view(session, group, row)
            if view.everyone_agreed:
                await _announce(session, group, view, now)
        self._wake()
        return view

    async def still_true(self, user_id: int, group_id: int, version: int) -> AgreementView:
        """Confirm at the midpoint review that the agreement still holds."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            group = await _members_group(session, user_id, group_id)
            row = await session.get(MentoringAgreement, group_id)
            if row is None or row.version != version:
                raise Invalid(
                    "The agreement changed since this message: see `/program agreement` for the new one."
                )
            signature = await session.get(AgreementSignature, (group_id, user_id), with_for_update=True)
            if signature is None or signature.version != version:
                await _sign(session, group_id, user_id, version, now)
                signature = await session.get(AgreementSignature, (group_id, user_id))
            assert signature is not None
            signature.reviewed_at = now
            return await _view(session, group, row)

    async def run_midpoints(self) -> None:
        """Bring every agreement back once its cycle reaches its midpoint (periodic)."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            rows = await session.execute(
                select(MentoringAgreement, Group, ProgramCycle)
                .join(Group, Group.id == MentoringAgreement.group_id)
                .join(ProgramCycle, ProgramCycle.id == Group.cycle_id)
                .where(
                    MentoringAgreement.midpoint_asked_at.is_(None),
                    Group.archived_at.is_(None),
                    ProgramCycle.closed_at.is_(None),
                    self._scope(Group.guild_id),
                )
            )
            for row, group, cycle in rows.all():
                zone = (await self._settings.get_in(session, group.guild_id)).default_timezone
                if local_now(zone, now).date() < midpoint(cycle.starts_on, cycle.ends_on):
                    continue
                row.midpoint_asked_at = now
                await self._bring_back(session, group, row, cycle.name, now)
        self._wake()

    async def _bring_back(
        self, session: AsyncSession, group: Group, row: MentoringAgreement, cycle_name: str, now: datetime
    ) -> None:
        view = await _view(session, group, row)
        name = verbatim(cycle_name)
        question = f"Halfway through {name}: is your agreement still true, or do you want to change it?"
        if group.home_channel_id is not None:
            await enqueue(
                session,
                key=f"agreement:{group.id}:midpoint:home",
                target=Target("channel", group.home_channel_id),
                message=OutgoingMessage(cards=(_card(view, "Midpoint review", question),)),
                now=now,
                guild_id=group.guild_id,
            )
        active = list(
            await session.scalars(
                select(GroupMember.user_id).where(
                    GroupMember.group_id == group.id,
                    GroupMember.left_at.is_(None),
                    GroupMember.paused_at.is_(None),  # a member on a pause hears nothing of the group
                )
            )
        )
        clocks = await member_clocks(session, self._settings, group.guild_id, active)
        for member, clock in clocks.items():
            message = OutgoingMessage(
                cards=(_card(view, "Midpoint review", question),),
                buttons=(
                    Button(f"agreement:still:{group.id}:{view.version}", "Still true", "success"),
                    Button(f"agreement:edit:{group.id}", "Change it"),
                ),
            )
            await enqueue(
                session,
                key=f"agreement:{group.id}:midpoint:{member}",
                target=Target("dm", member),
                message=message,
                now=now,
                not_before=nudge_moment(now, clock),  # in their daytime, outside quiet hours
                guild_id=group.guild_id,
            )

    def _scope(self, column: InstrumentedAttribute[int]) -> ColumnElement[bool]:
        return self._scheduler.scope.clause(column) if self._scheduler else true()

    def _wake(self) -> None:
        if self._scheduler is not None:
            self._scheduler.run_soon("outbox")


async def _members_group(session: AsyncSession, user_id: int, group_id: int) -> Group:
    group = await session.get(Group, group_id)
    member = await session.scalar(
        select(GroupMember.id).where(
            GroupMember.group_id == group_id, GroupMember.user_id == user_id, GroupMember.left_at.is_(None)
        )
    )
    if group is None or member is None or group.archived_at is not None:
        raise NotFound("That agreement belongs to a group you're not in.")
    return group


async def _sign(session: AsyncSession, group_id: int, user_id: int, version: int, now: datetime) -> None:
    signature = await session.get(AgreementSignature, (group_id, user_id), with_for_update=True)
    if signature is None:
        session.add(AgreementSignature(group_id=group_id, user_id=user_id, version=version, agreed_at=now))
    elif signature.version != version:
        signature.version, signature.agreed_at, signature.reviewed_at = version, now, None
    await session.flush()


async def _view(session: AsyncSession, group: Group, row: MentoringAgreement) -> AgreementView:
    members = list(
        await session.scalars(
            select(GroupMember.user_id)
            .where(GroupMember.group_id == group.id, GroupMember.left_at.is_(None))
            .order_by(GroupMember.id)
        )
    )
    signed = set(
        await session.scalars(
            select(AgreementSignature.user_id).where(
                AgreementSignature.group_id == group.id, AgreementSignature.version == row.version
            )
        )
    )
    return AgreementView(
        group.id,
        group.name,
        row.goals,
        row.cadence,
        row.meeting_mode,
        row.contact,
        row.version,
        row.updated_by,
        tuple(m for m in members if m in signed),
        tuple(m for m in members if m not in signed),
    )


def _card(view: AgreementView, title: str, description: str) -> Card:
    fields = (
        Field("Goals for the cycle", clip(verbatim(view.goals), 1024)),
        Field("How often", CADENCES[view.cadence], inline=True),
        Field("How", MEETING_MODES[view.meeting_mode], inline=True),
        Field("Reaching each other", clip(verbatim(view.contact), 1024)),
        Field("Confidentiality", "What we share stays between us."),
    )
    return Card(
        title=clip(f"{title} · {verbatim(view.group_name)}", 256), description=description, fields=fields
    )


def agreed_line(view: AgreementView) -> str:
    """Return who agreed and who is still asked."""
    agreed = " ".join(f"<@{m}>" for m in view.agreed) or "nobody yet"
    if view.everyone_agreed:
        return f"Agreed by everyone: {agreed}."
    return f"Agreed: {agreed}. Waiting for: {' '.join(f'<@{m}>' for m in view.waiting)}."


def _proposed(view: AgreementView, intro: str) -> OutgoingMessage:
    return OutgoingMessage(
        cards=(_card(view, "Mentoring agreement", intro),),
        buttons=(
            Button(f"agreement:agree:{view.group_id}:{view.version}", "I agree", "success"),
            Button(f"agreement:edit:{view.group_id}", "Change it"),
        ),
    )


async def _announce(session: AsyncSession, group: Group, view: AgreementView, now: datetime) -> None:
    """Show the agreement in the group's home: when proposed, and once everyone agreed."""
    if group.home_channel_id is None:
        return
    stage = "agreed" if view.everyone_agreed else "proposed"
    title = "Mentoring agreement ✓" if view.everyone_agreed else "Mentoring agreement (proposed)"
    await enqueue(
        session,
        key=f"agreement:{group.id}:{view.version}:{stage}",
        target=Target("channel", group.home_channel_id),
        message=OutgoingMessage(cards=(_card(view, title, agreed_line(view)),)),
        now=now,
        guild_id=group.guild_id,
    )
