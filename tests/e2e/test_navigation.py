"""Cancel, old buttons and stray commands as a stranger uses them (issue #14 items 1, 3, 8)."""

from __future__ import annotations

import httpx

from tests.e2e.flows import TRON_WALLET, deliver, full_cashout, to_recipient
from tests.e2e.harness import TELEGRAM_SECRET, Harness


async def test_cancel_with_nothing_in_progress_says_so(bot: Harness) -> None:
    user = bot.user(13001)
    await user.send("/cancel")
    assert "nothing to cancel" in user.last_text
    assert "did not understand" not in user.last_text


async def test_cancel_at_the_phone_step_takes_the_share_keyboard_away_without_a_stray_message(bot: Harness) -> None:
    user = bot.user(13002)
    await to_recipient(user)
    await user.press("Mobile money")  # the "share my number" keyboard appears
    assert user.chat[-1].reply_markup and "keyboard" in user.chat[-1].reply_markup
    before = len(user.chat)
    await user.send("/cancel")
    said = user.chat[before:]
    assert [m.text for m in said] == ["OK, nothing was created.", "What would you like to do?"]
    assert said[0].reply_markup == {"remove_keyboard": True}
    assert "Cash out" in " ".join(user.buttons(said[1]))


async def test_a_button_of_an_earlier_step_is_answered_quietly(bot: Harness) -> None:
    user = bot.user(13003)
    await to_recipient(user)
    await user.press("Mobile money")
    await user.send("0700000001")
    holder_check = user.last_with_buttons()
    assert "registered for this number" in (holder_check.text or "")
    await user.press("Yes")
    assert "Which wallet will you send from" in user.last_text
    before = len(user.chat)
    await user.press_data("c:hn:yes", holder_check)  # scrolled up and pressed Yes again
    assert len(user.chat) == before  # nothing new in the chat
    assert bot.telegram.answered_callbacks[-1]["text"] == "This button is from an earlier message and no longer works."
    await user.send(TRON_WALLET)  # the question on screen still takes its answer
    assert "Please check and confirm" in user.last_text


async def test_a_french_reader_types_amounts_the_french_way(bot: Harness) -> None:
    bot.telegram.languages[13004] = "fr"
    user = bot.user(13004)
    await user.send("/cashout")
    await user.press("Kenya")
    await user.press("USDT · Tron")
    assert "10 ou 10,5" in user.last_text and " or " not in user.last_text
    await user.send("10,5")  # refused before: "Utilisez un point"
    assert "Vous envoyez : <b>10,5 USDT</b>" in user.last_text or "10,5 USDT" in user.last_text
    await user.press("Changer le montant")
    await user.send("1.500")  # one and a half, or fifteen hundred? asked back with both as buttons
    assert "1500 ou 1,5" in user.last_text
    readings = user.buttons(user.last_with_buttons())
    assert readings == ["1\u202f500 USDT", "1,5 USDT"], readings
    await user.press("1,5 USDT")
    assert "1,5 USDT" in user.last_text and "Vous envoyez" in user.last_text


async def test_an_absurdly_long_amount_is_refused_politely(bot: Harness) -> None:
    user = bot.user(13005)
    await user.send("/cashout")
    await user.press("Kenya")
    await user.press("USDT · Tron")
    await user.send("1234567890123456789012345")
    assert "too many digits" in user.last_text
    assert "went wrong" not in user.last_text


async def test_a_redelivered_update_is_handled_once_and_remembered_across_restarts(live: Harness) -> None:
    """Telegram redelivers an update whose answer was slow: /cashout must not start three times."""
    update = live.telegram.user_message(13006, "/cashout")
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    async with httpx.AsyncClient() as http:
        for _ in range(3):
            response = await http.post(f"{live.web_url}/telegram", json=update, headers=headers)
            assert response.status_code == 200
    await live.until(lambda: any("money go" in (m.text or "") for m in live.telegram.chat(13006)), "the country list")
    await live.drain()
    assert sum("Where should the money go" in (m.text or "") for m in live.telegram.chat(13006)) == 1
    assert not await live.services.storage.updates.first_time(update["update_id"])  # remembered in the database


async def test_a_finished_cash_out_offers_send_again_from_its_card(bot: Harness) -> None:
    """#14 "Send again": from the card of a delivered cash-out to a fresh summary in two taps."""
    user = bot.user(13007)
    reference = await full_cashout(user)
    await deliver(bot, reference)
    await user.send("/status")
    assert "Send again" in " ".join(user.buttons(user.last_with_buttons()))
    await user.press("Send again")
    assert "Please check and confirm" in user.last_text and "10 USDT" in user.last_text
    await user.press("Confirm")
    assert len(await bot.services.storage.offramps.for_user(13007)) == 2


async def test_help_and_status_in_the_middle_of_a_cash_out_answer_and_keep_it(bot: Harness) -> None:
    """Found by a stranger: /help and /status only said "you are in the middle of a cash-out"."""
    user = bot.user(13008)
    await full_cashout(user)
    await to_recipient(user)
    await user.send("/help")
    assert any("/cashout" in (m.text or "") for m in user.chat[-3:])  # the help itself
    assert "goes on where you were" in user.last_text and "Who gets the money" in user.last_text
    await user.send("/status")
    assert any("waiting for your crypto" in (m.text or "") for m in user.chat[-3:])  # the earlier one's card
    assert "Who gets the money" in user.last_text
    await user.press("Mobile money")  # the cash-out carries on
    assert "mobile money number" in user.last_text


async def test_send_again_after_a_failed_payout_says_why_it_failed_before_confirming(bot: Harness) -> None:
    """Found by a stranger: Send again repeated a payout to an account that was not found."""
    user = bot.user(13009)
    reference = await full_cashout(user, phone="0700000011")  # the payout fails: account not found
    await deliver(bot, reference)  # the crypto arrives, the payout fails and is refunded
    await user.send("/status")
    await user.press("Send again")
    assert "Last time the payout to this recipient failed: no account was found" in user.last_text


async def test_save_recipient_is_not_offered_for_one_already_saved(bot: Harness) -> None:
    """Found by a stranger: "Save recipient" was offered for someone already saved."""
    user = bot.user(13010)
    await deliver(bot, await full_cashout(user))  # delivered: the recipient is saved
    await to_recipient(user)
    await user.press("M-PESA +254700000001")
    await user.send(TRON_WALLET)
    assert "Please check and confirm" in user.last_text
    assert not any("Save" in label for label in user.buttons(user.last_with_buttons()))
