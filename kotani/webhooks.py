"""Verify and parse what Kotani POSTs to us (spec §7, §8) into one typed event.

Two delivery modes exist: a signed envelope ``{event, data, signature}`` with
``X-Kotani-*`` headers when a webhook secret is configured, and a direct callback whose body
is the offramp itself when none is. We accept direct callbacks only when no secret is
configured: otherwise anyone who learns the URL could forge a SUCCESS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kotani.jsonjs import loads_exact
from kotani.models import error_text, to_decimal
from kotani.signing import verify_webhook_signature
from kotani.status import OfframpStatus, RefundStatus, effective_status

SIGNATURE_HEADER = "x-kotani-signature"
EVENT_HEADER = "x-kotani-event"
INTEGRATOR_HEADER = "x-kotani-integrator"

OFFRAMP_STATUS_EVENT = "transaction.offramp.status.updated"
GENERIC_STATUS_EVENT = "transaction.status.updated"
REFUND_COMPLETED = "refund.completed"
REFUND_FAILED = "refund.failed"
INVOICE_NEEDED = "refund.lightning.invoice_needed"
DIRECT_CALLBACK = "direct.callback"

KNOWN_EVENTS = frozenset({OFFRAMP_STATUS_EVENT, GENERIC_STATUS_EVENT, REFUND_COMPLETED, REFUND_FAILED, INVOICE_NEEDED})


class RefusalReason(StrEnum):
    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED_JSON = "malformed_json"
    UNKNOWN_SHAPE = "unknown_shape"


class WebhookRefused(Exception):
    """The delivery must be answered with a 4xx and must change nothing."""

    def __init__(self, reason: RefusalReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail

    @property
    def http_status(self) -> int:
        if self.reason in (RefusalReason.MISSING_SIGNATURE, RefusalReason.BAD_SIGNATURE):
            return 401
        return 400


@dataclass(frozen=True)
class WebhookEvent:
    """One status observation about one offramp, whatever its delivery mode."""

    event: str
    reference_id: str
    status: OfframpStatus
    raw_status: str | None
    refund_status: RefundStatus | None
    onchain_status: str | None
    crypto_amount: Decimal | None
    fiat_amount: Decimal | None
    fiat_transaction_amount: Decimal | None
    fiat_currency: str | None
    transaction_hash: str | None
    transaction_hash_amount: Decimal | None
    refund_amount: Decimal | None
    refund_amount_sats: Decimal | None
    refund_transaction_hash: str | None
    error: str | None
    total_retries: int | None
    requires_action: bool
    signed: bool
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def dedupe_key(self) -> str:
        """``(event, referenceId, status, refundStatus)``: Kotani sends no event id (§8.6)."""
        refund = self.refund_status.value if self.refund_status else ""
        return f"{self.event}|{self.reference_id}|{self.raw_status or ''}|{refund}"

    @property
    def needs_lightning_invoice(self) -> bool:
        return self.event == INVOICE_NEEDED or self.refund_status is RefundStatus.INVOICE_NEEDED


def parse_webhook(raw: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> WebhookEvent:
    """Verify (when ``secrets`` is non-empty) and parse one delivery, or raise WebhookRefused.

    ``headers`` must be case-insensitive (Starlette's and httpx's are) or lower-case.
    """
    try:
        body = loads_exact(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WebhookRefused(RefusalReason.MALFORMED_JSON, "body is not JSON") from exc
    if not isinstance(body, dict):
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "body is not a JSON object")

    active_secrets = [secret for secret in secrets if secret]
    envelope = "event" in body and isinstance(body.get("data"), dict)
    if active_secrets:
        header = headers.get(SIGNATURE_HEADER)
        if not header:
            raise WebhookRefused(RefusalReason.MISSING_SIGNATURE, "no X-Kotani-Signature header")
        if not envelope:
            raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "signed mode expects {event, data}")
        if not verify_webhook_signature(raw, header, active_secrets):
            raise WebhookRefused(RefusalReason.BAD_SIGNATURE, "signature does not match")
        return _from_envelope(body, signed=True)
    if envelope:
        return _from_envelope(body, signed=False)
    return _from_fields(DIRECT_CALLBACK, body, signed=False)


def _from_envelope(body: dict[str, Any], *, signed: bool) -> WebhookEvent:
    event = str(body.get("event") or "")
    if event not in KNOWN_EVENTS:
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, f"event {event!r} is not handled")
    data = body["data"]
    return _from_fields(event, data, signed=signed, envelope=body)


def _from_fields(
    event: str, data: dict[str, Any], *, signed: bool, envelope: dict[str, Any] | None = None
) -> WebhookEvent:
    reference = data.get("referenceId") or data.get("reference_id")
    if not isinstance(reference, str) or not reference:
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "no referenceId")
    raw_status = data.get("status")
    refund = RefundStatus.parse(data.get("refundStatus"))
    if event == REFUND_FAILED and refund is None:
        refund = RefundStatus.FAILED
    if event == INVOICE_NEEDED and refund is None:
        refund = RefundStatus.INVOICE_NEEDED
    if raw_status is None and event not in (REFUND_FAILED, REFUND_COMPLETED, INVOICE_NEEDED):
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "no status")
    status = OfframpStatus.parse(raw_status) if raw_status else OfframpStatus.FAILED
    if event == REFUND_COMPLETED:
        status = OfframpStatus.REVERSED
    status = effective_status(status, refund)
    retries = data.get("totalRetries")
    return WebhookEvent(
        event=event,
        reference_id=reference,
        status=status,
        raw_status=str(raw_status) if raw_status else None,
        refund_status=refund,
        onchain_status=_text(data.get("onchainStatus")),
        crypto_amount=to_decimal(data.get("cryptoAmount")),
        fiat_amount=to_decimal(data.get("fiatAmount")),
        fiat_transaction_amount=to_decimal(data.get("fiatTransactionAmount")),
        fiat_currency=_text(data.get("fiatCurrency") or data.get("currency")),
        transaction_hash=_text(data.get("transactionHash")),
        transaction_hash_amount=to_decimal(data.get("transactionHashAmount")),
        refund_amount=to_decimal(data.get("refundAmount")),
        refund_amount_sats=to_decimal(data.get("refundAmountSats")),
        refund_transaction_hash=_text(data.get("refundTransactionHash")),
        error=error_text(data.get("transactionError"))
        or error_text(data.get("onchainError"))
        or error_text(data.get("error")),
        total_retries=int(retries) if isinstance(retries, int | Decimal) else None,
        requires_action=bool(data.get("requiresAction")),
        signed=signed,
        raw=envelope if envelope is not None else data,
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
