"""Webhook refusals carry distinct reasons; every event of spec §7, §8.2–8.3 parses to one type."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from kotani.signing import webhook_signature
from kotani.status import OfframpStatus, RefundStatus
from kotani.webhooks import RefusalReason, WebhookHint, WebhookRefused, parse_hint, parse_webhook

SECRET = "whsec_test_5f2b8c1d9e"


def signed(event: str, data: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    from kotani.jsonjs import js_stringify

    unsigned = js_stringify({"event": event, "data": data})
    signature = webhook_signature(secret, {"event": event, "data": data})
    raw = (unsigned[:-1] + f',"signature":"{signature}"}}').encode()
    return raw, {"x-kotani-signature": signature, "x-kotani-event": event}


def test_offramp_status_event() -> None:
    raw, headers = signed(
        "transaction.offramp.status.updated",
        {"referenceId": "tg-1", "status": "FAILED", "onchainStatus": "SUCCESSFUL", "fiatTransactionAmount": 0,
         "cryptoAmount": 10.5, "fiatCurrency": "KES", "onchainError": {},
         "transactionError": "Recipient mobile number is not registered"},
    )  # fmt: skip
    event = parse_webhook(raw, headers, [SECRET])
    assert event.reference_id == "tg-1"
    assert event.status is OfframpStatus.FAILED
    assert event.crypto_amount == Decimal("10.5")
    assert event.error == "Recipient mobile number is not registered"
    assert event.signed
    assert event.dedupe_key == "transaction.offramp.status.updated|tg-1|FAILED|"


def test_refund_events() -> None:
    completed = parse_webhook(
        *signed("refund.completed", {"referenceId": "r", "status": "REVERSED", "refundStatus": "SUCCESSFUL",
                                     "refundTransactionHash": "0xabc", "refundAmount": 10}),
        [SECRET],
    )  # fmt: skip
    assert completed.status is OfframpStatus.REVERSED
    assert completed.refund_transaction_hash == "0xabc"
    failed = parse_webhook(
        *signed("refund.failed", {"referenceId": "r", "refundStatus": "FAILED", "error": "gas", "totalRetries": 10}),
        [SECRET],
    )
    assert failed.status is OfframpStatus.REFUND_FAILED
    assert failed.total_retries == 10
    assert failed.error == "gas"


def test_lightning_invoice_needed_event() -> None:
    event = parse_webhook(
        *signed("refund.lightning.invoice_needed", {"referenceId": "ln", "status": "FAILED", "refundStatus": "INVOICE_NEEDED",
                                                    "refundAmount": 1500000, "refundAmountSats": 1500, "requiresAction": True}),
        [SECRET],
    )  # fmt: skip
    assert event.needs_lightning_invoice
    assert event.status is OfframpStatus.REFUND_PENDING
    assert event.refund_status is RefundStatus.INVOICE_NEEDED
    assert event.refund_amount_sats == 1500


def test_an_unsigned_callback_is_only_a_hint_naming_the_offramp() -> None:
    # Without a secret nothing authenticates the body: only the reference is read from it.
    direct = json.dumps({"referenceId": "d1", "status": "SUCCESS", "fiatTransactionAmount": 1279}).encode()
    assert parse_hint(direct) == WebhookHint("d1")
    envelope = json.dumps({"event": "refund.completed", "data": {"referenceId": "d2", "status": "REVERSED"}}).encode()
    assert parse_hint(envelope) == WebhookHint("d2")
    with pytest.raises(WebhookRefused) as refused:
        parse_webhook(direct, {}, [SECRET])
    assert refused.value.reason is RefusalReason.MISSING_SIGNATURE


@pytest.mark.parametrize(
    "body",
    [
        b'{"status":"SUCCESS"}',
        b'{"referenceId":7}',
        b'{"referenceId":["tg-1"]}',
        b'{"referenceId":""}',
        b'{"referenceId":"tg-1\\n"}',
        ('{"referenceId":"' + "r" * 129 + '"}').encode(),
        b'{"referenceId":"tg-1","referenceId":"tg-2"}',
        b"[]",
        b'"tg-1"',
        b"null",
    ],
)
def test_a_hint_without_one_plain_reference_is_refused_with_400(body: bytes) -> None:
    with pytest.raises(WebhookRefused) as refused:
        parse_hint(body)
    assert refused.value.http_status == 400


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", RefusalReason.MALFORMED_JSON),
        (b"[1,2]", RefusalReason.UNKNOWN_SHAPE),
        (b'{"event":"settlement.approved","data":{"referenceId":"x"}}', RefusalReason.UNKNOWN_SHAPE),
        (b'{"status":"SUCCESS"}', RefusalReason.UNKNOWN_SHAPE),
        (b"[" * 100_000 + b"]" * 100_000, RefusalReason.MALFORMED_JSON),
        (b'{"event":"x","data":{"n":' + b"9" * 5000 + b"}}", RefusalReason.MALFORMED_JSON),
        (b'{"event":"x","data":{"n":NaN}}', RefusalReason.MALFORMED_JSON),
        (b'{"event":"x","event":"y","data":{}}', RefusalReason.MALFORMED_JSON),
    ],
)
def test_refusals_have_distinct_reasons(raw: bytes, reason: RefusalReason) -> None:
    with pytest.raises(WebhookRefused) as refused:
        parse_webhook(raw, {"x-kotani-signature": "sha256=" + "0" * 64}, [SECRET])
    assert refused.value.reason is reason
    assert refused.value.http_status == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", 1),
        ("status", ["SUCCESSFUL"]),
        ("status", {"value": "SUCCESSFUL"}),
        ("status", True),
        ("refundStatus", 3),
        ("onchainStatus", []),
        ("referenceId", 12),
        ("cryptoAmount", "ten"),
        ("cryptoAmount", True),
        ("cryptoAmount", [10]),
        ("fiatTransactionAmount", "1_279"),
        ("fiatTransactionAmount", "NaN"),
        ("totalRetries", "10"),
        ("totalRetries", 1.5),
        ("totalRetries", False),
        ("requiresAction", "yes"),
        ("transactionError", 42),
        ("transactionHash", {"hash": "0x1"}),
        ("escrowAddress", ["T..."]),
        ("fiatCurrency", 404),
    ],
)
def test_a_signed_field_of_the_wrong_type_is_refused_with_400(field: str, value: object) -> None:
    data: dict[str, Any] = {"referenceId": "tg-1", "status": "SUCCESSFUL", field: value}
    raw, headers = signed("transaction.offramp.status.updated", data)
    with pytest.raises(WebhookRefused) as refused:
        parse_webhook(raw, headers, [SECRET])
    assert refused.value.http_status == 400
    assert refused.value.reason is RefusalReason.BAD_FIELD


def test_contract_types_that_vary_are_all_accepted() -> None:
    # amounts as numbers or numeric strings; errors as strings or objects (design.md §9)
    raw, headers = signed(
        "transaction.offramp.status.updated",
        {"referenceId": "tg-1", "status": "FAILED", "cryptoAmount": "10.5", "fiatAmount": 1305,
         "fiatTransactionAmount": 0, "onchainError": {}, "transactionError": {"message": "Account not found"},
         "refundStatus": None, "requiresAction": False},
    )  # fmt: skip
    event = parse_webhook(raw, headers, [SECRET])
    assert event.crypto_amount == Decimal("10.5") and event.fiat_amount == Decimal(1305)
    assert event.error == "Account not found"


def test_the_body_signature_must_be_64_hex_digits_and_the_header_too() -> None:
    data = {"referenceId": "tg-1", "status": "SUCCESSFUL"}
    raw, headers = signed("transaction.offramp.status.updated", data)
    signature = headers["x-kotani-signature"]
    for bad_member in (signature[:-1], signature.upper(), 7, None, signature + "0"):
        body = json.dumps({"event": "transaction.offramp.status.updated", "data": data, "signature": bad_member})
        with pytest.raises(WebhookRefused) as refused:
            parse_webhook(body.encode(), headers, [SECRET])
        assert refused.value.http_status == 400, bad_member
    for bad_header in (signature[:-1], "sha256=" + signature[7:].upper(), signature[7:], "sha1=" + signature[7:]):
        with pytest.raises(WebhookRefused) as refused:
            parse_webhook(raw, {"x-kotani-signature": bad_header}, [SECRET])
        assert refused.value.http_status == 401, bad_header
    assert parse_webhook(raw, {"x-kotani-signature": f"  {signature} "}, [SECRET]).reference_id == "tg-1"


def test_the_reshaped_signature_attack_of_issue_12_is_refused() -> None:
    """Keep a genuine body up to ``,"signature":"sha256=`` and replace the 64 hex digits and
    the end with a second ``event``: same length, and it used to pass as refund.completed."""
    raw, headers = signed("transaction.offramp.status.updated", {"referenceId": "tg-1", "status": "PENDING"})
    forged = reshaped_attack(raw)
    assert len(forged) == len(raw)
    with pytest.raises(WebhookRefused) as refused:
        parse_webhook(forged, headers, [SECRET])
    assert refused.value.http_status in (400, 401)


def reshaped_attack(raw: bytes) -> bytes:
    marker = b',"signature":"sha256='
    keep = raw[: raw.index(marker) + len(marker)]
    return keep + b'","event":"refund.completed","' + b"k" * 31 + b'":""}'


def test_bad_signature_and_wrong_secret_are_refused_with_401() -> None:
    raw, headers = signed(
        "transaction.offramp.status.updated", {"referenceId": "x", "status": "SUCCESSFUL"}, "whsec_other"
    )
    with pytest.raises(WebhookRefused) as refused:
        parse_webhook(raw, headers, [SECRET])
    assert refused.value.reason is RefusalReason.BAD_SIGNATURE
    assert refused.value.http_status == 401
    # during rotation the old secret still verifies
    assert parse_webhook(raw, headers, [SECRET, "whsec_other"]).reference_id == "x"
