"""Kotani's webhooks reach the chat: each outcome of spec §6.2, exactly once, over real HTTP
(sandbox → the bot's web server → storage → outbox sender → fake Telegram)."""

from __future__ import annotations

from tests.e2e.flows import TRON_WALLET, full_cashout
from tests.e2e.harness import Harness


def texts(live: Harness, user_id: int) -> list[str]:
    return [m.text or "" for m in live.telegram.chat(user_id)]


async def test_success_is_announced_step_by_step_and_the_deposit_message_updates(live: Harness) -> None:
    user = live.user(7001)
    reference = await full_cashout(user)
    deposit = next(m for m in user.chat if m.text and "Send exactly" in m.text)
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    await live.notified(7001, "Delivered!")
    await live.drain()
    all_texts = texts(live, 7001)
    # intermediate notices still unsent when a later one is owed are dropped (#14): at most once
    assert sum("We received your 10 USDT" in t for t in all_texts) <= 1
    assert sum("Payout in progress" in t for t in all_texts) <= 1
    [delivered] = [t for t in all_texts if "Delivered!" in t]
    assert "1,269 KES reached M-PESA +254700000001 (Jane M. D.)" in delivered
    assert "confirmation SMS from M-PESA" in delivered
    await live.until(lambda: "✅ delivered" in (deposit.text or ""), "the card shows the current state")
    assert "Cancel" not in user.buttons(deposit)


async def test_payout_failure_then_refund(live: Harness) -> None:
    user = live.user(7002)
    reference = await full_cashout(user, phone="0700000011")
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    [refunded] = await live.notified(7002, "Refunded")
    # told that the payout failed and why: by its own notice, or by the refund notice when the
    # refund came before the failure notice was sent (#14)
    failure = [t for t in texts(live, 7002) if "failed</b>" in t]
    assert len(failure) == 1 and "no account was found for this recipient" in failure[0]  # the provider's words, plain
    assert f"To: <code>{TRON_WALLET}</code>" in (refunded.text or "")  # says where the refund went
    assert "10 USDT went back to your wallet" in (refunded.text or "") and "Transaction: <code>" in (
        refunded.text or ""
    )
    await live.drain()
    assert sum("Refunded" in t for t in texts(live, 7002)) == 1


async def test_refund_failure_offers_retry_which_works(live: Harness) -> None:
    user = live.user(7003)
    reference = await full_cashout(user, phone="0700000010")
    await live.sandbox.control.post(f"/sandbox/offramps/{reference}/refund-failures", json={"count": 5})
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    [refund_failed] = await live.notified(7003, "The refund failed")
    assert any("Retry refund" in label for label in user.buttons(refund_failed))
    await user.press_data(f"r:st:{reference}", refund_failed)
    assert "failed (support can help)" in user.last_text
    await user.press_data(f"r:retry:{reference}", refund_failed)
    assert "being retried" in user.last_text
    await live.sandbox.run_until_settled(reference)
    await live.notified(7003, "Refunded")
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "REVERSED"
    await user.press_data(f"r:st:{reference}", refund_failed)
    assert "Refund for" in user.last_text and "sent" in user.last_text
    assert f"<code>{offramp.refund_transaction_hash}</code>" in user.last_text  # markup, not escaped text


async def test_cancel_and_expiry_are_announced(live: Harness) -> None:
    user = live.user(7004)
    reference = await full_cashout(user)
    await live.sandbox.control.post("/sandbox/clock/advance", json={"seconds": 3601})
    [expired] = await live.notified(7004, "expired: no crypto arrived in time")
    assert reference in (expired.text or "")


async def test_duplicates_and_reordering_never_repeat_or_go_backwards(live: Harness) -> None:
    user = live.user(7005)
    reference = await full_cashout(user)
    await live.sandbox.configure(duplicate_webhooks=True, hold_webhooks=True)
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    await live.sandbox.control.post("/sandbox/webhooks/flush", json={"order": "reverse"})
    await live.notified(7005, "Delivered!")
    await live.drain()
    all_texts = texts(live, 7005)
    assert sum("Delivered!" in t for t in all_texts) == 1
    assert not any("We received your" in t or "Payout in progress" in t for t in all_texts)  # older, arrived later
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "SUCCESSFUL"
    events = await live.services.storage.offramps.events(reference)
    assert sum(e.duplicate for e in events) == 3


async def test_a_late_correction_is_applied_and_explained(live: Harness) -> None:
    user = live.user(7006)
    reference = await full_cashout(user)
    await live.sandbox.control.post("/sandbox/clock/advance", json={"seconds": 3601})
    await live.notified(7006, "expired")
    await live.sandbox.control.post(f"/sandbox/offramps/{reference}/correct", json={"status": "SUCCESSFUL"})
    [delivered] = await live.notified(7006, "Delivered!")
    assert "corrected this cash-out. Previous status: ⌛ expired" in (delivered.text or "")


async def test_a_missed_webhook_is_caught_by_the_reconciler(live: Harness) -> None:
    user = live.user(7007)
    reference = await full_cashout(user)
    await live.sandbox.configure(deliver_webhooks=False)
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    assert live.reconciler is not None
    assert await live.reconciler.run_once() >= 1
    [delivered] = await live.notified(7007, "Delivered!")
    assert reference in (delivered.text or "")
    assert await live.reconciler.run_once() == 0  # nothing left to learn


async def test_an_offramp_left_pending_past_its_deposit_window_is_closed_as_expired(live: Harness) -> None:
    user = live.user(7008)
    reference = await full_cashout(user)
    assert live.reconciler is not None
    await live.reconciler.run_once()
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "PENDING"  # still inside the window
    live.clock.advance(2 * 3600)  # Kotani (the sandbox) has not expired it yet
    await live.reconciler.run_once()
    [expired] = await live.notified(7008, "expired: no crypto arrived in time")
    assert reference in (expired.text or "")


async def test_a_cancel_made_elsewhere_is_announced(live: Harness) -> None:
    user = live.user(7009)
    reference = await full_cashout(user)
    await live.services.kotani.cancel_offramp(reference)  # e.g. from Kotani's dashboard
    [cancelled] = await live.notified(7009, "was cancelled")
    assert reference in (cancelled.text or "")
