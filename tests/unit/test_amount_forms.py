"""Amounts as people type them into a Lightning wallet, and forms that are not amounts (#14 item 7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from offramps.rules.amounts import AmountError, parse_amount, parse_sats


@pytest.mark.parametrize(
    ("text", "sats"),
    [("5000", 5000), ("5,000", 5000), ("5000 sats", 5000), ("10k", 10000), ("10K", 10000), ("1.5k", 1500),
     ("10k sats", 10000), ("0.0001 BTC", 10000), ("0.0001btc", 10000), ("0.00012345 BTC", 12345)],
)  # fmt: skip
def test_sats_as_wallets_show_them(text: str, sats: int) -> None:
    assert parse_sats(text) == Decimal(sats)


def test_sats_with_a_decimal_comma_where_the_language_writes_one() -> None:
    assert parse_sats("1,5k", decimal_comma=True) == Decimal(1500)
    assert parse_sats("0,0001 BTC", decimal_comma=True) == Decimal(10000)


@pytest.mark.parametrize("text", ["10.5", "1.2345k", "0.000000001 BTC"])
def test_a_fraction_of_a_sat_says_how_to_write_sats(text: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_sats(text)
    assert caught.value.key in ("amount_sats_whole", "amount_decimals")


@pytest.mark.parametrize("text", ["1e3", "1E3", "2.5e2", "1e-3"])
def test_an_exponent_is_asked_as_digits(text: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, decimals=6, unit="USDT")
    assert caught.value.key == "amount_digits"
