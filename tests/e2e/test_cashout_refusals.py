"""Every refusal of amounts (issue item 2.3) and recipients (2.5): a clear message, and the
user stays where they were."""

from __future__ import annotations

import pytest

from tests.e2e.flows import to_amount, to_recipient
from tests.e2e.harness import Harness


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("ten", "not a number"),
        ("1e3", "in digits"),
        ("10,5", "use a dot for decimals"),
        ("10.1234567", "at most 6 decimal places"),
        ("0.5", "between 100 KES (≈ 0.78 USDT) and 250,000 KES (≈ 1,930.5 USDT)"),
        ("5000", "between 100 KES"),
    ],
)
async def test_bad_amounts_are_refused_and_the_user_can_type_again(bot: Harness, typed: str, says: str) -> None:
    user = bot.user(2001)
    await to_amount(user)
    await user.send(typed)
    assert says in user.last_text
    [quote] = await user.send("10")
    assert "Your quote" in (quote.text or "")


@pytest.mark.parametrize("typed", ["1,000", "1 000", "1000"])
async def test_grouped_amounts_are_accepted(bot: Harness, typed: str) -> None:
    user = bot.user(2002)
    await to_amount(user)
    await user.press("Amount in KES")
    assert "How much should the recipient get in KES" in user.last_text
    [quote] = await user.send(typed)
    assert "Recipient gets: <b>1,000 KES</b>" in (quote.text or "")
    assert "You send: <b>7.8796 USDT</b>" in (quote.text or "")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("12345", "not valid"),
        ("hello", "does not look like a phone number"),
        ("+256700000001", "from Uganda, not Kenya"),
        ("0700000003", "cannot receive money"),  # Kotani: NOT_FOUND
        ("020 2222222", "not a mobile number"),
    ],
)
async def test_bad_phone_numbers_are_refused(bot: Harness, typed: str, says: str) -> None:
    user = bot.user(2003)
    await to_recipient(user)
    await user.press("Mobile money")
    await user.send(typed)
    assert any(says in (m.text or "") for m in user.chat[-3:]), [m.text for m in user.chat[-3:]]
    await user.send("0700000002")
    assert "registered for this number: <b>Robert J. S.</b>" in user.last_text


async def test_number_typed_internationally_without_plus_and_shared_contact(bot: Harness) -> None:
    user = bot.user(2004)
    await to_recipient(user)
    await user.press("Mobile money")
    share = next(m for m in reversed(user.chat) if m.reply_markup and "keyboard" in m.reply_markup)
    assert share.reply_markup["keyboard"][0][0]["request_contact"] is True  # type: ignore[index]
    await user.share_contact("254700000001")
    assert "registered for this number: <b>Jane M. D.</b>" in user.last_text
    await user.press("No, change it")
    await user.send("254700000002")
    assert "Robert J. S." in user.last_text


async def test_a_number_whose_name_cannot_be_looked_up_asks_for_the_name(bot: Harness) -> None:
    user = bot.user(2005)
    await to_recipient(user)
    await user.press("Mobile money")
    await user.send("0711 222 333")
    assert "full name" in user.last_text
    await user.send("J4ne")
    assert "with letters" in user.last_text
    await user.send("Jane Wanjiru")
    assert "Which wallet will you send from" in user.last_text


async def test_bad_refund_address_is_refused(bot: Harness) -> None:
    user = bot.user(2006)
    await to_recipient(user)
    await user.press("Mobile money")
    await user.send("0700000001")
    await user.press("Yes")
    await user.send("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert "not a valid Tron address (34 characters starting with T)" in user.last_text
    await user.send("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6x")  # checksum typo
    assert "wrong character somewhere" in user.last_text  # the right shape, a typo: said so
    await user.send("TJWXuPnMd5noaCaJw6EmHHyED9iH4Rr5Up")
    assert "Please check and confirm" in user.last_text


async def test_the_network_is_asked_when_the_number_does_not_tell_it(bot: Harness) -> None:
    user = bot.user(2007)
    await to_recipient(user)
    await user.press("Mobile money")
    await user.send("0770 123 456")  # a Telkom number: neither M-PESA nor Airtel
    assert "Which mobile money network" in user.last_text
    await user.press_data("c:net:MTN")  # not a Kenyan network
    assert "Which mobile money network" in user.last_text
    await user.press("Airtel Money")
    assert "full name" in user.last_text
