"""Status, history, cancel, deep links — and nobody but the owner reaches an offramp."""

from __future__ import annotations

from decimal import Decimal

from storage.models import NewOfframp, Observation
from tests.e2e.flows import deliver, full_cashout
from tests.e2e.harness import Harness


async def test_status_follows_kotani_and_is_explained_in_plain_words(bot: Harness) -> None:
    user = bot.user(4001)
    reference = await full_cashout(user)
    await user.send("/status")
    assert "waiting for your crypto" in user.last_text
    await bot.sandbox.deposit(reference)
    await bot.sandbox.advance(reference)  # confirmed
    await bot.sandbox.advance(reference)  # payout started
    await user.press("Check status")
    assert "payout in progress" in user.last_text
    assert "Cancel" not in user.buttons(user.last_with_buttons())
    await bot.sandbox.advance(reference)
    await user.press("Check status")
    assert "✅ delivered" in user.last_text


async def test_cancel_while_pending_and_refusal_after_the_deposit(bot: Harness) -> None:
    user = bot.user(4002)
    first = await full_cashout(user)
    await user.send("/status")  # a status check keeps the deposit instructions on the card
    assert "Send exactly 10 USDT" in user.last_text and "waiting for your crypto" in user.last_text
    await user.press("Cancel")
    assert "If you have already sent the crypto, do not cancel" in user.last_text  # a second tap is needed
    assert (await bot.sandbox.state(first))["offramp"]["status"] == "PENDING"
    await user.press("No, keep it")
    assert f"cash-out {first} goes on" in user.last_text
    await user.press_data(f"t:cx:{first}")
    await user.press("Yes, cancel it")
    assert f"Cash-out {first} is cancelled" in user.last_text
    assert sum(f"Cash-out {first} is cancelled" in (m.text or "") for m in user.chat) == 1  # said once
    card = next(m for m in user.chat if m.text and "Send exactly" in m.text and first in m.text)
    assert "Cancel" not in user.buttons(card)  # the card's Cancel does not outlive the cancel
    assert (await bot.sandbox.state(first))["offramp"]["status"] == "CANCELLED"
    second = await full_cashout(user)
    await bot.sandbox.deposit(second)
    await bot.sandbox.advance(second)
    await user.press("Cancel")
    assert any(
        "cannot be cancelled any more. Your crypto is already on its way" in (m.text or "") for m in user.chat[-2:]
    )
    assert (await bot.sandbox.state(second))["offramp"]["status"] == "CRYPTO_RECEIVED"


async def test_nobody_else_can_see_or_cancel_an_offramp(bot: Harness) -> None:
    owner, other = bot.user(4003), bot.user(4004)
    reference = await full_cashout(owner)
    deposit_message = next(m for m in reversed(owner.chat) if m.text and reference in m.text)
    await other.send("/start")
    for data in (f"t:cx:{reference}", f"t:st:{reference}", f"t:open:{reference}"):
        await other.press_data(data, deposit_message)
        assert bot.telegram.answered_callbacks[-1]["text"] == "This transaction is not yours."
    await other.send(f"/start tx_{reference}")
    assert other.last_text == "This transaction is not yours."
    assert not any(reference in (m.text or "") for m in other.chat)
    assert (await bot.sandbox.state(reference))["offramp"]["status"] == "PENDING"
    await owner.send(f"/start tx_{reference}")
    assert reference in owner.last_text and "Timeline" in owner.last_text


async def test_history_is_paginated_and_each_entry_opens(bot: Harness) -> None:
    user = bot.user(4005)
    await user.send("/history")
    assert "no cash-outs yet" in user.last_text
    storage = bot.services.storage
    for index in range(12):
        reference = f"tg-4005-{index:02d}"
        await storage.offramps.create(
            NewOfframp(reference, 4005, 4005, "USDT", "TRON", Decimal(10), "KES", fiat_transaction_amount=Decimal(1269))
        )
        await storage.offramps.record_observation(
            Observation(reference, "create", "create", f"create|{reference}", "PENDING", {}), notify=False
        )
        bot.clock.advance(60)
    await user.send("/history")
    first_page = user.last_with_buttons()
    assert "(1–10 of 12)" in (first_page.text or "")
    assert user.buttons(first_page)[0].startswith("tg-4005-11")
    await user.press("Older")
    assert "(11–12 of 12)" in user.last_text
    await user.press("Newer")
    await user.press("tg-4005-05")
    assert "tg-4005-05" in user.last_text and "waiting for your crypto" in user.last_text


async def test_commands_are_registered_for_the_menu(bot: Harness) -> None:
    assert bot.telegram.menu() == ["start", "cashout", "status", "history", "language", "help", "cancel"]
    french = {c["command"]: c["description"] for c in bot.telegram.commands["default|fr"]}
    swahili = {c["command"]: c["description"] for c in bot.telegram.commands["default|sw"]}
    assert french["cashout"] == "Retirer des cryptos" and swahili["cashout"] == "Toa crypto kuwa pesa"


async def test_help_and_saved_recipients(bot: Harness) -> None:
    user = bot.user(4006)
    await user.send("/help")
    assert "How it works" in user.last_text
    await user.press("Saved recipients")
    assert "no saved recipients" in user.last_text
    await deliver(bot, await full_cashout(user))  # saved once delivered (#14 item 9)
    await user.send("/start")
    await user.press("Saved recipients")
    assert "🇰🇪 M-PESA +254700000001 (Jane M. D.)" in user.buttons(user.last_with_buttons())  # no "(KE)"; in full
