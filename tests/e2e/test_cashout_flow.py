"""The cash-out as a person moves through it: amounts, Back and Edit, choices remembered,
saved recipients, send again (issue #14 items 4, 7, 8, 9)."""

from __future__ import annotations

import pytest

from tests.e2e.flows import POLYGON_WALLET, TRON_WALLET, deliver, full_cashout, mpesa_recipient, to_amount, to_recipient
from tests.e2e.harness import Harness, User


async def test_an_expired_rate_with_the_same_numbers_is_not_announced_as_updated(bot: Harness) -> None:
    user = bot.user(14001)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.send(TRON_WALLET)
    bot.clock.advance(3600)  # the quote expired while the customer read the summary
    await user.press("Confirm")
    assert all("rate was updated" not in (m.text or "") for m in user.chat)
    assert any("Reference:" in (m.text or "") for m in user.chat)  # same numbers: created at once


def shown_bound(text: str, which: int) -> str:
    """The crypto amount in brackets of the out-of-range message: 0 the minimum, 1 the maximum."""
    return text.split("(≈ ")[which + 1].split(" ")[0]


async def test_the_minimum_and_maximum_shown_are_amounts_that_pass(bot: Harness) -> None:
    user = bot.user(14002)
    await to_amount(user)
    await user.send("0.1")
    assert "must be between 100 KES" in user.last_text
    low, high = shown_bound(user.last_text, 0), shown_bound(user.last_text, 1)
    await user.send(low)
    assert "Your quote" in user.last_text, user.last_text
    await user.press("Change amount")
    await user.send(high.replace(",", ""))
    assert "Your quote" in user.last_text, user.last_text


async def test_a_new_amount_typed_on_the_quote_screen_is_quoted(bot: Harness) -> None:
    user = bot.user(14003)
    await to_amount(user)
    await user.send("10")
    assert "You send: <b>10 USDT</b>" in user.last_text
    await user.send("1,000")
    assert "You send: <b>1,000 USDT</b>" in user.last_text
    await user.send("20")
    assert "You send: <b>20 USDT</b>" in user.last_text
    await user.send("1e3")
    assert "in digits" in user.last_text and "did not understand" not in user.last_text
    await user.press("Confirm")  # the quote on screen still works
    assert "Who gets the money" in (user.last_with_buttons().text or "")


@pytest.mark.parametrize(
    ("language", "question", "whole"),
    [("en", "How many sats", "Sats are whole numbers"), ("sw", "Utatuma sats ngapi", "Sats ni namba nzima"),
     ("fr", "Combien de sats", "Les sats sont des nombres entiers")],
)  # fmt: skip
async def test_lightning_amounts_in_sats_k_and_btc(bot: Harness, language: str, question: str, whole: str) -> None:
    bot.telegram.languages[14004] = language
    user = bot.user(14004)
    await to_amount(user, token="Lightning")
    assert question in user.last_text and "How much sats" not in user.last_text
    await user.send("1500.5")
    assert whole in user.last_text
    await user.send("10k")
    sep = {"en": ",", "sw": ",", "fr": "\u202f"}[language]
    assert f"<b>10{sep}000 sats</b>" in user.last_text
    assert f"1{sep}000 sats = " in user.last_text and "1 sat =" not in user.last_text
    await user.send("0.0002 BTC")  # typed on the quote screen: quoted again, in sats
    assert f"<b>20{sep}000 sats</b>" in user.last_text


def question(user: User) -> str:
    return user.last_with_buttons().text or ""


async def test_the_token_first_then_its_network_and_no_network_step_for_a_single_one(bot: Harness) -> None:
    user = bot.user(14010)
    await user.send("/cashout")
    await user.press("Kenya")
    tokens = user.buttons(user.last_with_buttons())
    assert len(tokens) <= 10 and "USDT" in tokens and not any("·" in b for b in tokens)
    await user.press("USDT")
    assert "Which network will you send USDT on" in question(user)
    assert "Tron" in user.buttons(user.last_with_buttons())
    await user.press("Back")
    assert "Which crypto" in question(user)
    await user.press("CUSD")  # one network (Celo): straight to the amount
    assert "How much CUSD" in question(user)


async def test_back_returns_to_each_previous_question_with_its_answer_kept(bot: Harness) -> None:
    user = bot.user(14011)
    await to_recipient(user)
    await user.press("Mobile money")
    await user.send("⬅️ Back")  # the Back of the share-my-number keyboard
    assert "Who gets the money" in question(user)
    await mpesa_recipient(user)
    assert "Which wallet will you send from" in question(user)
    await user.press("Back")  # to the recipient's number (the name check is passed over)
    assert "number" in user.last_text.lower()
    await user.send("⬅️ Back")
    assert "Who gets the money" in question(user)
    await user.press("Back")
    assert "Your quote" in question(user) and "<b>10 USDT</b>" in question(user)  # the amount kept
    await user.press("Back")
    assert "How much USDT" in question(user)
    await user.press("Back")
    assert "Which network" in question(user) and "✓ Tron" in user.buttons(user.last_with_buttons())
    await user.press("Back")
    assert "✓ USDT" in user.buttons(user.last_with_buttons())
    await user.press("Back")
    assert "✓ 🇰🇪 Kenya (KES)" in user.buttons(user.last_with_buttons())
    assert "⬅️ Back" not in user.buttons(user.last_with_buttons())  # the first question
    await user.press("Kenya")
    await user.press("USDT · Tron")
    await user.send("12")
    assert "<b>12 USDT</b>" in question(user)
    assert not any("did not understand" in (m.text or "") for m in user.chat)


@pytest.mark.parametrize("language", ["en", "sw", "fr"])
async def test_back_and_cancel_work_at_every_step_in_every_language(bot: Harness, language: str) -> None:
    bot.telegram.languages[14012] = language
    user = bot.user(14012)
    await to_amount(user)
    await user.send("10")
    await user.press_data("c:q:ok")
    await user.press_data("c:rk:mobile_money")
    await user.send("0700000001")
    if "c:hn:yes" in str(user.last_with_buttons().reply_markup):
        await user.press_data("c:hn:yes")
    else:
        await user.send("Jane Doe")
    await user.send(TRON_WALLET)
    summary = question(user)
    await user.press_data("c:back")
    await user.send(TRON_WALLET)
    assert question(user) == summary
    await user.press_data("c:x")
    assert not any("🤔" in (m.text or "") for m in user.chat)
    assert await bot.services.storage.offramps.for_user(14012) == []


async def test_edit_on_the_summary_changes_one_thing_and_comes_back(bot: Harness) -> None:
    user = bot.user(14013)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.send(TRON_WALLET)
    await user.press("Edit")
    assert "What would you like to change" in question(user)
    await user.press("Amount")
    await user.send("25")
    await user.press("Confirm")  # the quote: straight back to the summary, recipient and address kept
    assert "Please check and confirm" in question(user) and "<b>25 USDT</b>" in question(user)
    assert "M-PESA" in question(user) and "TJWXuP" in question(user)
    await user.press("Edit")
    await user.press("Recipient")
    await user.press("Mobile money")
    await user.send("0700000002")
    await user.press("Yes")
    assert "Please check and confirm" in question(user) and "002" in question(user)
    await user.press("Edit")
    await user.press("Sender address")
    await user.send("TLyqzVGLV1srkB7dToTAEqgDSfPtXRJZYH")
    assert "TLyqzV" in question(user)
    await user.press("Edit")
    await user.press("Back")
    assert "Please check and confirm" in question(user)
    await user.press("Confirm")
    [offramp] = await bot.services.storage.offramps.for_user(14013)
    assert offramp.crypto_amount == 25 and offramp.sender_address == "TLyqzVGLV1srkB7dToTAEqgDSfPtXRJZYH"


async def test_language_in_the_middle_keeps_the_cash_out_and_asks_again_in_the_new_language(bot: Harness) -> None:
    user = bot.user(14014)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.send("/language")
    await user.press("Français")
    assert "Depuis quel portefeuille" in user.last_text or "portefeuille" in user.last_text
    await user.send(TRON_WALLET)
    assert "Vérifiez et confirmez" in question(user) and "<b>10 USDT</b>" in question(user)
    await user.press("Confirmer")
    assert len(await bot.services.storage.offramps.for_user(14014)) == 1


async def test_recipients_are_saved_when_delivered_or_chosen_never_when_cancelled(bot: Harness) -> None:
    user = bot.user(14020)
    cancelled = await full_cashout(user, phone="0700000001")
    await user.press_data(f"t:cx:{cancelled}")
    await user.press_data(f"t:cxy:{cancelled}")
    assert await bot.services.storage.recipients.for_owner(14020) == []
    await to_recipient(user)
    assert not any("+254" in b for b in user.buttons(user.last_with_buttons()))  # not offered
    await mpesa_recipient(user, "0700000002")
    await user.send(TRON_WALLET)
    await user.press("Save recipient")
    assert "will be kept" in question(user) and "Save recipient" not in str(user.last_with_buttons().reply_markup)
    await user.press("Confirm")
    [kept] = await bot.services.storage.recipients.for_owner(14020)
    assert kept.destination == "+254700000002"


async def test_saved_recipients_keep_their_order_and_can_be_renamed_and_deleted(bot: Harness) -> None:
    user = bot.user(14021)
    await deliver(bot, await full_cashout(user, phone="0700000001"))
    await deliver(bot, await full_cashout(user, phone="0700000002"))
    await to_recipient(user)
    await user.press("+254700000001")  # the first one used again: the order stays
    await user.send(TRON_WALLET)
    await user.press("Confirm")
    await deliver(bot, (await bot.services.storage.offramps.for_user(14021))[0].reference_id)
    saved = await bot.services.storage.recipients.for_owner(14021)
    assert [r.destination[-3:] for r in saved] == ["001", "002"]
    await user.send("/start")
    await user.press("Saved recipients")
    assert "rename or delete" in question(user)
    assert next(b for b in user.buttons(user.last_with_buttons()) if "+254" in b).endswith(
        "001 (Jane M. D.)"
    )  # in full: the owner's own private chat
    await user.press("001")
    await user.press("Rename")
    await user.send("Mum")
    assert any("Renamed: 🇰🇪 Mum · M-PESA" in (m.text or "") for m in user.chat[-3:])
    await to_recipient(user)
    assert any(b.startswith("Mum · M-PESA") for b in user.buttons(user.last_with_buttons()))
    await user.send("/cancel")
    await user.send("/start")
    await user.press("Saved recipients")
    await user.press("002")
    await user.press("Delete")
    await user.press("Yes, delete")
    assert "was deleted" in " ".join(m.text or "" for m in user.chat[-3:])
    assert [r.nickname for r in await bot.services.storage.recipients.for_owner(14021)] == ["Mum"]


async def test_send_again_repeats_a_cash_out_at_a_fresh_quote_in_two_taps(bot: Harness) -> None:
    user = bot.user(14030)
    first = await full_cashout(user, amount="12")
    await deliver(bot, first)
    await user.press_data(f"c:again:{first}")  # the Send again button of a past cash-out
    summary = question(user)
    assert "Same cash-out again" in summary and "<b>12 USDT</b>" in summary
    assert "M-PESA +254700000001" in summary and "TJWXuP" in summary  # the owner sees their own details in full
    await user.press("Confirm")
    second, _ = await bot.services.storage.offramps.for_user(14030)
    assert second.reference_id != first and second.crypto_amount == 12
    assert second.sender_address == TRON_WALLET and second.chain == "TRON" and second.token == "USDT"
    state = await bot.sandbox.state(second.reference_id)
    assert state["offramp"]["senderAddress"] == TRON_WALLET


async def test_send_again_is_only_for_the_owner_and_back_works_from_its_summary(bot: Harness) -> None:
    owner, stranger = bot.user(14031), bot.user(14032)
    reference = await full_cashout(owner)
    await stranger.send("/start")
    await stranger.press_data(f"c:again:{reference}")
    assert "cannot be repeated" in stranger.last_text
    assert await bot.services.storage.offramps.for_user(14032) == []
    await owner.press_data(f"c:again:{reference}")
    await owner.press("Back")
    assert "Which wallet will you send from" in question(owner)
    await owner.press("TJWXuP")  # the saved sender address, one tap
    assert "Please check and confirm" in question(owner)


async def test_the_last_token_and_network_are_offered_first_next_time(bot: Harness) -> None:
    user = bot.user(14040)
    await to_recipient(user, token="USDC · Polygon")
    await mpesa_recipient(user)
    await user.send(POLYGON_WALLET)
    await user.press("Confirm")
    await user.send("/cashout")
    await user.press("Kenya")
    assert user.buttons(user.last_with_buttons())[0] == "USDC"
    await user.press("USDC")
    assert user.buttons(user.last_with_buttons())[0] == "Polygon"


async def test_an_expired_quote_still_offers_back_and_cancel(bot: Harness) -> None:
    user = bot.user(14041)
    await to_amount(user)
    await user.send("10")
    bot.clock.advance(3600)
    await user.press("Confirm")
    assert "⬅️ Back" in user.buttons(user.last_with_buttons()) and "✖️ Cancel" in user.buttons(user.last_with_buttons())
    await user.press("Cancel")
    assert "nothing was created" in user.last_text
