"""Fewer, truer notifications: a notice of a cash-out still unsent when a later one of the same
cash-out is owed is dropped, and the later one says what it would have said. Terminal notices,
rows a sender holds, agents' copies and ops alerts are never dropped."""

from __future__ import annotations

from pathlib import Path

from offramps.notices import notices
from storage import Database, Storage
from tests.storage.conftest import ManualClock, new_offramp
from tests.storage.test_offramps import observed
from ui.notifications import render
from ui.texts import use_language

OPS = 9999
AGENT = 4242


async def kinds(store: Storage, *, unsent: bool = True) -> list[tuple[int, str]]:
    rows = await store.outbox.for_reference("tg-1001-1")
    return [(m.chat_id, m.kind) for m in rows if not unsent or m.dead_at is None]


async def test_a_refund_that_lands_before_the_failure_notice_was_sent_says_the_payout_failed_and_why(
    store: Storage,
) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("CRYPTO_RECEIVED"))
    await store.offramps.record_observation(observed("IN_PROGRESS"))
    await store.offramps.record_observation(observed("FAILED", error="Account not found"))
    done = await store.offramps.record_observation(observed("REVERSED", refund="SUCCESSFUL"))
    assert await kinds(store) == [(1001, "reversed")]  # one message, not four
    reversed_ = await store.outbox.get(done.outbox_ids[0])
    assert reversed_ is not None and reversed_.payload["folded"] == ["crypto_received", "in_progress", "failed"]
    offramp = await store.offramps.get("tg-1001-1")
    assert offramp is not None
    use_language("en")
    text, _ = render("reversed", reversed_.payload, offramp, None, support="help@x")
    assert "The payout of 1,333 KES failed</b> (tg-1001-1): no account was found for this recipient." in text
    assert "Refunded" in text


async def test_a_notice_a_sender_holds_is_never_dropped(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("CRYPTO_RECEIVED"))
    [held] = await store.outbox.claim("sender-a", limit=5)  # on its way to Telegram right now
    await store.offramps.record_observation(observed("SUCCESSFUL"))
    assert await kinds(store) == [(1001, "crypto_received"), (1001, "successful"), (1001, "receipt")]
    await store.outbox.mark_sent(held.id, telegram_message_id=1)


async def test_a_crashed_senders_expired_lease_does_not_protect_a_stale_notice(
    store: Storage, clock: ManualClock
) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("CRYPTO_RECEIVED"))
    await store.outbox.claim("crashed", limit=5, lease_seconds=60)
    clock.advance(61)
    await store.offramps.record_observation(observed("SUCCESSFUL"))
    assert await kinds(store) == [(1001, "successful"), (1001, "receipt")]
    [claimed] = await store.outbox.claim("next", limit=5)  # one per chat at a time
    assert claimed.kind == "successful"


async def test_terminal_notices_agents_copies_and_ops_alerts_are_kept(tmp_path: Path, clock: ManualClock) -> None:
    db = await Database(tmp_path / "bot.sqlite3", clock=clock).open()
    store = Storage.on(db, owed=notices(OPS))
    await store.users.touch(1001, 1001, "en")
    await store.users.touch(AGENT, AGENT, "en")
    try:
        await store.offramps.create(new_offramp(agent=AGENT))
        await store.offramps.record_observation(observed("PENDING", source="create"))
        await store.offramps.record_observation(observed("EXPIRED"))
        await store.offramps.record_observation(observed("SUCCESSFUL"))  # a late correction
        await store.offramps.record_observation(observed("REQUIRE_REVIEW"))
        owner = [kind for chat, kind in await kinds(store) if chat == 1001]
        assert owner == ["expired", "successful", "receipt"]  # the terminal one was said and stays said
        assert (AGENT, "agent_expired") in await kinds(store) and (AGENT, "agent_successful") in await kinds(store)
    finally:
        await store.close()


async def test_ops_alerts_survive_the_owners_later_notice(tmp_path: Path, clock: ManualClock) -> None:
    db = await Database(tmp_path / "bot.sqlite3", clock=clock).open()
    store = Storage.on(db, owed=notices(OPS))
    await store.users.touch(1001, 1001, "en")
    try:
        await store.offramps.create(new_offramp())
        await store.offramps.record_observation(observed("PENDING", source="create"))
        await store.offramps.record_observation(observed("CRYPTO_RECEIVED"))
        await store.offramps.record_observation(observed("FAILED", error="Account not found"))
        await store.offramps.record_observation(observed("REVERSED", refund="SUCCESSFUL"))
        assert await kinds(store) == [(OPS, "ops_failed"), (1001, "reversed")]
    finally:
        await store.close()


async def test_a_slow_sender_that_outlived_its_lease_records_its_send_truthfully(
    store: Storage, clock: ManualClock
) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("CRYPTO_RECEIVED"))
    [slow] = await store.outbox.claim("slow", limit=5, lease_seconds=60)
    clock.advance(61)
    await store.offramps.record_observation(observed("SUCCESSFUL"))  # drops it: the lease ran out
    await store.outbox.mark_sent(slow.id, telegram_message_id=7)  # but Telegram took it after all
    row = await store.outbox.get(slow.id)
    assert row is not None and row.sent_at is not None and row.dead_at is None and row.last_error is None
