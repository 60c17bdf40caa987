"""Intake: members apply to a cycle in one form; coordinators accept, waitlist or decline.

Accepted applicants are the cycle's candidates for matching (``/match suggest``), each mentor up
to the number of mentees they said they can take; a mentee is accepted only while a mentor has
a place for them, the others wait on the waitlist in the order they were put there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import CycleApplication, MemberProfile, ProgramCycle
from bot.db.upsert import locked_row
from bot.domain.text import clip
from bot.domain.timezones import local_now, resolve_zone
from bot.errors import Conflict, Invalid, NotFound
from bot.messaging.message import Card, OutgoingMessage
from bot.messaging.outbox import enqueue
from bot.messaging.ports import Target
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.checkin_plans import plan_again
from bot.services.cycles.service import open_cycles
from bot.services.profiles import member_clock, parse_interests
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

ROLES = ("mentor", "mentee", "peer")
HOPES_MAX = 1000
REASON_MAX = 500
CAPACITY_MAX = 5
HOURS = {1: "about 1 hour a month", 3: "2–3 hours a month", 4: "4 hours or more a month"}
DECISIONS = {"accept": "accepted", "waitlist": "waitlisted", "decline": "declined"}


@dataclass(frozen=True)
class IntakeForm:
    """What the application form needs: the cycle, the program's stages and the member's defaults."""

    cycle_id: int
    cycle_name: str
    stages: tuple[str, ...]
    timezone: str
    career_stage: str | None
    interests: tuple[str, ...]


@dataclass(frozen=True)
class Application:
    """An application as its applicant or a coordinator sees it."""

    id: int
    cycle_name: str
    user_id: int
    role: str
    hopes: str
    interests: tuple[str, ...]
    career_stage: str | None
    timezone: str
    hours_per_month: int | None
    capacity: int | None
    status: str
    created_at: datetime
    waitlist_position: int | None = None  # 1 = the next to be offered a place
    decline_reason: str | None = None  # shown to the applicant only


@dataclass(frozen=True)
class ReviewQueue:
    """The cycle's applications by status, the mentor places, and the next one to decide on."""

    cycle_name: str
    counts: dict[str, int]
    mentor_places: int  # all accepted mentors' capacity
    mentees_accepted: int  # mentees accepted or matched
    next: Application | None


class CycleIntake:
    """Applications to the cycle that is running or next, and the coordinators' decisions."""

    def __init__(
        self, db: Database, clock: Clock, settings: SettingsService, scheduler: SchedulingEngine | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._scheduler = scheduler

    async def form(self, guild_id: int, user_id: int) -> IntakeForm:
        """Return what the form shows; refuse before it opens if there is nothing to apply to."""
        async with self._db.reading() as session:
            cycle = await _intake_cycle(session, self._settings, guild_id, user_id, self._clock.now())
            await _not_yet_applied(session, cycle, user_id)
            zone, _ = await member_clock(session, self._settings, guild_id, user_id)
            profile = await session.get(MemberProfile, (guild_id, user_id))
            settings = await self._settings.get_in(session, guild_id)
        return IntakeForm(
            cycle.id,
            cycle.name,
            settings.career_stages,
            zone,
            profile.career_stage if profile else None,
            tuple(profile.interests or ()) if profile else (),
        )

    async def apply(
        self,
        guild_id: int,
        user_id: int,
        cycle_id: int,
        *,
        role: str,
        hopes: str,
        interests: str,
        career_stage: str | None,
        timezone: str,
        hours_per_month: int | None = None,
        capacity: int | None = None,
    ) -> Application:
        """Store an application; the member's profile gets the zone, stage and interests it lacked."""
        if role not in ROLES:
            raise Invalid("Apply as a mentor, a mentee or a peer.")
        hopes = hopes.strip()
        if not hopes:
            raise Invalid("Say in a few words what you want from this cycle.")
        if len(hopes) > HOPES_MAX:
            raise Invalid(f"Keep what you want from the cycle to {HOPES_MAX} characters.")
        tags = parse_interests(interests)
        zone = resolve_zone(timezone).key
        if role == "mentor":
            if capacity is None or not 1 <= capacity <= CAPACITY_MAX:
                raise Invalid(f"Say how many mentees you can take (1 to {CAPACITY_MAX}).")
            hours_per_month = None
        else:
            capacity = None
            if hours_per_month not in HOURS:
                raise Invalid("Say how much time you have each month.")
        settings = await self._settings.get(guild_id)
        stage = _stage(settings.career_stages, career_stage)
        now = self._clock.now()
        async with self._db.transaction() as session:
            cycle = await session.get(ProgramCycle, cycle_id)
            today = local_now(zone, now).date()
            if (
                cycle is None
                or cycle.guild_id != guild_id
                or cycle.closed_at is not None
                or cycle.ends_on < today
            ):
                raise NotFound("That cycle is no longer open for applications; see `/program cycle show`.")
            await _not_yet_applied(session, cycle, user_id)
            row = CycleApplication(
                cycle_id=cycle.id,
                guild_id=guild_id,
                user_id=user_id,
                role=role,
                hopes=hopes,
                interests=list(tags),
                career_stage=stage,
                timezone=zone,
                hours_per_month=hours_per_month,
                capacity=capacity,
                status="pending",
                created_at=now,
            )
            session.add(row)
            profile = await locked_row(
                session, MemberProfile, (guild_id, user_id), created_at=now, updated_at=now
            )
            if not profile.timezone:
                profile.timezone = zone
                await plan_again(session, now, guild_id=guild_id, user_id=user_id)
            profile.career_stage = profile.career_stage or stage
            profile.interests = profile.interests or list(tags)
            await session.flush()
            return _application(row, cycle.name)

    async def mine(self, guild_id: int, user_id: int) -> Application | None:
        """Return the member's application to the cycle running or next (with their waitlist place)."""
        async with self._db.reading() as session:
            today = await self._today(session, guild_id, user_id)
            cycles = [c for c in await open_cycles(session, guild_id) if c.ends_on >= today]
            for cycle in cycles:
                row = await session.scalar(
                    select(CycleApplication).where(
                        CycleApplication.cycle_id == cycle.id, CycleApplication.user_id == user_id
                    )
                )
                if row is not None:
                    return await _shown(session, row, cycle.name, to_applicant=True)
        return None

    async def queue(self, guild_id: int, actor: Actor) -> ReviewQueue:
        """Return the review queue of the cycle running or next (coordinators only)."""
        await self._settings.require_coordinator(guild_id, actor, "review applications")
        async with self._db.reading() as session:
            today = await self._today(session, guild_id, actor.user_id)
            cycles = [c for c in await open_cycles(session, guild_id) if c.ends_on >= today]
            if not cycles:
                raise NotFound("No cycle is running or planned; open one with `/program cycle open`.")
            cycle = cycles[0]
            counts = dict(
                (
                    await session.execute(
                        select(CycleApplication.status, func.count())
                        .where(CycleApplication.cycle_id == cycle.id)
                        .group_by(CycleApplication.status)
                    )
                ).all()
            )
            places, mentees = await _places(session, cycle.id)
            waiting = await session.scalar(
                select(CycleApplication)
                .where(
                    CycleApplication.cycle_id == cycle.id,
                    CycleApplication.status.in_(("pending", "waitlisted")),
                )
                .order_by(
                    (CycleApplication.status == "waitlisted"),  # pending first, then the waitlist
                    CycleApplication.waitlisted_at,
                    CycleApplication.created_at,
                    CycleApplication.id,
                )
                .limit(1)
            )
            shown = await _shown(session, waiting, cycle.name) if waiting is not None else None
        return ReviewQueue(cycle.name, counts, places, mentees, shown)

    async def review(
        self, guild_id: int, actor: Actor, application_id: int, decision: str, reason: str | None = None
    ) -> Application:
        """Accept, waitlist or decline an application; the applicant is told by DM."""
        await self._settings.require_coordinator(guild_id, actor, "review applications")
        if decision not in DECISIONS:
            raise Invalid("Accept, waitlist or decline.")
        reason = (reason or "").strip()
        if decision == "decline" and not reason:
            raise Invalid("Give the applicant a reason: only they will see it.")
        if len(reason) > REASON_MAX:
            raise Invalid(f"Keep the reason to {REASON_MAX} characters.")
        now = self._clock.now()
        async with self._db.transaction() as session:
            row = await session.get(CycleApplication, application_id, with_for_update=True)
            if row is None or row.guild_id != guild_id:
                raise NotFound("That application is not one of this server's.")
            cycle = await session.get(ProgramCycle, row.cycle_id)
            assert cycle is not None
            status = DECISIONS[decision]
            if row.status in ("declined", "matched") or row.status == status:
                raise Conflict(f"<@{row.user_id}>'s application is already {row.status}.")
            if decision == "accept" and row.role == "mentee":
                places, mentees = await _places(session, cycle.id)
                if mentees >= places:
                    raise Conflict(
                        f"No mentor has a place left ({places} places, {mentees} mentees accepted): "
                        "waitlist this mentee, or accept another mentor first."
                    )
            row.status, row.reviewed_by, row.reviewed_at = status, actor.user_id, now
            if decision == "waitlist":
                row.waitlisted_at = now
            row.decline_reason = reason if decision == "decline" else None
            await session.flush()
            shown = await _shown(session, row, cycle.name, to_applicant=True)
            await enqueue(
                session,
                key=f"cycle-application:{row.id}:{status}:{now.isoformat()}",
                target=Target("dm", row.user_id),
                message=OutgoingMessage(cards=(_decision_card(shown),)),
                now=now,
                guild_id=guild_id,
            )
        if self._scheduler is not None:
            self._scheduler.run_soon("outbox")
        return shown

    async def _today(self, session: AsyncSession, guild_id: int, user_id: int) -> date:
        zone, _ = await member_clock(session, self._settings, guild_id, user_id)
        return local_now(zone, self._clock.now()).date()


async def _intake_cycle(
    session: AsyncSession, settings: SettingsService, guild_id: int, user_id: int, now: datetime
) -> ProgramCycle:
    zone, _ = await member_clock(session, settings, guild_id, user_id)
    today = local_now(zone, now).date()
    cycles = [c for c in await open_cycles(session, guild_id) if c.ends_on >= today]
    if not cycles:
        raise NotFound("No program cycle is open for applications here yet.")
    return cycles[0]


async def _not_yet_applied(session: AsyncSession, cycle: ProgramCycle, user_id: int) -> None:
    row = await session.scalar(
        select(CycleApplication).where(
            CycleApplication.cycle_id == cycle.id, CycleApplication.user_id == user_id
        )
    )
    if row is not None:
        raise Conflict(
            f"You already applied to {verbatim(cycle.name)} (as a {row.role}); "
            f"your application is {row.status}. "
            "See it with `/program application`."
        )


async def _places(session: AsyncSession, cycle_id: int) -> tuple[int, int]:
    """Return the accepted mentors' places and the mentees accepted or matched, in a cycle."""
    taken = CycleApplication.status.in_(("accepted", "matched"))
    places = await session.scalar(
        select(func.coalesce(func.sum(CycleApplication.capacity), 0)).where(
            CycleApplication.cycle_id == cycle_id, CycleApplication.role == "mentor", taken
        )
    )
    mentees = await session.scalar(
        select(func.count()).where(
            CycleApplication.cycle_id == cycle_id, CycleApplication.role == "mentee", taken
        )
    )
    return int(places or 0), int(mentees or 0)


async def waitlist_position(session: AsyncSession, row: CycleApplication) -> int | None:
    """Return the application's place on its cycle's waitlist (1 = next), or None if not waiting."""
    if row.status != "waitlisted" or row.waitlisted_at is None:
        return None
    ahead = await session.scalar(
        select(func.count()).where(
            CycleApplication.cycle_id == row.cycle_id,
            CycleApplication.status == "waitlisted",
            (CycleApplication.waitlisted_at < row.waitlisted_at)
            | ((CycleApplication.waitlisted_at == row.waitlisted_at) & (CycleApplication.id < row.id)),
        )
    )
    return int(ahead or 0) + 1


async def _shown(
    session: AsyncSession, row: CycleApplication, cycle_name: str, *, to_applicant: bool = False
) -> Application:
    position = await waitlist_position(session, row)
    return _application(row, cycle_name, position, row.decline_reason if to_applicant else None)


def _application(
    row: CycleApplication, cycle_name: str, position: int | None = None, reason: str | None = None
) -> Application:
    return Application(
        row.id,
        cycle_name,
        row.user_id,
        row.role,
        row.hopes,
        tuple(row.interests or ()),
        row.career_stage,
        row.timezone,
        row.hours_per_month,
        row.capacity,
        row.status,
        row.created_at,
        position,
        reason,
    )


def _stage(ladder: tuple[str, ...], stage: str | None) -> str | None:
    if not stage:
        return None
    for label in ladder:
        if label.casefold() == stage.strip().casefold():
            return label
    raise Invalid(f"“{clip(stage, 40)}” is not a career stage here. Choose one of: {', '.join(ladder)}.")


def status_text(application: Application) -> str:
    """Return what an application's status means for its applicant."""
    name = application.cycle_name
    if application.status == "pending":
        return f"Your application to **{name}** is waiting for a coordinator's review."
    if application.status == "accepted":
        return f"You're accepted into **{name}** as a {application.role}. You'll be told when you're matched."
    if application.status == "waitlisted":
        return (
            f"You're on the waitlist for **{name}**, number **{application.waitlist_position}** in line. "
            "You'll be told as soon as a place opens and you're matched."
        )
    if application.status == "matched":
        return f"You're matched in **{name}**: your group's home has the rest."
    return f"Your application to **{name}** was declined."


def _decision_card(application: Application) -> Card:
    titles = {
        "accepted": f"You're in · {verbatim(application.cycle_name)}",
        "waitlisted": f"On the waitlist · {verbatim(application.cycle_name)}",
        "declined": f"Your application · {verbatim(application.cycle_name)}",
    }
    text = status_text(application)
    if application.status == "declined" and application.decline_reason:
        text += f"\n\n**Why:** {verbatim(application.decline_reason)}\n(Only you see this.)"
    return Card(title=clip(titles[application.status], 256), description=text)
