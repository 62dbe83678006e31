"""The cash-out as a person moves through it: amounts, Back and Edit, choices remembered,
saved recipients, send again (issue #14 items 4, 7, 8, 9)."""

from __future__ import annotations

import pytest

from tests.e2e.flows import TRON_WALLET, mpesa_recipient, to_amount, to_recipient
from tests.e2e.harness import Harness


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
