"""Matching: ask for a proposal, review it, confirm it — through the same service as `/match`."""

from __future__ import annotations

from aiohttp import web

from bot.errors import Invalid
from bot.services.groups import GroupView
from bot.services.matching import MODE_KINDS, ProposalView
from bot.web.access import Viewer, viewer
from bot.web.auth import checked_form
from bot.web.context import CONTEXT

routes = web.RouteTableDef()
MODE_LABELS = {
    "one_to_one": "One-to-one (mentor and mentee)",
    "near_peer": "Near-peer (mentor one stage ahead)",
    "peer": "Peers (equals)",
}


@routes.get(r"/guilds/{guild_id:\d+}/matching")
async def matching(request: web.Request) -> web.Response:
    """The latest proposals, and a form to ask for another (coordinators)."""
    return await _page(request, await viewer(request, coordinator=True))


@routes.post(r"/guilds/{guild_id:\d+}/matching/propose")
async def propose(request: web.Request) -> web.Response:
    """Propose matches among the members on the matching list."""
    form = await checked_form(request)
    seen = await viewer(request, coordinator=True)
    mode = form.get("mode", "")
    size = form.get("group_size", "2")
    if mode not in MODE_KINDS or not size.isdecimal() or not 2 <= int(size) <= 8:
        raise Invalid("Choose how to match, and a group size of 2 to 8.")
    fresh = await request.app[CONTEXT].services.matching.propose(
        seen.guild_id, seen.actor, mode, int(size) if mode == "peer" else 2, via="web"
    )
    return await _page(request, seen, fresh=fresh)


@routes.post(r"/guilds/{guild_id:\d+}/matching/{proposal_id:\d+}/confirm")
async def confirm(request: web.Request) -> web.Response:
    """Create the proposed groups, each with its private channel, as the Confirm button does."""
    await checked_form(request)
    context = request.app[CONTEXT]
    seen = await viewer(request, coordinator=True)
    proposal_id = int(request.match_info["proposal_id"])
    matching = context.services.matching
    if not context.can_create_groups:  # no gateway here: the bot creates the channels, as this person
        await matching.request_confirmation(seen.guild_id, seen.actor, proposal_id)
        return await _page(request, seen, requested=proposal_id)
    names = await context.directory.names(
        seen.guild_id, await matching.proposal_members(seen.guild_id, proposal_id)
    )
    created = await matching.confirm(seen.guild_id, seen.actor, proposal_id, names, via="web")
    return await _page(request, seen, created=created)


async def _page(
    request: web.Request,
    seen: Viewer,
    *,
    fresh: ProposalView | None = None,
    created: list[GroupView] | None = None,
    requested: int | None = None,
) -> web.Response:
    context = request.app[CONTEXT]
    services = context.services
    proposals = await services.matching.recent_proposals(seen.guild_id, seen.actor)
    overview = await services.dashboard.program(seen.guild_id, seen.actor)
    people = [m for p in proposals for g in p.groups for m in g.members]
    if fresh is not None:
        people += [u.user_id for u in fresh.proposal.unmatched]
    return context.render(
        request,
        "matching.html",
        viewer=seen,
        proposals=proposals,
        fresh=fresh,
        created=created or [],
        requested=requested,
        opted_in=overview.opted_in,
        names=await context.directory.names(seen.guild_id, people),
        modes=MODE_LABELS,
    )
