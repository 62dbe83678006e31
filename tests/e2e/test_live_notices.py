"""What the customer is told along a cash-out says only what is true, once (#14 items 4 and
"fewer, truer notifications"), end to end: sandbox → webhook → storage → outbox → fake Telegram."""

from __future__ import annotations

from tests.e2e.flows import to_recipient
from tests.e2e.harness import Harness


def texts(live: Harness, user_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in live.telegram.chat(user_id)]


async def test_a_failed_lightning_payout_never_promises_an_automatic_refund_and_the_card_waits_for_the_invoice(
    live: Harness,
) -> None:
    user = live.user(8101)
    await to_recipient(user, token="Lightning", amount="1500")
    await user.press("Mobile money")
    await user.send("0700000013")
    await user.send("Jane Doe")
    await user.press("Skip")
    await user.press("Confirm")
    [offramp] = await live.services.storage.offramps.for_user(8101)
    reference = offramp.reference_id
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    await live.notified(8101, "Lightning refunds need an invoice")
    await live.drain()
    said = "\n".join(texts(live, 8101))
    assert "automatically" not in said and "do not need to do anything" not in said
    stored = await live.services.storage.offramps.get(reference)
    assert stored is not None and stored.error
    assert stored.error in said  # why it failed is said, whether or not the failure notice was folded
    card = next(m for m in user.chat if m.message_id == stored.status_message_id)
    await live.until(lambda: "Lightning invoice" in (card.text or ""), "the card edited after the invoice request")
    assert "waiting for your Lightning invoice" in (card.text or "")
    assert "refund in progress" not in (card.text or "")
