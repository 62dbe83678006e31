"""Webhook refusals carry distinct reasons; every event of spec §7, §8.2–8.3 parses to one type."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from kotani.signing import webhook_signature
from kotani.status import OfframpStatus, RefundStatus
from kotani.webhooks import RefusalReason, WebhookRefused, parse_webhook

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


def test_direct_callback_is_accepted_only_without_a_secret() -> None:
    body = json.dumps({"referenceId": "d1", "status": "SUCCESS", "fiatTransactionAmount": 1279}).encode()
    event = parse_webhook(body, {}, [])
    assert event.status is OfframpStatus.SUCCESSFUL
    assert event.raw_status == "SUCCESS"
    assert not event.signed
    with pytest.raises(WebhookRefused) as refused:
        parse_webhook(body, {}, [SECRET])
    assert refused.value.reason is RefusalReason.MISSING_SIGNATURE


@pytest.mark.parametrize(
    ("raw", "headers", "reason"),
    [
        (b"{not json", {"x-kotani-signature": "sha256=00"}, RefusalReason.MALFORMED_JSON),
        (b"[1,2]", {}, RefusalReason.UNKNOWN_SHAPE),
        (b'{"event":"settlement.approved","data":{"referenceId":"x"}}', {}, RefusalReason.UNKNOWN_SHAPE),
        (b'{"status":"SUCCESS"}', {}, RefusalReason.UNKNOWN_SHAPE),
    ],
)
def test_refusals_have_distinct_reasons(raw: bytes, headers: dict[str, str], reason: RefusalReason) -> None:
    with pytest.raises(WebhookRefused) as refused:
        parse_webhook(raw, headers, [SECRET] if headers else [])
    assert refused.value.reason is reason
    assert refused.value.http_status == 400


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
