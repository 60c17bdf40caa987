from datetime import date
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.matching import Candidate, Proposal, suggest, suggest_within_capacity, waking_overlap_minutes
from bot.errors import Invalid

WINTER = date(2026, 1, 15)
SUMMER = date(2026, 7, 15)


def member(
    user_id, wants="peer", stage=None, interests=(), timezone="Europe/Paris", waking=(8 * 60, 21 * 60)
):
    return Candidate(user_id, wants, stage, frozenset(interests), timezone, waking)


def reason_for(proposal: Proposal, user_id: int) -> str:
    return next(u.reason for u in proposal.unmatched if u.user_id == user_id)


def group_of(proposal: Proposal, user_id: int) -> tuple[int, ...]:
    return next(g.members for g in proposal.groups if user_id in g.members)


# --- examples -------------------------------------------------------------------------------------


def test_a_tokyo_mentor_and_a_denver_mentee_are_paired_with_reasons_a_coordinator_can_read():
    tokyo = member(1, "mentor", stage=3, interests={"grant writing", "teaching"}, timezone="Asia/Tokyo")
    denver = member(
        2, "mentee", stage=2, interests={"teaching", "grant writing", "statistics"}, timezone="America/Denver"
    )

    proposal = suggest([denver, tokyo], mode="one_to_one", on=SUMMER)

    (pair,) = proposal.groups
    assert pair.members == (1, 2)
    assert dict(pair.roles) == {1: "mentor", 2: "mentee"}
    assert pair.reasons == (
        "shared interests: grant writing, teaching",
        "4 h of waking hours overlap",
        "mentor one career stage ahead",
    )
    assert proposal.unmatched == ()


def test_daylight_saving_in_denver_changes_its_overlap_with_tokyo():
    tokyo = member(1, timezone="Asia/Tokyo")
    denver = member(2, timezone="America/Denver")

    # Tokyo 08:00-13:00 is Denver 16:00-21:00 the day before in winter (UTC-7), 17:00-21:00 in summer.
    assert waking_overlap_minutes(tokyo, denver, WINTER) == 5 * 60
    assert waking_overlap_minutes(tokyo, denver, SUMMER) == 4 * 60


def test_the_weeks_when_only_america_has_changed_its_clocks_give_london_and_new_york_an_extra_hour():
    london = member(1, timezone="Europe/London")
    new_york = member(2, timezone="America/New_York")

    assert waking_overlap_minutes(london, new_york, date(2026, 3, 1)) == 8 * 60
    assert waking_overlap_minutes(london, new_york, date(2026, 3, 10)) == 9 * 60  # US on DST, UK not yet
    assert waking_overlap_minutes(london, new_york, date(2026, 4, 10)) == 8 * 60


def test_a_waking_window_may_wrap_past_midnight():
    night_owl = member(1, timezone="UTC", waking=(20 * 60, 2 * 60))
    early_bird = member(2, timezone="UTC", waking=(60, 9 * 60))
    evening = member(3, timezone="UTC", waking=(18 * 60, 23 * 60))

    assert waking_overlap_minutes(night_owl, early_bird, WINTER) == 60
    assert waking_overlap_minutes(night_owl, evening, WINTER) == 3 * 60


def test_a_mentor_junior_to_every_mentee_is_left_out_and_told_why():
    proposal = suggest(
        [member(1, "mentor", stage=1), member(2, "mentee", stage=3)], mode="one_to_one", on=WINTER
    )

    assert proposal.groups == ()
    assert reason_for(proposal, 1) == "every mentee is more senior than them"
    assert reason_for(proposal, 2) == "every mentor is junior to them"


def test_a_mentor_at_the_mentees_own_stage_is_allowed_but_a_more_senior_one_is_preferred():
    mentee = member(3, "mentee", stage=2)
    peer_level = member(1, "mentor", stage=2)
    senior = member(2, "mentor", stage=4)

    alone = suggest([peer_level, mentee], mode="one_to_one", on=WINTER)
    both = suggest([peer_level, senior, mentee], mode="one_to_one", on=WINTER)

    assert alone.groups[0].members == (1, 3)
    assert "mentor and mentee at the same career stage" in alone.groups[0].reasons
    assert both.groups[0].members == (2, 3)
    assert both.groups[0].score > alone.groups[0].score
    assert reason_for(both, 1) == "no mentee left to pair with"


def test_near_peer_pairs_a_mentor_exactly_one_stage_ahead():
    fourth_year = member(1, "mentor", stage=4)
    second_year = member(2, "mentor", stage=2)
    first_year = member(3, "mentee", stage=1)

    proposal = suggest([fourth_year, second_year, first_year], mode="near_peer", on=WINTER)

    assert [g.members for g in proposal.groups] == [(2, 3)]
    assert "mentor one career stage ahead" in proposal.groups[0].reasons
    assert reason_for(proposal, 1) == "no mentee is exactly one career stage behind them"


def test_near_peer_cannot_match_someone_whose_stage_is_unknown():
    proposal = suggest(
        [member(1, "mentor", stage=2), member(2, "mentee", stage=None)], mode="near_peer", on=WINTER
    )

    assert proposal.groups == ()
    assert "career stage unknown" in reason_for(proposal, 2)
    assert reason_for(proposal, 1) == "no mentee with a known career stage opted in this round"


def test_previous_pairs_are_never_repeated_even_when_they_would_score_best():
    ada = member(1, "mentor", stage=3, interests={"surgery", "writing"})
    bea = member(2, "mentor", stage=3)
    cal = member(3, "mentee", stage=1, interests={"surgery", "writing"})
    dee = member(4, "mentee", stage=1)

    fresh = suggest([ada, bea, cal, dee], mode="one_to_one", on=WINTER)
    again = suggest([ada, bea, cal, dee], mode="one_to_one", previous_pairs=[frozenset({1, 3})], on=WINTER)

    assert group_of(fresh, 1) == (1, 3)
    assert sorted(g.members for g in again.groups) == [(1, 4), (2, 3)]


def test_someone_paired_before_with_everyone_available_is_told_so():
    proposal = suggest(
        [member(1, "mentor", stage=2), member(2, "mentee", stage=1)],
        mode="one_to_one",
        previous_pairs=[frozenset({1, 2})],
        on=WINTER,
    )

    assert proposal.groups == ()
    assert reason_for(proposal, 1) == "everyone available was paired with them before"


def test_a_previous_group_keeps_every_two_of_its_members_apart():
    peers = [member(i) for i in range(1, 5)]

    proposal = suggest(peers, mode="peer", previous_pairs=[frozenset({1, 2, 3})], on=WINTER)

    (group,) = proposal.groups
    assert len(set(group.members) & {1, 2, 3}) == 1
    left = [u.user_id for u in proposal.unmatched]
    assert len(left) == 2
    assert reason_for(proposal, left[0]).endswith("every group has someone they were paired with before")


def test_members_who_opted_in_for_another_role_are_reported_not_dropped():
    mentoring = suggest(
        [member(1, "mentor", stage=2), member(2, "mentee", stage=1), member(3, "peer")],
        mode="one_to_one",
        on=WINTER,
    )
    peers = suggest([member(1, "mentor"), member(2, "peer"), member(3, "peer")], mode="peer", on=WINTER)

    assert reason_for(mentoring, 3) == "opted in as a peer; this round pairs mentors with mentees"
    assert reason_for(peers, 1) == "opted in as a mentor; this round forms peer groups"


def test_an_odd_count_in_peer_mode_makes_a_group_of_three_instead_of_leaving_someone_out():
    proposal = suggest([member(i) for i in (5, 3, 9)], mode="peer", on=WINTER)

    assert [g.members for g in proposal.groups] == [(3, 5, 9)]
    assert dict(proposal.groups[0].roles) == {3: "peer", 5: "peer", 9: "peer"}
    assert proposal.unmatched == ()


def test_nine_peers_in_groups_of_four_make_a_four_and_a_five():
    proposal = suggest([member(i) for i in range(1, 10)], mode="peer", group_size=4, on=WINTER)

    assert sorted(len(g.members) for g in proposal.groups) == [4, 5]
    assert proposal.unmatched == ()


def test_peers_at_the_same_stage_are_grouped_together():
    peers = [member(1, stage=0), member(2, stage=3), member(3, stage=0), member(4, stage=3)]

    proposal = suggest(peers, mode="peer", on=WINTER)

    assert sorted(g.members for g in proposal.groups) == [(1, 3), (2, 4)]
    assert all("same career stage" in g.reasons for g in proposal.groups)


def test_a_group_reports_the_hours_when_everyone_is_awake_and_the_interests_most_share():
    peers = [
        member(1, interests={"teaching", "writing"}, timezone="Europe/London"),
        member(2, interests={"teaching"}, timezone="Europe/Paris"),
        member(3, interests={"teaching", "writing"}, timezone="Europe/Berlin"),
    ]

    (group,) = suggest(peers, mode="peer", group_size=3, on=WINTER).groups

    assert group.reasons[0] == "shared interests: teaching, writing (2 of 3)"
    assert group.reasons[1] == "12 h of waking hours overlap for all three"


def test_no_waking_overlap_is_allowed_but_ranked_last_and_pointed_out():
    tokyo = member(1, timezone="Asia/Tokyo", waking=(9 * 60, 17 * 60))
    new_york = member(2, timezone="America/New_York", waking=(9 * 60, 17 * 60))
    seoul = member(3, timezone="Asia/Seoul", waking=(9 * 60, 17 * 60))
    boston = member(4, timezone="America/New_York", waking=(9 * 60, 17 * 60))

    forced = suggest([tokyo, new_york], mode="peer", on=WINTER)
    free = suggest([tokyo, new_york, seoul, boston], mode="peer", on=WINTER)

    assert (
        forced.groups[0].reasons[1]
        == "no waking hours overlap: they can only write to each other asynchronously"
    )
    assert forced.groups[0].score < 0
    assert sorted(g.members for g in free.groups) == [(1, 3), (2, 4)]


def test_groups_come_best_first():
    peers = [
        member(1, interests={"ethics"}),
        member(2, interests={"ethics"}),
        member(3, interests={"leadership"}),
        member(4, interests={"statistics"}),
    ]

    proposal = suggest(peers, mode="peer", on=WINTER)

    assert [g.members for g in proposal.groups] == [(1, 2), (3, 4)]
    assert proposal.groups[0].score > proposal.groups[1].score


def test_a_lone_peer_is_told_nobody_else_opted_in():
    proposal = suggest([member(1)], mode="peer", on=WINTER)

    assert proposal.groups == ()
    assert reason_for(proposal, 1) == "no other peer opted in this round"


def test_too_few_peers_for_the_group_size_are_told_so():
    proposal = suggest([member(1), member(2)], mode="peer", group_size=3, on=WINTER)

    assert proposal.groups == ()
    assert reason_for(proposal, 1) == "only 2 peers opted in; groups need 3"


def test_nobody_opted_in_gives_an_empty_proposal():
    assert suggest([], mode="near_peer", on=WINTER) == Proposal(groups=(), unmatched=())


# --- validation -----------------------------------------------------------------------------------


def test_a_member_listed_twice_is_refused():
    with pytest.raises(Invalid, match="repeated user ids: 7"):
        suggest([member(7), member(8), member(7, "mentor")], mode="peer", on=WINTER)


@pytest.mark.parametrize(("mode", "size"), [("peer", 1), ("peer", 9), ("one_to_one", 3), ("near_peer", 4)])
def test_a_group_size_the_mode_cannot_make_is_refused(mode, size):
    with pytest.raises(Invalid, match="size"):
        suggest([member(1), member(2)], mode=mode, group_size=size, on=WINTER)


def test_an_unknown_mode_is_refused():
    with pytest.raises(Invalid, match="Unknown matching mode 'speed_dating'"):
        suggest([member(1)], mode="speed_dating", on=WINTER)


@pytest.mark.parametrize(
    "bad",
    [
        member(1, timezone="Mars/Olympus_Mons"),
        member(1, waking=(8 * 60, 8 * 60)),
        member(1, waking=(8 * 60, 24 * 60)),
        member(1, stage=-1),
        member(1, wants="coach"),
    ],
)
def test_a_candidate_with_impossible_data_is_refused(bad):
    with pytest.raises(Invalid, match="User 1"):
        suggest([bad, member(2)], mode="peer", on=WINTER)


# --- properties -----------------------------------------------------------------------------------

ZONES = ["UTC", "Asia/Tokyo", "America/Denver", "Europe/London", "America/New_York", "Australia/Sydney"]
TAGS = ["ethics", "grants", "teaching", "writing", "statistics"]
WAKINGS = [(8 * 60, 21 * 60), (6 * 60, 14 * 60), (20 * 60, 4 * 60), (12 * 60, 23 * 60 + 30)]
PAIR_MODES = [("one_to_one", 2), ("near_peer", 2), ("peer", 2)]
ALL_MODES = [*PAIR_MODES, ("peer", 3), ("peer", 4)]


@st.composite
def rounds(draw, roles=("mentor", "mentee", "peer")):
    ids = draw(st.lists(st.integers(1, 60), unique=True, max_size=12))
    candidates = [
        Candidate(
            user_id=user_id,
            wants=draw(st.sampled_from(roles)),
            stage=draw(st.none() | st.integers(0, 4)),
            interests=draw(st.frozensets(st.sampled_from(TAGS), max_size=3)),
            timezone=draw(st.sampled_from(ZONES)),
            waking=draw(st.sampled_from(WAKINGS)),
        )
        for user_id in ids
    ]
    previous = (
        draw(st.lists(st.frozensets(st.sampled_from(ids), min_size=2, max_size=3), max_size=8))
        if len(ids) > 1
        else []
    )
    on = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))
    return candidates, previous, on


def met_before(a, b, previous):
    return any({a.user_id, b.user_id} <= together for together in previous)


def may_pair(a, b, mode, previous):
    """The rules, written again independently of the module."""
    if met_before(a, b, previous):
        return False
    if mode == "peer":
        return a.wants == b.wants == "peer"
    if {a.wants, b.wants} != {"mentor", "mentee"}:
        return False
    mentor, mentee = (a, b) if a.wants == "mentor" else (b, a)
    if mode == "near_peer":
        return mentor.stage is not None and mentee.stage is not None and mentor.stage == mentee.stage + 1
    return mentor.stage is None or mentee.stage is None or mentor.stage >= mentee.stage


@settings(max_examples=100, deadline=None)
@given(setup=st.sampled_from(ALL_MODES), data=rounds())
def test_everyone_ends_up_in_exactly_one_group_or_unmatched(setup, data):
    (mode, size), (candidates, previous, on) = setup, data

    proposal = suggest(candidates, mode=mode, group_size=size, previous_pairs=previous, on=on)

    placed = [m for g in proposal.groups for m in g.members] + [u.user_id for u in proposal.unmatched]
    assert sorted(placed) == sorted(c.user_id for c in candidates)
    assert all(u.reason for u in proposal.unmatched)


@settings(max_examples=100, deadline=None)
@given(setup=st.sampled_from(ALL_MODES), data=rounds())
def test_every_group_keeps_its_modes_rules_and_no_previous_pair(setup, data):
    (mode, size), (candidates, previous, on) = setup, data
    by_id = {c.user_id: c for c in candidates}

    proposal = suggest(candidates, mode=mode, group_size=size, previous_pairs=previous, on=on)

    for group in proposal.groups:
        people = [by_id[m] for m in group.members]
        assert set(group.roles) == set(group.members)
        assert all(group.roles[p.user_id] == p.wants for p in people)
        assert all(may_pair(a, b, mode, previous) for a, b in combinations(people, 2))
        if mode == "peer":
            assert len(people) in (size, size + 1)
            assert list(group.members) == sorted(group.members)
        else:
            assert [p.wants for p in people] == ["mentor", "mentee"]


@settings(max_examples=100, deadline=None)
@given(setup=st.sampled_from(PAIR_MODES), data=rounds())
def test_no_two_unmatched_candidates_could_have_been_paired(setup, data):
    (mode, size), (candidates, previous, on) = setup, data
    by_id = {c.user_id: c for c in candidates}

    proposal = suggest(candidates, mode=mode, group_size=size, previous_pairs=previous, on=on)

    left = [by_id[u.user_id] for u in proposal.unmatched]
    assert not [(a.user_id, b.user_id) for a, b in combinations(left, 2) if may_pair(a, b, mode, previous)]


@settings(max_examples=100, deadline=None)
@given(size=st.integers(2, 5), data=rounds(roles=("peer",)))
def test_without_previous_pairs_peers_are_only_left_out_when_the_groups_cannot_take_them(size, data):
    candidates, _, on = data

    proposal = suggest(candidates, mode="peer", group_size=size, on=on)

    full_groups, rest = divmod(len(candidates), size)
    expected_left_out = len(candidates) if full_groups == 0 else max(0, rest - full_groups)
    assert len(proposal.unmatched) == expected_left_out


@settings(max_examples=100, deadline=None)
@given(setup=st.sampled_from(ALL_MODES), data=rounds(), shuffle=st.randoms(use_true_random=False))
def test_the_same_round_in_any_order_gives_the_same_proposal(setup, data, shuffle):
    (mode, size), (candidates, previous, on) = setup, data
    shuffled = list(candidates)
    shuffle.shuffle(shuffled)
    reshuffled_previous = list(previous)
    shuffle.shuffle(reshuffled_previous)

    first = suggest(candidates, mode=mode, group_size=size, previous_pairs=previous, on=on)
    again = suggest(shuffled, mode=mode, group_size=size, previous_pairs=reshuffled_previous, on=on)

    assert again == first


@settings(max_examples=100, deadline=None)
@given(
    a=st.sampled_from(ZONES),
    b=st.sampled_from(ZONES),
    waking_a=st.sampled_from(WAKINGS),
    waking_b=st.sampled_from(WAKINGS),
    on=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)
def test_waking_overlap_is_symmetric_and_never_longer_than_either_window(a, b, waking_a, waking_b, on):
    first, second = member(1, timezone=a, waking=waking_a), member(2, timezone=b, waking=waking_b)

    overlap = waking_overlap_minutes(first, second, on)

    assert overlap == waking_overlap_minutes(second, first, on)
    # A DST change on that day can stretch a local window by an hour.
    assert 0 <= overlap <= min((end - start) % (24 * 60) + 60 for start, end in (waking_a, waking_b))


# --- mentor capacity (a cycle's intake) ------------------------------------------------------------


def test_a_mentor_gets_as_many_mentees_as_their_places_and_never_more():
    mentors = [member(1, "mentor"), member(2, "mentor")]
    mentees = [member(n, "mentee") for n in range(10, 15)]

    proposal = suggest_within_capacity(mentors + mentees, {1: 2, 2: 1}, mode="one_to_one", on=WINTER)

    per_mentor = {m: sum(1 for g in proposal.groups if g.members[0] == m) for m in (1, 2)}
    assert per_mentor == {1: 2, 2: 1}
    assert len({g.members[1] for g in proposal.groups}) == 3  # no mentee twice
    assert {u.user_id for u in proposal.unmatched} == {n for n in range(10, 15)} - {
        g.members[1] for g in proposal.groups
    }


def test_a_mentor_without_places_left_is_not_offered_at_all():
    proposal = suggest_within_capacity(
        [member(1, "mentor"), member(10, "mentee")], {1: 0}, mode="one_to_one", on=WINTER
    )
    assert proposal.groups == () and [u.user_id for u in proposal.unmatched] == [10]
