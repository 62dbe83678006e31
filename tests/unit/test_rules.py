"""Amount parsing, phone normalisation and QR payloads (pure rules)."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kotani.chains import to_checksum_address
from offramps.rules.amounts import AmountError, format_amount, parse_amount
from offramps.rules.phones import PhoneError, normalise_phone
from offramps.rules.qr import TOKEN_CONTRACTS, deposit_qr_payload


@pytest.mark.parametrize(
    ("text", "value"),
    [("10", "10"), ("10.5", "10.5"), ("1,000", "1000"), ("1 000", "1000"), ("1,000,000.25", "1000000.25"),
     (" 12 usdt", "12"), ("0.000001", "0.000001"), (".5", "0.5")],
)  # fmt: skip
def test_amounts_people_type(text: str, value: str) -> None:
    assert parse_amount(text, decimals=6, unit="USDT") == Decimal(value)


@pytest.mark.parametrize(
    "text", ["0", "-1", "abc", "1e5", "NaN", "Infinity", "10,5", "1,00", "", "1.2.3", "10.1234567"]
)
def test_amounts_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text, decimals=6, unit="USDT")


@given(st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("1000000"), places=6))
def test_any_written_amount_reads_back(amount: Decimal) -> None:
    assert parse_amount(format_amount(amount, "USDT"), decimals=6, unit="USDT") == amount


@given(st.text(max_size=30))
def test_parsing_never_crashes(text: str) -> None:
    with contextlib.suppress(AmountError):
        assert parse_amount(text, decimals=6, unit="USDT") > 0


@pytest.mark.parametrize(
    ("typed", "country", "e164", "network"),
    [
        ("0712 345 678", "KE", "+254712345678", "MPESA"),
        ("+254 733 123456", "KE", "+254733123456", "AIRTEL"),
        ("254712345678", "KE", "+254712345678", "MPESA"),
        ("0244 123 456", "GH", "+233244123456", "MTN"),
        ("00256772123456", "UG", "+256772123456", "MTN"),
    ],
)
def test_phone_normalisation_and_network(typed: str, country: str, e164: str, network: str) -> None:
    phone = normalise_phone(typed, country, ("MPESA", "AIRTEL", "MTN", "VODAFONE"))
    assert (phone.e164, phone.network) == (e164, network)


@given(st.text(max_size=25))
def test_phone_parsing_never_crashes(text: str) -> None:
    with contextlib.suppress(PhoneError):
        assert normalise_phone(text, "KE").e164.startswith("+254")


def test_known_token_contracts_are_checksummed() -> None:
    for contract, _ in TOKEN_CONTRACTS.values():
        assert to_checksum_address(contract) == contract


def test_qr_payloads() -> None:
    escrow = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    assert deposit_qr_payload("ETHEREUM", "USDT", escrow, Decimal("10.5")) == (
        "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7@1/transfer"
        "?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=10500000"
    )
    assert deposit_qr_payload("CELO", "CKES", escrow, Decimal(1)) == escrow  # contract unknown: bare address
    assert (
        deposit_qr_payload("TRON", "USDT", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", Decimal(1))
        == "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    )
    assert deposit_qr_payload("LIGHTNING", "MSAT", "lnbc15u1abc", Decimal(1500000)) == "lightning:LNBC15U1ABC"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10,5", "10.5"), ("1 000,5", "1000.5"), ("1\u202f000", "1000"), ("10.5", "10.5"), ("1,500", "1.5"), ("7", "7")],
)
def test_amounts_are_read_with_a_decimal_comma_where_the_language_writes_one(text: str, expected: str) -> None:
    assert parse_amount(text, decimals=6, unit="USDT", decimal_comma=True) == Decimal(expected)


def test_an_amount_two_readings_apart_is_asked_back_never_guessed() -> None:
    with pytest.raises(AmountError) as asked:
        parse_amount("1.500", decimals=6, unit="USDT", decimal_comma=True)
    assert asked.value.key == "amount_ambiguous" and asked.value.values["grouped"] == "1500"
    assert asked.value.values["decimal"] == "1,5"


def test_an_amount_with_too_many_digits_is_refused_politely() -> None:
    with pytest.raises(AmountError) as refused:
        parse_amount("1234567890123456789012345", decimals=6, unit="USDT")
    assert refused.value.key == "amount_too_long"


def test_an_invoice_that_expires_too_soon_is_not_called_expired() -> None:
    """Found by a stranger: a valid 10-minute invoice was refused as 'expired'."""
    from datetime import UTC, datetime

    from kotani_sandbox.lightning import make_invoice
    from offramps.rules.invoices import InvoiceProblem, check_refund_invoice

    now = datetime(2026, 1, 1, tzinfo=UTC)
    ten_minutes = make_invoice(1_500_000, network="bc", created_at=int(now.timestamp()), expiry=600, description="r")
    with pytest.raises(InvoiceProblem) as refused:
        check_refund_invoice(ten_minutes, amount_msat=1_500_000, network="bc", now=now, valid_for_seconds=3600)
    assert refused.value.key == "invoice_too_short" and refused.value.values["minutes"] == 60
    past = make_invoice(1_500_000, network="bc", created_at=int(now.timestamp()) - 7200, expiry=600, description="r")
    with pytest.raises(InvoiceProblem) as expired:
        check_refund_invoice(past, amount_msat=1_500_000, network="bc", now=now, valid_for_seconds=3600)
    assert expired.value.key == "invoice_expired"


def test_token_contracts_are_known_on_every_chain_people_cash_out_from() -> None:
    from kotani.chains import Chain
    from offramps.rules.addresses import is_token_contract

    assert is_token_contract(Chain.TRON, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert is_token_contract(Chain.POLYGON, "0xc2132d05d31c914a87c6611c10748aeb04b58e8f")  # any letter case
    assert is_token_contract(Chain.SOLANA, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
    assert not is_token_contract(Chain.TRON, "TJWXuPnMd5noaCaJw6EmHHyED9iH4Rr5Up")
