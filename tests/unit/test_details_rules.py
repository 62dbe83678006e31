"""Pure rules behind issue #14 item 10: recognisable names within a daily allowance, the
corridor's local time, recipients in full only for their owner."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from offramps.rules.explorers import explorer_link
from offramps.rules.local_time import corridor_zone
from offramps.rules.names import may_show_name
from offramps.rules.qr import deposit_qr_payload
from ui.texts import use_language
from ui.views import recipient_label, recognisable_name, when


def test_a_registered_name_is_recognisable_not_complete() -> None:
    assert recognisable_name("JANE MARY DOE") == "Jane M. D."
    assert recognisable_name("robert smith") == "Robert S."
    assert recognisable_name("J*** D**") == "J*** D**"  # masked by the provider: as it came


def test_names_are_recognisable_for_a_few_numbers_a_day_then_initials_only() -> None:
    memory: dict[str, object] = {}
    today = date(2026, 12, 3)
    assert all(may_show_name(memory, f"+2547000000{n:02d}", today) for n in range(5))
    assert may_show_name(memory, "+254700000003", today)  # the same number again is free
    assert not may_show_name(memory, "+254700000099", today)  # a sixth number: initials only
    assert "+254700000001" not in str(memory)  # numbers kept as hashes only
    assert may_show_name(memory, "+254700000099", date(2026, 12, 4))  # a new day


def test_times_are_the_corridors_local_time_with_its_zone_name() -> None:
    use_language("en")
    noon = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert when(noon, "KES") == "3 Dec 15:00 EAT (UTC+3)"
    assert when(noon, "ZMW") == "3 Dec 14:00 CAT (UTC+2)"
    assert when(noon, "NGN") == "3 Dec 13:00 WAT (UTC+1)"
    assert when(noon, "GHS") == "3 Dec 12:00 GMT"
    assert when(noon) == "3 Dec 12:00 UTC"  # no corridor known: UTC, and saying so
    assert corridor_zone("UGX")[1] == "EAT (UTC+3)"
    use_language("fr")
    assert when(noon, "XAF") == "3 déc. 13:00 WAT (UTC+1)"
    use_language("en")


def test_a_recipient_is_in_full_only_when_asked_for() -> None:
    typed = {"kind": "mobile_money", "destination": "+254712345678", "network": "MPESA", "holder_name": "Jane Doe"}
    registered = {**typed, "holder_name": "JANE MARY DOE"}
    assert recipient_label(typed) == "M-PESA +254******678 (J*** D**)"
    assert recipient_label(typed, full=True) == "M-PESA +254712345678 (Jane Doe)"
    assert recipient_label(registered, full=True) == "M-PESA +254712345678 (Jane M. D.)"
    bank = {"kind": "bank", "destination": "1000000001", "bank_name": "Equity Bank", "holder_name": "Jane Doe"}
    assert recipient_label(bank) == "Equity Bank ******0001 (J*** D**)"
    assert recipient_label(bank, full=True) == "Equity Bank 1000000001 (Jane Doe)"


def test_a_transaction_hash_links_to_its_chains_explorer_from_one_table() -> None:
    tron_hash = "a" * 64
    assert explorer_link("TRON", tron_hash) == ("Tronscan", f"https://tronscan.org/#/transaction/{tron_hash}")
    assert explorer_link("POLYGON", "0x" + "b" * 64) == ("PolygonScan", "https://polygonscan.com/tx/0x" + "b" * 64)
    assert explorer_link("LIGHTNING", "c" * 64) is None  # a payment hash is on no public explorer
    assert explorer_link("TRON", 'x" onclick="') is None  # nothing odd ever goes into a link
    assert explorer_link("NOSUCHCHAIN", tron_hash) is None
    assert explorer_link("TRON", None) is None


def test_a_solana_deposit_qr_is_a_solana_pay_request_with_the_amount_and_tron_keeps_the_address() -> None:
    escrow = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
    assert deposit_qr_payload("SOLANA", "USDC", escrow, Decimal("10.50")) == (
        f"solana:{escrow}?amount=10.5&spl-token=EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
    )
    assert deposit_qr_payload("SOLANA", "USDT", escrow, Decimal(7)) == (
        f"solana:{escrow}?amount=7&spl-token=Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"
    )
    assert deposit_qr_payload("SOLANA", "USDC", escrow, Decimal("0.0000001")) == escrow  # finer than the mint
    tron = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    assert deposit_qr_payload("TRON", "USDT", tron, Decimal(10)) == tron  # no wallet standard: see qr.py


def test_a_lightning_card_copies_the_invoice_only_when_telegram_can_carry_it() -> None:
    from dataclasses import replace

    from storage.models import OfframpRecord
    from ui.deposit import copy_buttons

    now = datetime(2026, 1, 1, tzinfo=UTC)
    offramp = OfframpRecord(
        "tg-1-abc", 1, 1, None, 1, None, "MSAT", "LIGHTNING", Decimal(1500000), "KES", None, None, None,
        "lnbc15u1" + "q" * 200, None, "PENDING", "PENDING", None, None, False, None, None, None, None, None, now, now,
        None,
    )  # fmt: skip
    use_language("en")
    texts = {b.text: b.copy_text.text for row in copy_buttons(offramp) for b in row if b.copy_text}
    assert texts == {"📋 Copy invoice": "lnbc15u1" + "q" * 200, "📋 Copy reference": "tg-1-abc"}
    long_invoice = replace(offramp, escrow_address="lnbc15u1" + "q" * 300)  # over 256: tap-to-copy on the card
    assert [b.text for row in copy_buttons(long_invoice) for b in row] == ["📋 Copy reference"]
