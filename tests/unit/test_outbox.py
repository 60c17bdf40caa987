from datetime import timedelta

from sqlalchemy import select

from bot.db.models import MemberProfile, OutboxMessage
from bot.messaging import Button, Card, Field, OutgoingMessage, Target
from bot.messaging.outbox import CATCH_UP, OutboxDispatcher, enqueue, nonce_for
from tests.support.notifier import RecordingNotifier

HELLO = OutgoingMessage(
    content="Hi",
    cards=(Card(title="Check-in", fields=(Field("Q", "A"),)),),
    buttons=(Button("checkin:answer:1", "Answer", "primary"),),
)


USER_DM = Target("dm", 42)


async def put(db, clock, key, target=USER_DM, **kwargs):
    async with db.transaction() as session:
        return await enqueue(session, key=key, target=target, message=HELLO, now=clock.now(), **kwargs)


async def rows(db):
    async with db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_a_key_is_recorded_once(db, clock):
    assert await put(db, clock, "k1") is True
    assert await put(db, clock, "k1") is False
    assert len(await rows(db)) == 1


async def test_due_messages_are_sent_once_and_marked(db, clock):
    notifier = RecordingNotifier()
    dispatcher = OutboxDispatcher(db, clock, notifier)
    await put(db, clock, "k1")
    await put(db, clock, "later", not_before=clock.now() + timedelta(hours=1))

    report = await dispatcher.dispatch_due()
    again = await dispatcher.dispatch_due()

    assert (report.sent, again.sent) == (1, 0)
    [(target, message, nonce)] = notifier.sent
    assert target == Target("dm", 42)
    assert message == HELLO  # survived the JSON round trip
    assert nonce == nonce_for("k1") and len(nonce) <= 25
    first, later = await rows(db)
    assert (first.status, first.message_id, later.status) == ("sent", 1, "pending")


async def test_what_is_due_now_is_sent_before_an_older_catch_up_backlog(db, clock):
    notifier = RecordingNotifier()
    for n in range(3):  # summaries caught up after an outage, due since long ago
        await put(
            db,
            clock,
            f"backlog{n}",
            Target("channel", 7),
            priority=CATCH_UP,
            not_before=clock.now() - timedelta(days=60 - n),
        )
    await put(db, clock, "checkin", not_before=clock.now() - timedelta(seconds=30))

    await OutboxDispatcher(db, clock, notifier).dispatch_due()

    assert [nonce for _, _, nonce in notifier.sent] == [
        nonce_for(key) for key in ("checkin", "backlog0", "backlog1", "backlog2")
    ]


async def test_a_message_is_stored_as_plain_json(db, clock):
    await put(db, clock, "k1")
    [row] = await rows(db)
    assert row.payload == {
        "content": "Hi",
        "cards": [
            {
                "title": "Check-in",
                "description": None,
                "fields": [{"name": "Q", "value": "A", "inline": False}],
                "footer": None,
                "color": None,
            }
        ],
        "buttons": [{"custom_id": "checkin:answer:1", "label": "Answer", "style": "primary", "emoji": None}],
        "mention_user_ids": [],
    }


async def test_a_stored_row_that_is_not_a_message_is_never_sent(db, clock, caplog):
    notifier = RecordingNotifier()
    dispatcher = OutboxDispatcher(db, clock, notifier)
    await put(db, clock, "k1")
    async with db.transaction() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
        row.payload = {**row.payload, "buttons": [{"custom_id": "x", "label": "Go", "style": "pink"}]}
    await put(db, clock, "k2")  # and the rest of the outbox goes on

    report = await dispatcher.dispatch_due()
    assert (report.failed, report.sent) == (1, 1)
    broken, fine = await rows(db)
    assert (broken.status, broken.failure, fine.status) == ("failed", "invalid_message", "sent")
    assert [message for _, message, _ in notifier.sent] == [HELLO]
    assert "is not a message" in caplog.text


async def test_closed_dms_fail_without_retry(db, clock):
    notifier = RecordingNotifier()
    notifier.closed_dms.add(42)
    await put(db, clock, "k1")
    report = await OutboxDispatcher(db, clock, notifier).dispatch_due()
    [row] = await rows(db)
    assert report.failed == 1
    assert (row.status, row.failure) == ("failed", "dm_closed")


async def test_an_outage_is_retried_later_with_backoff(db, clock):
    notifier = RecordingNotifier()
    notifier.outages = 1
    dispatcher = OutboxDispatcher(db, clock, notifier)
    await put(db, clock, "k1")

    assert (await dispatcher.dispatch_due()).retrying == 1
    assert (await dispatcher.dispatch_due()).sent == 0  # not before the backoff
    clock.advance(seconds=31)
    assert (await dispatcher.dispatch_due()).sent == 1
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("sent", 2)


async def crashed_mid_send(db, clock, notifier, key="k1", *, arrived=True, target=USER_DM, **kwargs):
    """A process claimed the row and died before marking it (its message made, or not)."""
    await put(db, clock, key, target=target, **kwargs)
    async with db.transaction() as session:
        row = (await session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))).one()
        row.status, row.attempts = "sending", 1
        row.claimed_at = row.first_claimed_at = clock.now()
        row.sent_digest = notifier.fingerprint(HELLO)
    if arrived:
        await notifier.send(target, HELLO, nonce=nonce_for(key))


async def test_a_claim_left_by_a_crashed_process_is_sent_with_the_same_nonce(db, clock):
    notifier = RecordingNotifier(clock)
    await crashed_mid_send(db, clock, notifier)

    dispatcher = OutboxDispatcher(
        db, clock, notifier, stale_after=timedelta(minutes=2), nonce_memory=timedelta(minutes=3)
    )
    assert (await dispatcher.dispatch_due()).sent == 0  # still within the claim
    clock.advance(minutes=2, seconds=30)
    assert (await dispatcher.dispatch_due()).sent == 1
    assert len(notifier.sent) == 1  # Discord's nonce check returned the first message
    assert notifier.reads == []  # within Discord's nonce memory: no need to look
    [row] = await rows(db)
    assert (row.status, row.message_id, row.sent_digest) == ("sent", 1, None)


def long_outage(clock, notifier, minutes=10):
    clock.advance(minutes=minutes)
    notifier.forget_nonces()


async def test_a_claim_older_than_the_nonce_memory_is_found_in_its_channel_not_sent_again(db, clock):
    notifier = RecordingNotifier(clock)
    await crashed_mid_send(db, clock, notifier)
    long_outage(clock, notifier)

    report = await OutboxDispatcher(db, clock, notifier).dispatch_due()

    assert (report.sent, len(notifier.sent), notifier.reads) == (1, 1, [USER_DM])
    [row] = await rows(db)
    assert (row.status, row.message_id, row.attempts) == ("sent", 1, 2)


async def test_a_claim_whose_message_never_arrived_is_sent_once_after_looking(db, clock):
    notifier = RecordingNotifier(clock)
    await crashed_mid_send(db, clock, notifier, arrived=False)
    long_outage(clock, notifier)

    report = await OutboxDispatcher(db, clock, notifier).dispatch_due()

    assert (report.sent, len(notifier.sent), notifier.reads) == (1, 1, [USER_DM])


async def test_a_channel_that_cannot_be_read_counts_as_not_found_and_says_why(db, clock, caplog):
    notifier = RecordingNotifier(clock)
    home = Target("channel", 77)
    await crashed_mid_send(db, clock, notifier, target=home, arrived=False)
    notifier.unreadable[77] = "cannot_read_history"
    long_outage(clock, notifier)

    with caplog.at_level("INFO", logger="bot.messaging.outbox"):
        report = await OutboxDispatcher(db, clock, notifier).dispatch_due()

    assert (report.sent, len(notifier.sent)) == (1, 1)
    assert "channel 77 cannot be read (cannot_read_history)" in caplog.text


async def test_a_failed_read_is_tried_again_later_and_nothing_is_sent_meanwhile(db, clock):
    notifier = RecordingNotifier(clock)
    await crashed_mid_send(db, clock, notifier)
    long_outage(clock, notifier)
    notifier.read_outages = 1
    dispatcher = OutboxDispatcher(db, clock, notifier)

    assert (await dispatcher.dispatch_due()).retrying == 1
    clock.advance(minutes=1)
    assert (await dispatcher.dispatch_due()).sent == 1
    assert (len(notifier.sent), len(notifier.reads)) == (1, 2)


async def test_an_identical_message_recorded_for_another_row_is_not_taken_for_this_one(db, clock):
    notifier = RecordingNotifier(clock)
    await crashed_mid_send(db, clock, notifier, "reminder:1", arrived=False)
    clock.advance(seconds=5)
    dispatcher = OutboxDispatcher(db, clock, notifier)
    await put(db, clock, "reminder:2")  # the same words, sent and recorded after the crash
    await dispatcher.dispatch_due()
    long_outage(clock, notifier)

    assert (await dispatcher.dispatch_due()).sent == 1
    first, second = await rows(db)
    assert len(notifier.sent) == 2 and first.message_id != second.message_id


async def test_a_stale_claim_past_its_expiry_that_arrived_is_recorded_sent_not_expired(db, clock):
    notifier = RecordingNotifier(clock)
    await crashed_mid_send(db, clock, notifier, expires_at=clock.now() + timedelta(minutes=2))
    clock.advance(minutes=2, seconds=30)  # stale, past its expiry, still within the nonce memory

    report = await OutboxDispatcher(db, clock, notifier).dispatch_due()

    assert (report.sent, report.expired, len(notifier.sent)) == (1, 0, 1)


async def test_a_message_past_its_expiry_is_recorded_not_sent(db, clock):
    notifier = RecordingNotifier()
    outcomes = []
    dispatcher = OutboxDispatcher(db, clock, notifier)
    dispatcher.on_outcome("k", lambda outcome: _append(outcomes, outcome))
    await put(db, clock, "k1", expires_at=clock.now() + timedelta(minutes=30))
    clock.advance(hours=1)

    report = await dispatcher.dispatch_due()

    assert (report.expired, notifier.sent) == (1, [])
    assert [(o.key, o.status) for o in outcomes] == [("k1", "expired")]


async def test_cancelled_messages_are_not_sent(db, clock):
    from bot.messaging.outbox import cancel

    notifier = RecordingNotifier()
    await put(db, clock, "reminder:1", not_before=clock.now() + timedelta(hours=2))
    async with db.transaction() as session:
        assert await cancel(session, ["reminder:1", "unknown"]) == 1
    clock.advance(hours=3)
    assert (await OutboxDispatcher(db, clock, notifier).dispatch_due()).sent == 0


async def test_closed_dms_block_further_dms_in_that_server_until_cleared(db, clock):
    notifier = RecordingNotifier()
    notifier.closed_dms.add(42)
    outcomes = []
    dispatcher = OutboxDispatcher(db, clock, notifier)
    dispatcher.on_outcome("", lambda outcome: _append(outcomes, outcome))
    await put(db, clock, "first", guild_id=7)
    await dispatcher.dispatch_due()
    notifier.closed_dms.clear()  # even if they reopen, we wait until they act
    await put(db, clock, "second", guild_id=7)
    await put(db, clock, "other-server", guild_id=8)
    await dispatcher.dispatch_due()

    assert [(o.key, o.failure) for o in outcomes if o.status == "failed"] == [
        ("first", "dm_closed"),
        ("second", "dm_blocked"),
    ]
    assert [nonce for _, _, nonce in notifier.sent] == [nonce_for("other-server")]


async def _append(items, item):
    items.append(item)


async def test_dms_refused_at_once_block_the_member_once_and_all_fail_cleanly(db, clock):
    notifier = RecordingNotifier()
    notifier.closed_dms.add(42)
    for key in ("first", "second", "third", "fourth"):
        await put(db, clock, key, guild_id=7)

    report = await OutboxDispatcher(db, clock, notifier).dispatch_due()

    assert report.failed == 4
    assert {(row.status, row.failure) for row in await rows(db)} == {("failed", "dm_closed")}
    async with db.transaction() as session:
        profile = await session.get(MemberProfile, (7, 42))
    assert profile.dm_blocked_at == clock.now()


async def test_settled_messages_are_pruned_after_thirty_days_and_pending_ones_kept(db, clock):
    dispatcher = OutboxDispatcher(db, clock, RecordingNotifier())
    await put(db, clock, "sent long ago")
    await dispatcher.dispatch_due()
    await put(db, clock, "still waiting", not_before=clock.now() + timedelta(days=60))
    clock.advance(days=29)
    await put(db, clock, "sent lately")
    await dispatcher.dispatch_due()
    assert await dispatcher.prune(clock.now()) == 0
    clock.advance(days=2)
    assert await dispatcher.prune(clock.now()) == 1
    assert [row.dedupe_key for row in await rows(db)] == ["still waiting", "sent lately"]


async def test_messages_a_feature_no_longer_wants_are_cancelled_unsent_with_one_check_per_batch(db, clock):
    notifier = RecordingNotifier()
    dispatcher = OutboxDispatcher(db, clock, notifier)
    asked: list[list[str]] = []

    async def still_wanted(keys: list[str]) -> set[str]:
        asked.append(sorted(keys))
        return {key for key in keys if key.endswith(":kept")}

    dispatcher.send_only_if_wanted("remind:", still_wanted)
    for key in ("remind:1:kept", "remind:2:gone", "other:3:gone"):
        await put(db, clock, key)

    report = await dispatcher.dispatch_due()

    assert report.sent == 2 and asked == [["remind:1:kept", "remind:2:gone"]]
    assert sorted(nonce for _, _, nonce in notifier.sent) == sorted(
        nonce_for(k) for k in ("remind:1:kept", "other:3:gone")
    )
    statuses = {row.dedupe_key: (row.status, row.failure) for row in await rows(db)}
    assert statuses["remind:2:gone"] == ("cancelled", "not_wanted")
