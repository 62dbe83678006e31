"""What the customer is told along a cash-out says only what is true, once (#14 items 4 and
"fewer, truer notifications"), end to end: sandbox → webhook → storage → outbox → fake Telegram."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import Sandbox
from tests.e2e.flows import TRON_WALLET, failing_lightning_cashout, full_cashout, to_recipient
from tests.e2e.harness import Harness, bot_world
from ui.problems import payout_reason
from ui.texts import use_language

OPS_CHAT = -100777


def texts(live: Harness, user_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in live.telegram.chat(user_id)]


async def test_a_failed_lightning_payout_never_promises_an_automatic_refund_and_the_card_waits_for_the_invoice(
    live: Harness,
) -> None:
    user = live.user(8101)
    await failing_lightning_cashout(user)
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
    use_language("en")
    assert html.escape(payout_reason(stored.error)) in said  # why it failed, in plain words, folded or not
    card = next(m for m in user.chat if m.message_id == stored.status_message_id)
    await live.until(lambda: "Lightning invoice" in (card.text or ""), "the card edited after the invoice request")
    assert "waiting for your Lightning invoice" in (card.text or "")
    assert "refund in progress" not in (card.text or "")


@pytest.fixture
async def ops_live(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Harness]:
    """The live bot with an operations chat and a slower threshold for one corridor."""
    env = {"OPS_CHAT_ID": str(OPS_CHAT), "SLOW_PAYOUT_MINUTES": "30", "SLOW_PAYOUT_MINUTES_GHS": "90"}
    async with bot_world(sandbox, tmp_path, live=True, extra_env=env) as harness:
        yield harness


async def test_a_reminder_ten_minutes_before_the_window_closes_once_then_one_tap_to_start_again(
    live: Harness,
) -> None:
    user = live.user(8102)
    reference = await full_cashout(user)
    assert live.reconciler is not None
    live.clock.advance(45 * 60)
    await live.reconciler.run_once()
    await live.drain()
    assert not any("minutes left" in t for t in texts(live, 8102))  # too early
    live.clock.advance(6 * 60)  # 51 minutes into the 60-minute window, nothing sent
    await live.reconciler.run_once()
    [reminder] = await live.notified(8102, "minutes left")
    assert "<b>Less than 10 minutes left</b> to send 10 USDT" in (reminder.text or "")
    assert reference in (reminder.text or "") and "Deadline: 1 Jan 01:00 UTC" in (reminder.text or "")
    assert "Nothing has arrived yet" in (reminder.text or "")
    live.clock.advance(60)
    await live.reconciler.run_once()  # asked again every round: said once
    live.clock.advance(2 * 3600)
    await live.reconciler.run_once()
    [expired] = await live.notified(8102, "expired: no crypto arrived in time")
    assert user.buttons(expired) == ["🔁 Start again at a fresh rate"]
    [[button]] = (expired.reply_markup or {})["inline_keyboard"]
    assert button["callback_data"] == f"c:again:{reference}"
    await live.drain()
    assert sum("minutes left" in t for t in texts(live, 8102)) == 1


async def test_no_reminder_once_the_crypto_arrived(live: Harness) -> None:
    user = live.user(8103)
    reference = await full_cashout(user)
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    await live.notified(8103, "Delivered!")
    assert live.reconciler is not None
    live.clock.advance(52 * 60)
    await live.reconciler.run_once()
    await live.drain()
    assert not any("minutes left" in t for t in texts(live, 8103))


async def test_a_payout_stuck_in_progress_is_explained_once_with_the_support_contact_and_ops_are_alerted(
    ops_live: Harness,
) -> None:
    live = ops_live
    user = live.user(8104)
    reference = await full_cashout(user)
    await live.sandbox.deposit(reference)
    while (await live.sandbox.state(reference))["offramp"]["status"] != "IN_PROGRESS":
        await live.sandbox.advance(reference)
    assert live.reconciler is not None
    await live.reconciler.run_once()
    live.clock.advance(29 * 60)
    await live.reconciler.run_once()
    await live.drain()
    assert not any("longer than usual" in t for t in texts(live, 8104))
    live.clock.advance(2 * 60)
    await live.reconciler.run_once()
    [slow] = await live.notified(8104, "taking longer than usual")
    text = slow.text or ""
    assert "1,269 KES" in text and reference in text and "more than 30 minutes" in text
    assert live.services.settings.support_contact in text
    [alert] = await live.notified(OPS_CHAT, "Slow payout")
    assert reference in (alert.text or "") and "over 30 min" in (alert.text or "")
    live.clock.advance(3600)
    await live.reconciler.run_once()
    await live.drain()
    assert sum("longer than usual" in t for t in texts(live, 8104)) == 1
    assert sum("Slow payout" in (m.text or "") for m in live.telegram.chat(OPS_CHAT)) == 1
    assert live.services.settings.slow_payout_after("GHS") == 90  # a slower corridor has its own


async def test_delivered_to_a_bank_says_the_bank_confirms_and_links_the_deposit(live: Harness) -> None:
    """Found by a stranger: a bank payout was said to be confirmed "by SMS from mobile money"."""
    user = live.user(8190)
    await to_recipient(user)
    await user.press("Bank account")
    await user.send("equ")
    await user.press("Equity Bank")
    await user.send("1000000001")
    await user.send("Jane Mary Doe")
    if "c:" in str(user.last_with_buttons().reply_markup) and "Yes" in " ".join(user.buttons(user.last_with_buttons())):
        await user.press("Yes")
    await user.send(TRON_WALLET)
    await user.press("Confirm")
    [offramp] = await live.services.storage.offramps.for_user(8190)
    await live.sandbox.deposit(offramp.reference_id)
    await live.sandbox.run_until_settled(offramp.reference_id)
    [delivered] = await live.notified(8190, "Delivered!")
    text = delivered.text or ""
    assert "SMS from Equity Bank" in text and "mobile money" not in text
    assert "Deposit tx:" in text and "tronscan" in text.lower()


def test_a_status_kotani_adds_later_is_never_shown_as_raw_english() -> None:
    from ui.texts import status_words, use_language

    use_language("sw")
    assert status_words("SOMETHING_NEW") == "❔ hali bado haijulikani (uliza msaada ikiendelea)"
