"""Issue #14 item 10 and its neighbours: copy buttons on the deposit card, history pages that
say what each cash-out was, local times, the owner's own details in full, expiring and
revocable customer-view links."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from typing import Any

from bot.local_telegram import SentMessage, button_problem
from bot.terminal_chat import TerminalChat
from storage.models import NewOfframp
from tests.e2e.flows import full_cashout
from tests.e2e.harness import Harness
from ui.notifications import render
from ui.transactions import card


def copy_texts(message: SentMessage) -> dict[str, str]:
    """Label → the text a copy button puts on the clipboard."""
    markup: dict[str, Any] = message.reply_markup or {}
    return {b["text"]: b["copy_text"]["text"] for row in markup.get("inline_keyboard", []) for b in row
            if "copy_text" in b}  # fmt: skip


def deposit_card(user: Any, reference: str) -> SentMessage:
    return next(m for m in user.chat if m.text and "Send exactly" in m.text and reference in m.text)


async def test_the_deposit_card_copies_address_amount_and_reference_until_the_deposit(bot: Harness) -> None:
    user = bot.user(4101)
    reference = await full_cashout(user, amount="10.5")
    escrow = (await bot.services.storage.offramps.get(reference)).escrow_address  # type: ignore[union-attr]
    expected = {"📋 Copy address": escrow, "📋 Copy amount": "10.5", "📋 Copy reference": reference}
    assert copy_texts(deposit_card(user, reference)) == expected
    await user.send("/status")  # the status card keeps them while the deposit is awaited
    assert copy_texts(user.last_with_buttons()) == expected
    await bot.sandbox.deposit(reference)
    await bot.sandbox.advance(reference)
    await user.send("/status")
    assert copy_texts(user.last_with_buttons()) == {}  # nothing left to type into a wallet


async def test_copy_buttons_in_kiswahili_and_french_copy_a_plain_amount(bot: Harness) -> None:
    for user_id, language, label in ((4102, "sw", "📋 Nakili kiasi"), (4103, "fr", "📋 Copier le montant")):
        bot.telegram.languages[user_id] = language
        user = bot.user(user_id)
        await user.send("/cashout")
        await user.press("🇰🇪")
        await user.press("USDT · Tron")
        await user.send("10,5" if language == "fr" else "10.5")
        await user.press_data("c:q:ok")
        await user.press_data("c:rk:mobile_money")
        await user.send("0700000001")
        if user.last_with_buttons().reply_markup and "c:hn:yes" in str(user.last_with_buttons().reply_markup):
            await user.press_data("c:hn:yes")
        else:
            await user.send("Jane Doe")
        await user.send("TJWXuPnMd5noaCaJw6EmHHyED9iH4Rr5Up")
        await user.press_data("c:ok")
        card = next(m for m in reversed(user.chat) if m.reply_markup and "t:st:" in str(m.reply_markup))
        assert copy_texts(card)[label] == "10.5"  # a wallet takes 10.5, not "10,5 USDT"


def test_the_fake_bot_api_refuses_buttons_telegram_refuses() -> None:
    ok = {"inline_keyboard": [[{"text": "a", "copy_text": {"text": "x" * 256}}, {"text": "b", "callback_data": "t"}]]}
    assert button_problem(ok) is None
    assert button_problem({"inline_keyboard": [[{"text": "a", "copy_text": {"text": "x" * 257}}]]})
    assert button_problem({"inline_keyboard": [[{"text": "a", "copy_text": {"text": ""}}]]})
    assert button_problem({"inline_keyboard": [[{"text": "a", "callback_data": "t", "url": "https://x"}]]})
    assert button_problem({"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]})


def test_the_terminal_demo_prints_what_a_copy_button_copies() -> None:
    from bot.local_telegram import LocalBotApi

    out = io.StringIO()
    chat = TerminalChat(LocalBotApi(), out=out)
    markup = {"inline_keyboard": [[{"text": "📋 Copy address", "copy_text": {"text": "TAbc"}}],
                                  [{"text": "🔄 Check status", "callback_data": "t:st:ref"}]]}  # fmt: skip
    chat.show("new", SentMessage(1, 100001, "card", markup))
    assert "[1] 📋 Copy address" in out.getvalue()
    assert chat.update_for("1") is None  # nothing goes to the bot
    assert "📋 TAbc" in out.getvalue()
    update = chat.update_for("2")
    assert update is not None and update["callback_query"]["data"] == "t:st:ref"


async def deliver(bot: Harness, reference: str) -> None:
    await bot.sandbox.deposit(reference)
    for _ in range(3):  # confirmed, payout started, delivered
        await bot.sandbox.advance(reference)
    offramp = await bot.services.storage.offramps.get(reference)
    assert offramp is not None
    await bot.services.cashouts.refresh(offramp, source="poll")


async def test_history_says_what_each_cash_out_was_and_its_detail_goes_back_to_its_page(bot: Harness) -> None:
    user = bot.user(4111)
    first = await full_cashout(user)
    await deliver(bot, first)
    second = await full_cashout(user, amount="12")
    for index in range(10):  # push the first two onto the second page
        await bot.services.storage.offramps.create(
            NewOfframp(
                f"tg-4111-{index:02d}",
                4111,
                4111,
                "USDT",
                "TRON",
                Decimal(5),
                "KES",
                fiat_transaction_amount=Decimal(634),
            )
        )
        bot.clock.advance(60)
    await user.send("/history")
    await user.press("Older")
    page = user.last_with_buttons()
    text = page.text or ""
    assert "12 USDT → <b>" in text and "10 USDT → <b>" in text and "KES</b>" in text  # amounts, both units
    assert text.count("EAT (UTC+3)") == 2  # the date, in Kenya's time
    # the recipient: the number in full to its owner, the registered name as the name check showed it
    assert text.count("M-PESA +254700000001 (Jane M. D.)") == 2
    assert "Status: ✅ delivered" in text and "Status: waiting for your crypto" in text
    rows = page.reply_markup["inline_keyboard"]  # type: ignore[index]
    receipts = [b["callback_data"] for row in rows for b in row if b["text"] == "🧾 Receipt"]
    assert receipts == [f"t:rc:{first}"]  # on the delivered one only
    await user.press(second)
    assert second in user.last_text and "Timeline" in user.last_text
    await user.press("Back to history")
    assert "(11–12 of 12)" in user.last_text  # the page it came from, not the first


async def test_the_owner_sees_their_recipient_in_full_only_in_their_private_chat(bot: Harness) -> None:
    owner = bot.user(4112)
    reference = await full_cashout(owner, phone="0700000021")  # no registered name: the owner types one
    assert "+254700000021 (Jane Doe)" in deposit_card(owner, reference).text  # type: ignore[operator]
    assert "EAT (UTC+3)" in deposit_card(owner, reference).text  # type: ignore[operator]
    await owner.send("/status")
    assert "M-PESA +254700000021 (Jane Doe)" in owner.last_text
    offramp = await bot.services.storage.offramps.get(reference)
    assert offramp is not None
    recipient = await bot.services.storage.recipients.get(offramp.recipient_id or 0, offramp.user_id)
    assert recipient is not None
    deadline = offramp.created_at
    elsewhere = replace(offramp, chat_id=-100123)  # the same card in a group
    assert "+254******021 (J*** D**)" in card(elsewhere, recipient=recipient, deadline=deadline)
    assert "+254******021" in card(offramp, recipient=recipient, deadline=deadline, full=False)
    ops, _ = render("ops_failed", {}, offramp, recipient, support="s")
    mine, _ = render("successful", {}, offramp, recipient, support="s")
    assert "+254700000021" not in ops and "+254700000021 (Jane Doe)" in mine


async def test_the_deposit_hash_links_to_the_chains_explorer(bot: Harness) -> None:
    user = bot.user(4113)
    reference = await full_cashout(user)
    await bot.sandbox.deposit(reference)
    await bot.sandbox.advance(reference)
    await user.send("/status")
    offramp = await bot.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.transaction_hash
    link = f'<a href="https://tronscan.org/#/transaction/{offramp.transaction_hash}">view on Tronscan</a>'
    assert link in user.last_text
