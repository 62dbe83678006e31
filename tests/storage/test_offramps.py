"""Recording observations: idempotent, forward-only, corrections applied, atomic with the outbox."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal

import pytest

from storage import Storage, UnknownOfframp
from storage.models import Observation
from tests.storage.conftest import new_offramp


def observed(status: str, *, ref: str = "tg-1001-1", event: str = "transaction.offramp.status.updated",
             refund: str | None = None, source: str = "webhook", **details: object) -> Observation:  # fmt: skip
    return Observation(
        reference_id=ref,
        source=source,
        event=event,
        dedupe_key=f"{event}|{ref}|{status}|{refund or ''}",
        status=status,
        raw={"status": status, "refundStatus": refund},
        raw_status=status,
        refund_status=refund,
        **details,  # type: ignore[arg-type]
    )


async def test_create_is_idempotent_and_keeps_decimal_amounts(store: Storage) -> None:
    first = await store.offramps.create(new_offramp())
    again = await store.offramps.create(new_offramp())
    assert first == again
    assert first.status == "NEW" and first.crypto_amount == Decimal("10.5")
    assert await store.offramps.unsubmitted() == [first]
    row = await store.db.fetch_one("SELECT crypto_amount, typeof(crypto_amount) AS t FROM offramps")
    assert row is not None and row["crypto_amount"] == "10.5" and row["t"] == "text"


async def test_a_status_change_owes_one_notification(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    created = await store.offramps.record_observation(
        observed("PENDING", source="create", escrow_address="TXk3PqL8mN2vB7cR5tY9wZ4sD6fG1hJ2aQ")
    )
    assert created.changed and created.outbox_ids == []  # the deposit instructions answer PENDING
    received = await store.offramps.record_observation(observed("CRYPTO_RECEIVED", transaction_hash="0xabc"))
    assert received.changed and len(received.outbox_ids) == 1
    message = await store.outbox.get(received.outbox_ids[0])
    assert message is not None and message.kind == "crypto_received" and message.chat_id == 1001
    assert message.payload["crypto_amount"] == "10.5" and message.payload["transaction_hash"] == "0xabc"
    offramp = await store.offramps.get("tg-1001-1")
    assert offramp is not None and offramp.escrow_address == "TXk3PqL8mN2vB7cR5tY9wZ4sD6fG1hJ2aQ"


async def test_the_same_event_twice_changes_nothing_and_owes_nothing(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    first = await store.offramps.record_observation(observed("SUCCESSFUL"))
    second = await store.offramps.record_observation(observed("SUCCESSFUL"))
    assert first.changed and not first.duplicate
    assert second.duplicate and not second.changed and second.outbox_ids == []
    events = await store.offramps.events("tg-1001-1")
    assert [(e.status, e.duplicate, e.changed) for e in events][-2:] == [
        ("SUCCESSFUL", False, True),
        ("SUCCESSFUL", True, False),
    ]
    assert [m.kind for m in await store.outbox.for_reference("tg-1001-1")] == ["successful", "receipt"]


async def test_out_of_order_events_are_recorded_but_never_move_status_backwards(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("SUCCESSFUL"))
    late = await store.offramps.record_observation(observed("IN_PROGRESS"))
    older = await store.offramps.record_observation(observed("CRYPTO_RECEIVED"))
    assert not late.changed and not older.changed
    offramp = await store.offramps.get("tg-1001-1")
    assert offramp is not None and offramp.status == "SUCCESSFUL"
    kinds = [m.kind for m in await store.outbox.for_reference("tg-1001-1")]
    assert kinds == ["successful", "receipt"]
    notes = [e.note for e in await store.offramps.events("tg-1001-1")]
    assert "SUCCESSFUL is final" in notes


async def test_late_correction_expired_then_successful_is_applied_and_announced(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("EXPIRED"))
    corrected = await store.offramps.record_observation(observed("SUCCESSFUL"))
    assert corrected.changed and corrected.correction
    messages = await store.outbox.for_reference("tg-1001-1")
    assert [m.kind for m in messages] == ["expired", "successful", "receipt"]
    assert messages[1].payload["correction"] is True and messages[1].payload["previous_status"] == "EXPIRED"
    assert any(e.note and e.note.startswith("correction") for e in await store.offramps.events("tg-1001-1"))


async def test_lightning_invoice_needed_is_owed_once(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("FAILED", error="Account not found"))
    await store.offramps.record_observation(observed("REFUND_PENDING", refund="INVOICE_NEEDED"))
    again = await store.offramps.record_observation(
        observed("REFUND_PENDING", event="refund.lightning.invoice_needed", refund="INVOICE_NEEDED")
    )
    assert not again.changed
    offramp = await store.offramps.get("tg-1001-1")
    assert offramp is not None and offramp.awaiting_invoice and offramp.error == "Account not found"
    assert [m.kind for m in await store.outbox.for_reference("tg-1001-1")] == ["failed", "invoice_needed"]
    await store.offramps.record_observation(observed("REFUND_PENDING", refund="PROCESSING"))
    done = await store.offramps.record_observation(
        observed("REVERSED", refund="SUCCESSFUL", refund_transaction_hash="h")
    )
    offramp = await store.offramps.get("tg-1001-1")
    assert done.changed and offramp is not None and not offramp.awaiting_invoice
    assert offramp.refund_transaction_hash == "h"


async def test_the_creating_agent_hears_of_terminal_states(store: Storage) -> None:
    await store.users.touch(3003, 3003)
    await store.offramps.create(new_offramp(agent=3003))
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("CRYPTO_RECEIVED"))
    await store.offramps.record_observation(observed("SUCCESSFUL"))
    chats = [(m.chat_id, m.kind) for m in await store.outbox.for_reference("tg-1001-1")]
    assert chats == [(1001, "crypto_received"), (1001, "successful"), (1001, "receipt"), (3003, "agent_successful")]


async def test_changes_the_user_caused_owe_no_notification(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    result = await store.offramps.record_observation(observed("CANCELLED", source="user"), notify=False)
    assert result.changed and result.outbox_ids == []


async def test_an_unknown_reference_is_refused_and_writes_nothing(store: Storage) -> None:
    with pytest.raises(UnknownOfframp):
        await store.offramps.record_observation(observed("SUCCESSFUL", ref="nobody"))
    assert (await store.db.fetch_one("SELECT COUNT(*) AS n FROM offramp_events"))["n"] == 0  # type: ignore[index]


async def test_status_and_outbox_commit_together_or_not_at_all(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    # A real failure inside the transaction, after the status update: the outbox insert aborts.
    await store.db.connection.execute(
        "CREATE TRIGGER outbox_broken BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        await store.offramps.record_observation(observed("SUCCESSFUL"))
    offramp = await store.offramps.get("tg-1001-1")
    assert offramp is not None and offramp.status == "PENDING"
    assert [e.status for e in await store.offramps.events("tg-1001-1")] == ["PENDING"]
    await store.db.connection.execute("DROP TRIGGER outbox_broken")
    retried = await store.offramps.record_observation(observed("SUCCESSFUL"))  # the webhook is redelivered
    assert retried.changed and len(retried.outbox_ids) == 2  # "Delivered" and its receipt


async def test_listing_and_reconciler_views(store: Storage, clock: object) -> None:
    for index in range(12):
        await store.offramps.create(new_offramp(f"tg-1001-{index}"))
        await store.offramps.record_observation(observed("PENDING", ref=f"tg-1001-{index}", source="create"))
        clock.advance(1)  # type: ignore[attr-defined]
    await store.offramps.record_observation(observed("SUCCESSFUL", ref="tg-1001-0"))
    page = await store.offramps.for_user(1001, limit=10)
    assert [o.reference_id for o in page][:2] == ["tg-1001-11", "tg-1001-10"]
    assert await store.offramps.count_for_user(1001) == 12
    assert await store.offramps.for_user(2002) == []
    open_refs = [o.reference_id for o in await store.offramps.open_offramps()]
    assert "tg-1001-0" not in open_refs and len(open_refs) == 11
    await store.offramps.mark_polled("tg-1001-1")
    assert (await store.offramps.open_offramps())[-1].reference_id == "tg-1001-1"  # least recently polled first


async def test_webhooks_arriving_together_commit_together_and_an_unknown_one_fails_alone(store: Storage) -> None:
    """A storm of webhooks shares transactions (group commit); each caller still gets its own
    answer, and a refused one writes nothing while the others are applied."""
    for index in range(40):
        await store.offramps.create(new_offramp(f"tg-1001-{index}"))
    statements: list[str] = []
    await store.db.connection.set_trace_callback(statements.append)
    arriving = [observed("PENDING", ref=f"tg-1001-{index}") for index in range(40)]
    arriving.insert(20, observed("PENDING", ref="tg-nobody"))
    outcomes = await asyncio.gather(
        *(store.offramps.record_observation(observation) for observation in arriving), return_exceptions=True
    )
    assert [type(outcome).__name__ for outcome in outcomes].count("UnknownOfframp") == 1
    assert isinstance(outcomes[20], UnknownOfframp)
    assert all(outcome.changed for outcome in outcomes if not isinstance(outcome, BaseException))
    assert statements.count("COMMIT") <= 3  # not 41
    for index in range(40):
        record = await store.offramps.get(f"tg-1001-{index}")
        assert record is not None and record.status == "PENDING"
    assert await store.offramps.events("tg-nobody") == []


async def test_pending_after_cancelled_changes_nothing_and_cancelled_is_announced_once(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    cancelled = await store.offramps.record_observation(observed("CANCELLED"))
    late_pending = await store.offramps.record_observation(observed("PENDING", event="transaction.status.updated"))
    again = await store.offramps.record_observation(observed("CANCELLED", event="transaction.status.updated"))
    assert cancelled.changed and not late_pending.changed and not again.changed
    offramp = await store.offramps.get("tg-1001-1")
    assert offramp is not None and offramp.status == "CANCELLED"
    assert [m.kind for m in await store.outbox.for_reference("tg-1001-1")] == ["cancelled"]


async def test_each_refund_attempt_is_its_own_event(store: Storage) -> None:
    """Kotani's second ``refund.failed`` (after a retry) says exactly what the first said."""
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.offramps.record_observation(observed("REFUND_PENDING", refund="PENDING"))
    failed = observed("REFUND_FAILED", event="refund.failed", refund="FAILED")
    first = await store.offramps.record_observation(failed)
    repeat = await store.offramps.record_observation(failed)  # Kotani redelivers: a duplicate
    retried = await store.offramps.record_observation(
        observed("REFUND_PENDING", event="retry-refund", refund="PENDING", source="user")
    )
    second = await store.offramps.record_observation(failed)
    assert first.changed and repeat.duplicate and retried.changed
    assert second.changed and not second.duplicate and second.status == "REFUND_FAILED"
    offramp = await store.offramps.get("tg-1001-1")
    assert offramp is not None and offramp.refund_attempt == 1
    kinds = [m.kind for m in await store.outbox.for_reference("tg-1001-1")]
    assert kinds.count("refund_failed") == 2


async def test_a_poll_that_differs_from_the_stored_refund_state_is_never_a_duplicate(store: Storage) -> None:
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    poll = observed("REFUND_FAILED", event="poll", refund="FAILED", source="poll")
    assert (await store.offramps.record_observation(poll)).changed
    await store.offramps.record_observation(
        observed("REFUND_PENDING", event="retry-refund", refund="PENDING", source="user")
    )
    again = await store.offramps.record_observation(poll)  # the same reading, a new fact
    assert again.changed and not again.duplicate
    offramp = await store.offramps.get("tg-1001-1")
    assert offramp is not None and offramp.status == "REFUND_FAILED"


async def test_a_notice_owed_to_a_chat_that_blocked_the_bot_is_given_up_at_once(store: Storage) -> None:
    """Found flaky in the e2e suite: a status change after the 403 knocked again."""
    await store.offramps.create(new_offramp())
    await store.offramps.record_observation(observed("PENDING", source="create"))
    await store.users.mark_blocked(1001)
    result = await store.offramps.record_observation(observed("CRYPTO_RECEIVED"))
    assert result.changed
    [message] = await store.outbox.for_reference("tg-1001-1")
    assert message.dead_at is not None and "blocked" in (message.last_error or "")
    assert await store.outbox.pending_count() == 0
