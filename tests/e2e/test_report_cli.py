"""`mentorbot report …` as an operator runs it, in a separate process: reports and the research export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from bot.db.engine import Database
from bot.db.models import (
    CheckinAnswer,
    CheckinDelivery,
    CheckinSchedule,
    Goal,
    GoalUpdate,
    Group,
    GroupMember,
    GuildRecord,
    Meeting,
    MeetingAttendance,
    MemberProfile,
)
from tests.e2e.test_cli import clean_env, run_cli
from tests.e2e.test_data_cli import configured
from tests.e2e.test_reports import decoded_size, png_size

GUILD = 731234567890123456
ALICE, BOB, CAROL = (
    811111111111111111,
    822222222222222222,
    833333333333333333,
)  # alice and carol opted in to research; bob did not
DAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SINCE, UNTIL = "2026-03-01", "2026-03-31"
GOAL_TITLE = "Submit the R01 by June"
ANSWER = "Drafted the specific aims at last"
KEY, OTHER_KEY = "research-key-0123456789", "another-key-9876543210"


async def seed(url: str) -> None:
    db = Database.from_url(url)
    try:
        async with db.transaction() as s:
            s.add(GuildRecord(guild_id=GUILD, joined_at=DAY - timedelta(days=60)))
            for gid, name in ((1, "Writing Circle"), (2, "=Grant Writers")):
                s.add(
                    Group(
                        id=gid,
                        guild_id=GUILD,
                        name=name,
                        name_key=name.lower(),
                        kind="peer",
                        created_by=ALICE,
                        created_at=DAY - timedelta(days=30),
                    )
                )
            for uid, research in ((ALICE, True), (BOB, False), (CAROL, True)):
                s.add(
                    MemberProfile(
                        guild_id=GUILD,
                        user_id=uid,
                        bio="Paediatric oncologist",
                        research_opt_in=research,
                        created_at=DAY,
                        updated_at=DAY,
                    )
                )
            await s.flush()
            for gid, uid in ((1, ALICE), (1, BOB), (2, CAROL), (2, ALICE)):
                s.add(
                    GroupMember(
                        group_id=gid,
                        guild_id=GUILD,
                        user_id=uid,
                        role="peer",
                        joined_at=DAY - timedelta(days=20),
                    )
                )
            s.add(
                CheckinSchedule(
                    id=1,
                    guild_id=GUILD,
                    group_id=1,
                    cadence_kind="daily",
                    planned_until=DAY,
                    created_by=ALICE,
                    created_at=DAY - timedelta(days=20),
                )
            )
            await s.flush()
            for uid, status in ((ALICE, "answered"), (BOB, "sent")):
                delivery = CheckinDelivery(
                    guild_id=GUILD,
                    group_id=1,
                    schedule_id=1,
                    user_id=uid,
                    round_date=date(2026, 3, 10),
                    due_at=DAY,
                    sent_at=DAY,
                    status=status,
                )
                s.add(delivery)
                await s.flush()
                if status == "answered":
                    s.add(
                        CheckinAnswer(
                            delivery_id=delivery.id,
                            guild_id=GUILD,
                            group_id=1,
                            user_id=uid,
                            answers=[{"question": "How is it going?", "answer": ANSWER}],
                            visibility="private",
                            created_at=DAY,
                            updated_at=DAY,
                        )
                    )
            s.add(
                Goal(
                    id=1,
                    guild_id=GUILD,
                    owner_id=ALICE,
                    group_id=1,
                    title=GOAL_TITLE,
                    why="Tenure",
                    created_at=DAY,
                    last_activity_at=DAY,
                    status="done",
                    progress=100,
                    completed_at=DAY,
                )
            )
            await s.flush()
            s.add(
                GoalUpdate(
                    goal_id=1,
                    guild_id=GUILD,
                    author_id=ALICE,
                    kind="progress",
                    note="Half done",
                    created_at=DAY,
                )
            )
            s.add(
                Meeting(
                    id=1,
                    guild_id=GUILD,
                    group_id=1,
                    duration_minutes=60,
                    status="confirmed",
                    proposed_by=ALICE,
                    created_at=DAY,
                    starts_at=DAY,
                )
            )
            await s.flush()
            s.add(MeetingAttendance(meeting_id=1, user_id=ALICE, attended=True))
            s.add(MeetingAttendance(meeting_id=1, user_id=BOB, attended=False))
    finally:
        await db.dispose()


async def report(tmp_path, *args: str, **env: str) -> tuple[int, str, str]:
    return await run_cli(
        "report",
        "--guild",
        str(GUILD),
        "--since",
        SINCE,
        "--until",
        UNTIL,
        *args,
        cwd=tmp_path,
        env=clean_env(**env),
    )


def rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


async def test_report_writes_the_program_and_each_groups_csv_and_chart(tmp_path, database_url):
    await seed(database_url)
    configured(tmp_path, database_url)
    out = tmp_path / "reports"

    code, stdout, stderr = await report(tmp_path, "--out", str(out))

    assert code == 0, stderr
    assert f"wrote 6 files to {out}" in stdout and str(out / "program.csv") in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "group-1-writing-circle.csv",
        "group-1-writing-circle.png",
        "group-2-grant-writers.csv",
        "group-2-grant-writers.png",
        "program.csv",
        "program.png",
    ]
    program = rows(out / "program.csv")
    assert [r["group"] for r in program] == ["'=Grant Writers", "Writing Circle", "All groups"]
    total = program[-1]
    assert (total["members"], total["checkins_delivered"], total["checkin_response_rate"]) == (
        "3",
        "2",
        "50.0",
    )
    assert (total["goals_set"], total["goals_completed"], total["attendance_rate"]) == ("1", "1", "50.0")
    assert rows(out / "group-1-writing-circle.csv")[0]["members"] == "2"
    for chart in ("program.png", "group-2-grant-writers.png"):
        data = (out / chart).read_bytes()
        assert png_size(data) == decoded_size(data) == (900, 1080)
    assert "%|" not in stderr  # no progress bar when stderr is not a terminal


async def test_an_unknown_server_or_a_malformed_id_stops_with_exit_code_2(tmp_path, database_url):
    await seed(database_url)
    configured(tmp_path, database_url)

    code, _, stderr = await run_cli("report", "--guild", "99999", "--out", "x", cwd=tmp_path, env=clean_env())
    assert code == 2 and "nothing is known about server 99999" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "x").exists()

    code, _, stderr = await run_cli("report", "--guild", "abc", "--out", "x", cwd=tmp_path, env=clean_env())
    assert code == 2 and "not a server id" in stderr


async def test_the_research_export_is_refused_without_a_key(tmp_path, database_url):
    await seed(database_url)
    configured(tmp_path, database_url)

    code, _, stderr = await report(tmp_path, "--out", "r", "--research")

    assert code == 2 and "MENTORBOT_RESEARCH_KEY" in stderr
    assert not (tmp_path / "r").exists()


async def test_the_research_export_has_only_opted_in_members_under_stable_keyed_pseudonyms(
    tmp_path, database_url
):
    await seed(database_url)
    configured(tmp_path, database_url)

    code, _, stderr = await report(tmp_path, "--out", "r1", "--research", MENTORBOT_RESEARCH_KEY=KEY)
    assert code == 0, stderr
    assert sorted(p.name for p in (tmp_path / "r1").iterdir()) == ["research.csv"]
    await report(tmp_path, "--out", "r2", "--research", MENTORBOT_RESEARCH_KEY=KEY)
    await report(tmp_path, "--out", "r3", "--research", MENTORBOT_RESEARCH_KEY=OTHER_KEY)
    first, again, other = (rows(tmp_path / d / "research.csv") for d in ("r1", "r2", "r3"))

    # alice in both groups, carol in hers; bob did not opt in, so he is not there at all.
    assert len(first) == 3 and first == again
    members = {r["member"] for r in first}
    assert len(members) == 2
    assert members.isdisjoint({r["member"] for r in other}) and len(other) == 3
    [alice_circle] = [r for r in first if r["checkins_sent"] == "1"]
    assert alice_circle == alice_circle | {
        "checkins_answered": "1",
        "checkin_response_rate": "100.0",
        "goals_set": "1",
        "goals_progressed": "1",
        "goals_completed": "1",
        "meetings_attended": "1",
        "attendance_rate": "100.0",
        "period_start": SINCE,
        "period_end": UNTIL,
    }
    text = (tmp_path / "r1" / "research.csv").read_text()
    for secret in (
        str(ALICE),
        str(BOB),
        str(CAROL),
        str(GUILD),
        "Writing Circle",
        "Grant",
        GOAL_TITLE,
        ANSWER,
        "Tenure",
        "Half done",
        "Paediatric",
    ):
        assert secret not in text
