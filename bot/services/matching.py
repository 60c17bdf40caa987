"""Matching: members opt in, a coordinator asks for a proposal, confirming it creates the groups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, and_, delete, select, true
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import CycleApplication, GroupMember, MatchOptIn, MatchProposal, MemberProfile
from bot.db.upsert import locked_row
from bot.domain.groups import NAME_MAX
from bot.domain.matching import Candidate, Mode, Proposal, suggest, suggest_within_capacity
from bot.domain.text import clip
from bot.domain.timezones import local_now
from bot.errors import Conflict, Invalid, NotFound
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.audit import record_program_action
from bot.services.cycles.matching import CyclePool, cycle_pool, record_matches
from bot.services.groups import GroupService, GroupView
from bot.services.settings import ProgramSettings, SettingsService

WANTS = ("mentor", "mentee", "peer")
MODE_KINDS: dict[str, str] = {"one_to_one": "one_to_one", "near_peer": "near_peer", "peer": "peer"}
DEFAULT_WAKING = (8 * 60, 21 * 60)
PROPOSALS_SHOWN = 5
REQUESTS_PER_SWEEP = 20


@dataclass(frozen=True)
class ProposalView:
    """A stored proposal, ready to show with a Confirm button."""

    id: int
    mode: str
    proposal: Proposal


@dataclass(frozen=True)
class StoredGroup:
    """A pair or group of a stored proposal: members (user ids) and their roles."""

    members: tuple[int, ...]
    roles: Mapping[int, str]


@dataclass(frozen=True)
class StoredProposal:
    """A proposal as kept for confirmation (ids and roles only; the reasons were shown when made)."""

    id: int
    mode: str
    created_by: int
    created_at: datetime
    confirmed_at: datetime | None
    groups: tuple[StoredGroup, ...]
    confirm_requested_at: datetime | None = None  # on a dashboard without the bot: the bot confirms it
    confirm_problem: str | None = None  # why the bot could not


@dataclass(frozen=True)
class ConfirmRequest:
    """A proposal confirmed on a dashboard running without the bot, for the bot to carry out."""

    guild_id: int
    proposal_id: int
    user_id: int


class MatchingService:
    """Opt-ins, proposals and their confirmation."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler

    async def opt_in(self, guild_id: int, user_id: int, wants: str) -> None:
        """Ask to be matched as a mentor, mentee or peer (again: changes what you want)."""
        if wants not in WANTS:
            raise Invalid("Choose mentor, mentee or peer.")
        async with self._db.transaction() as session:
            row = await locked_row(
                session, MatchOptIn, (guild_id, user_id), wants=wants, opted_in_at=self._clock.now()
            )
            row.wants = wants

    async def opt_out(self, guild_id: int, user_id: int) -> bool:
        """Stop being matched; return False if you had not opted in."""
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(MatchOptIn).where(MatchOptIn.guild_id == guild_id, MatchOptIn.user_id == user_id)
            )
            return bool(result.rowcount)

    async def propose(
        self, guild_id: int, actor: Actor, mode: str, group_size: int = 2, *, via: str = "discord"
    ) -> ProposalView:
        """Propose pairs or groups among the opted-in members, and keep the proposal for confirmation."""
        await self._settings.require_coordinator(guild_id, actor, "run matching")
        if mode not in MODE_KINDS:
            raise Invalid("Choose one_to_one, near_peer or peer.")
        if mode != "peer" and group_size != 2:
            raise Invalid("Mentoring matches are pairs; a group size only applies to peer matching.")
        settings = await self._settings.get(guild_id)
        today = local_now(settings.default_timezone, self._clock.now()).date()
        async with self._db.transaction() as session:
            pool = await cycle_pool(session, guild_id, today, settings.stage_index)
        if pool is not None:  # a cycle's intake decides who is matched, not the opt-in list
            return await self._propose_in_cycle(guild_id, actor, mode, group_size, pool, settings, via)
        async with self._db.transaction() as session:
            optins = (await session.scalars(select(MatchOptIn).where(MatchOptIn.guild_id == guild_id))).all()
            # Subqueries, not lists of ids: asyncpg takes at most 32,767 bound parameters.
            opted_in = select(MatchOptIn.user_id).where(MatchOptIn.guild_id == guild_id)
            profiles = {
                p.user_id: p
                for p in await session.scalars(
                    select(MemberProfile).where(
                        MemberProfile.guild_id == guild_id, MemberProfile.user_id.in_(opted_in)
                    )
                )
            }
            previous = await _previous_pairs(session, guild_id, opted_in) if optins else set()
        candidates = [_candidate(o, profiles.get(o.user_id), settings) for o in optins]
        proposal = suggest(
            candidates, mode=mode, group_size=group_size, previous_pairs=previous, on=self._clock.now().date()
        )  # type: ignore[arg-type]
        return await self._store(guild_id, actor, mode, proposal, settings, via)

    async def _propose_in_cycle(
        self,
        guild_id: int,
        actor: Actor,
        mode: str,
        group_size: int,
        pool: CyclePool,
        settings: ProgramSettings,
        via: str,
    ) -> ProposalView:
        """Match a cycle's accepted applicants, mentors up to their places left."""
        async with self._db.transaction() as session:
            ids = [c.user_id for c in pool.candidates]
            profiles = {
                p.user_id: p
                for p in await session.scalars(
                    select(MemberProfile).where(
                        MemberProfile.guild_id == guild_id, MemberProfile.user_id.in_(ids)
                    )
                )
            }
            previous = await _previous_pairs(
                session,
                guild_id,
                select(CycleApplication.user_id).where(CycleApplication.cycle_id == pool.cycle_id),
            )
        candidates = [replace(c, waking=_waking(profiles.get(c.user_id))) for c in pool.candidates]
        on = self._clock.now().date()
        if mode == "peer":
            proposal = suggest(candidates, mode="peer", group_size=group_size, previous_pairs=previous, on=on)
        else:
            proposal = suggest_within_capacity(
                candidates,
                pool.places,
                mode=mode,
                previous_pairs=previous,
                on=on,  # type: ignore[arg-type]
            )
        return await self._store(guild_id, actor, mode, proposal, settings, via, pool.cycle_id)

    async def _store(
        self,
        guild_id: int,
        actor: Actor,
        mode: str,
        proposal: Proposal,
        settings: ProgramSettings,
        via: str,
        cycle_id: int | None = None,
    ) -> ProposalView:
        async with self._db.transaction() as session:
            row = MatchProposal(
                cycle_id=cycle_id,
                guild_id=guild_id,
                created_by=actor.user_id,
                mode=mode,
                groups=[
                    {"members": list(g.members), "roles": {str(k): v for k, v in g.roles.items()}}
                    for g in proposal.groups
                ],
                created_at=self._clock.now(),
            )
            session.add(row)
            await session.flush()
            await record_program_action(
                session,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="propose_matches",
                summary=f"asked for a matching proposal ({len(proposal.groups)} matches, {mode})",
                details={"proposal_id": row.id, "groups": len(proposal.groups), "via": via},
                modlog_channel_id=settings.modlog_channel_id,
                now=self._clock.now(),
            )
        self._wake_outbox()
        return ProposalView(row.id, mode, proposal)

    async def proposal_members(self, guild_id: int, proposal_id: int) -> list[int]:
        """Return the user ids in a proposal (to look up their names)."""
        async with self._db.reading() as session:
            row = await session.get(MatchProposal, proposal_id)
        if row is None or row.guild_id != guild_id:
            return []
        return [int(m) for group in row.groups for m in group["members"]]

    async def recent_proposals(self, guild_id: int, actor: Actor) -> list[StoredProposal]:
        """Return the latest proposals, waiting or confirmed, newest first (coordinators only)."""
        await self._settings.require_coordinator(guild_id, actor, "see matching proposals")
        async with self._db.reading() as session:
            rows = await session.scalars(
                select(MatchProposal)
                .where(MatchProposal.guild_id == guild_id)
                .order_by(MatchProposal.created_at.desc(), MatchProposal.id.desc())
                .limit(PROPOSALS_SHOWN)
            )
            return [_stored(row) for row in rows]

    async def request_confirmation(self, guild_id: int, actor: Actor, proposal_id: int) -> None:
        """Ask the bot to confirm a proposal as ``actor`` (a dashboard without the bot's connection)."""
        await self._settings.require_coordinator(guild_id, actor, "confirm matches")
        async with self._db.transaction() as session:
            row = await session.get(MatchProposal, proposal_id, with_for_update=True)
            if row is None or row.guild_id != guild_id:
                raise NotFound("That proposal no longer exists; run `/match suggest` again.")
            if row.confirmed_at is not None:
                raise Conflict("These matches were already confirmed.")
            row.confirm_requested_by, row.confirm_requested_at = actor.user_id, self._clock.now()
            row.confirm_problem = None
        if self._scheduler is not None:
            self._scheduler.run_soon("dashboard-confirmations")  # the bot's, when it runs in this process

    async def requested_confirmations(self) -> list[ConfirmRequest]:
        """Return the confirmations the bot should carry out for this process's servers."""
        scope = self._scheduler.scope.clause(MatchProposal.guild_id) if self._scheduler else true()
        async with self._db.reading() as session:
            rows = await session.execute(
                select(MatchProposal.guild_id, MatchProposal.id, MatchProposal.confirm_requested_by)
                .where(
                    MatchProposal.confirm_requested_by.is_not(None),
                    MatchProposal.confirmed_at.is_(None),
                    MatchProposal.confirm_problem.is_(None),
                    scope,
                )
                .order_by(MatchProposal.confirm_requested_at)
                .limit(REQUESTS_PER_SWEEP)
            )
            return [ConfirmRequest(guild_id, pid, int(user_id)) for guild_id, pid, user_id in rows.all()]

    async def confirmation_failed(self, proposal_id: int, problem: str) -> None:
        """Record why the bot could not confirm a proposal asked on the dashboard (shown there)."""
        async with self._db.transaction() as session:
            row = await session.get(MatchProposal, proposal_id, with_for_update=True)
            if row is not None:
                row.confirm_problem = problem[:500]

    async def confirm(
        self,
        guild_id: int,
        actor: Actor,
        proposal_id: int,
        display_names: Mapping[int, str],
        *,
        via: str = "discord",
    ) -> list[GroupView]:
        """Create the proposed groups (each with a home) and take their members off the opt-in list."""
        await self._settings.require_coordinator(guild_id, actor, "confirm matches")
        settings = await self._settings.get(guild_id)
        async with self._db.transaction() as session:
            row = await session.get(MatchProposal, proposal_id, with_for_update=True)
            if row is None or row.guild_id != guild_id:
                raise NotFound("That proposal no longer exists; run `/match suggest` again.")
            if row.confirmed_at is not None:
                raise Conflict("These matches were already confirmed.")
            row.confirmed_at = self._clock.now()  # claims the proposal: a second click finds it confirmed
            planned, mode, cycle_id = list(row.groups), row.mode, row.cycle_id
            await record_program_action(
                session,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="confirm_matches",
                summary=f"confirmed a matching proposal: {len(planned)} new groups",
                details={"proposal_id": proposal_id, "groups": len(planned), "via": via},
                modlog_channel_id=settings.modlog_channel_id,
                now=row.confirmed_at,
            )
        self._wake_outbox()
        created = []
        for planned_group in planned:
            members = [int(m) for m in planned_group["members"]]
            roles = {int(k): v for k, v in planned_group["roles"].items()}
            name = await self._free_name(guild_id, actor, _group_name(members, display_names))
            group = await self._groups.create(guild_id, actor, name=name, kind=MODE_KINDS[mode])
            for user_id in members:
                group = await self._groups.add_member(guild_id, actor, group.id, user_id, roles[user_id])
            async with self._db.transaction() as session:
                await session.execute(
                    delete(MatchOptIn).where(MatchOptIn.guild_id == guild_id, MatchOptIn.user_id.in_(members))
                )
                if cycle_id is not None:
                    await record_matches(
                        session, guild_id, cycle_id, group.id, members, name, self._clock.now()
                    )
            created.append(group)
        return created

    def _wake_outbox(self) -> None:
        if self._scheduler is not None:
            self._scheduler.run_soon("outbox")  # the moderation log's post

    async def _free_name(self, guild_id: int, actor: Actor, base: str) -> str:
        taken = {
            g.name.casefold()
            for g in await self._groups.list_visible(guild_id, actor, base, include_archived=True)
        }
        name, n = base, 2
        while name.casefold() in taken:
            suffix = f" ({n})"
            name, n = base[: NAME_MAX - len(suffix)] + suffix, n + 1
        return name


async def _previous_pairs(session, guild_id: int, user_ids: Select) -> set[frozenset[int]]:  # noqa: ANN001
    """Return every two of ``user_ids`` (a query) who ever shared a group here (never re-pair them)."""
    a, b = aliased(GroupMember), aliased(GroupMember)
    rows = await session.execute(
        select(a.user_id, b.user_id)
        .join(b, and_(a.group_id == b.group_id, a.user_id < b.user_id))
        .where(a.guild_id == guild_id, a.user_id.in_(user_ids), b.user_id.in_(user_ids))
    )
    return {frozenset(pair) for pair in rows.all()}


def _waking(profile: MemberProfile | None) -> tuple[int, int]:
    if profile and profile.quiet_start_minute is not None and profile.quiet_end_minute is not None:
        return (profile.quiet_end_minute, profile.quiet_start_minute)  # awake between quiet hours
    return DEFAULT_WAKING


def _candidate(optin: MatchOptIn, profile: MemberProfile | None, settings: ProgramSettings) -> Candidate:
    waking = _waking(profile)
    return Candidate(
        user_id=optin.user_id,
        wants=optin.wants,  # type: ignore[arg-type]
        stage=settings.stage_index(profile.career_stage if profile else None),
        interests=frozenset(profile.interests or ()) if profile else frozenset(),
        timezone=(profile.timezone if profile and profile.timezone else settings.default_timezone),
        waking=waking,
    )


def _stored(row: MatchProposal) -> StoredProposal:
    return StoredProposal(
        row.id,
        row.mode,
        row.created_by,
        row.created_at,
        row.confirmed_at,
        tuple(
            StoredGroup(
                tuple(int(m) for m in g["members"]), {int(k): str(v) for k, v in g.get("roles", {}).items()}
            )
            for g in row.groups
        ),
        row.confirm_requested_at,
        row.confirm_problem,
    )


def _group_name(members: list[int], names: Mapping[int, str]) -> str:
    labels = [names.get(m, f"member {m}") for m in members]
    text = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " & " + labels[-1]
    return clip(text, NAME_MAX)


__all__ = ["WANTS", "MatchingService", "Mode", "ProposalView", "StoredProposal"]
