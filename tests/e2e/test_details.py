"""Issue #14 item 10 and its neighbours: copy buttons on the deposit card, history pages that
say what each cash-out was, local times, the owner's own details in full, expiring and
revocable customer-view links."""

from __future__ import annotations

import io
from typing import Any

from bot.local_telegram import SentMessage, button_problem
from bot.terminal_chat import TerminalChat
from tests.e2e.flows import full_cashout
from tests.e2e.harness import Harness


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
        await user.send("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
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
