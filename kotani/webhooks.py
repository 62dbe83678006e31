"""Verify and parse what Kotani POSTs to us (spec §7, §8).

Two delivery modes exist: a signed envelope ``{event, data, signature}`` with
``X-Kotani-*`` headers when a webhook secret is configured, and a direct callback whose body
is the offramp itself when none is. Only a verified envelope becomes a :class:`WebhookEvent`
the bot records. An unsigned callback (either shape) is only a :class:`WebhookHint`: it names
an offramp, and the bot asks Kotani's API what its status is (anyone who knows a reference
could post one, so nothing else in it is believed).

Every field the bot acts on must have the type the contract gives it; anything else is
refused with 400 and changes nothing (a 500 would make Kotani retry for a day, and a wrong
type silently coerced is a status nobody sent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from kotani.jsonjs import MAX_NUMBER_CHARS, StrictJSONError, loads_webhook
from kotani.models import error_text
from kotani.signing import is_signature, verify_webhook_signature
from kotani.status import OfframpStatus, RefundStatus, effective_status

SIGNATURE_HEADER = "x-kotani-signature"
EVENT_HEADER = "x-kotani-event"
INTEGRATOR_HEADER = "x-kotani-integrator"

OFFRAMP_STATUS_EVENT = "transaction.offramp.status.updated"
GENERIC_STATUS_EVENT = "transaction.status.updated"
REFUND_COMPLETED = "refund.completed"
REFUND_FAILED = "refund.failed"
INVOICE_NEEDED = "refund.lightning.invoice_needed"

KNOWN_EVENTS = frozenset({OFFRAMP_STATUS_EVENT, GENERIC_STATUS_EVENT, REFUND_COMPLETED, REFUND_FAILED, INVOICE_NEEDED})
#: Events whose ``data`` may leave ``status`` out (a refund outcome, not a payout status).
_STATUS_OPTIONAL = frozenset({REFUND_COMPLETED, REFUND_FAILED, INVOICE_NEEDED})
MAX_REFERENCE_LENGTH = 128
_NUMERIC_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class RefusalReason(StrEnum):
    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED_JSON = "malformed_json"
    UNKNOWN_SHAPE = "unknown_shape"
    BAD_FIELD = "bad_field"


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


@dataclass(frozen=True)
class WebhookHint:
    """An unsigned callback: it only says "look at this offramp". The bot fetches the offramp
    from Kotani's API and records that answer; the body's status, amounts and errors are never
    read, so forging one can at most cause a status request."""

    reference_id: str


def parse_webhook(raw: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> WebhookEvent:
    """Verify and parse one signed delivery, or raise WebhookRefused.

    ``secrets`` must hold at least one webhook secret; without one, use :func:`parse_hint`.
    ``headers`` must be case-insensitive (Starlette's and httpx's are) or lower-case.
    """
    active_secrets = [secret for secret in secrets if secret]
    if not active_secrets:
        raise ValueError("no webhook secret configured: an unsigned callback is only a hint (parse_hint)")
    header = headers.get(SIGNATURE_HEADER)
    if not header:
        raise WebhookRefused(RefusalReason.MISSING_SIGNATURE, "no X-Kotani-Signature header")
    if not is_signature(header.strip()):
        raise WebhookRefused(RefusalReason.BAD_SIGNATURE, "X-Kotani-Signature is not sha256= and 64 hex digits")
    body = _read(raw)
    if "event" not in body or not isinstance(body.get("data"), dict):
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "signed mode expects {event, data}")
    event = body["event"]
    if not isinstance(event, str) or event not in KNOWN_EVENTS:
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "the event is not one the bot handles")
    if "signature" in body and not is_signature(body["signature"]):
        raise WebhookRefused(RefusalReason.BAD_FIELD, "the body's signature is not sha256= and 64 hex digits")
    if not verify_webhook_signature(raw, header, active_secrets, body=body):
        raise WebhookRefused(RefusalReason.BAD_SIGNATURE, "signature does not match")
    return _from_fields(event, body["data"], envelope=body)


def parse_hint(raw: bytes) -> WebhookHint:
    """Read the reference out of an unsigned callback (a signed-style envelope or Kotani's
    direct callback, which is the offramp itself), or raise WebhookRefused. Nothing else in
    the body is looked at."""
    body = _read(raw)
    data = body["data"] if "event" in body and isinstance(body.get("data"), dict) else body
    return WebhookHint(_reference(data))


def _read(raw: bytes) -> dict[str, Any]:
    try:
        body = loads_webhook(raw)
    except StrictJSONError as exc:
        raise WebhookRefused(RefusalReason.MALFORMED_JSON, str(exc)) from None
    if not isinstance(body, dict):
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "body is not a JSON object")
    return body


def _reference(data: dict[str, Any]) -> str:
    key = "referenceId" if "referenceId" in data else "reference_id"
    if data.get(key) is None:
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "no referenceId")
    reference = data[key]
    if not isinstance(reference, str) or not 0 < len(reference) <= MAX_REFERENCE_LENGTH or not reference.isprintable():
        raise WebhookRefused(
            RefusalReason.BAD_FIELD, f"referenceId must be 1 to {MAX_REFERENCE_LENGTH} printable characters"
        )
    return reference


def _from_fields(event: str, data: dict[str, Any], *, envelope: dict[str, Any]) -> WebhookEvent:
    reference = _reference(data)
    raw_status = _text(data, "status")
    refund = RefundStatus.parse(_text(data, "refundStatus"))
    if event == REFUND_FAILED and refund is None:
        refund = RefundStatus.FAILED
    if event == INVOICE_NEEDED and refund is None:
        refund = RefundStatus.INVOICE_NEEDED
    if raw_status is None and event not in _STATUS_OPTIONAL:
        raise WebhookRefused(RefusalReason.UNKNOWN_SHAPE, "no status")
    status = OfframpStatus.parse(raw_status) if raw_status else OfframpStatus.FAILED
    if event == REFUND_COMPLETED:
        status = OfframpStatus.REVERSED
    status = effective_status(status, refund)
    for key in ("chain", "escrowAddress"):  # read from ``raw`` by offramps.observations, so typed here too
        _text(data, key)
    return WebhookEvent(
        event=event,
        reference_id=reference,
        status=status,
        raw_status=raw_status,
        refund_status=refund,
        onchain_status=_text(data, "onchainStatus"),
        crypto_amount=_amount(data, "cryptoAmount"),
        fiat_amount=_amount(data, "fiatAmount"),
        fiat_transaction_amount=_amount(data, "fiatTransactionAmount"),
        fiat_currency=_text(data, "fiatCurrency") or _text(data, "currency"),
        transaction_hash=_text(data, "transactionHash"),
        transaction_hash_amount=_amount(data, "transactionHashAmount"),
        refund_amount=_amount(data, "refundAmount"),
        refund_amount_sats=_amount(data, "refundAmountSats"),
        refund_transaction_hash=_text(data, "refundTransactionHash"),
        error=_error(data, "transactionError") or _error(data, "onchainError") or _error(data, "error"),
        total_retries=_whole(data, "totalRetries"),
        requires_action=_flag(data, "requiresAction"),
        signed=True,
        raw=envelope,
    )


def _bad(key: str, expected: str) -> WebhookRefused:
    return WebhookRefused(RefusalReason.BAD_FIELD, f"{key} must be {expected}")


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _bad(key, "a string")
    return value


def _amount(data: dict[str, Any], key: str) -> Decimal | None:
    """A JSON number or a numeric string, as an exact Decimal (never a float)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad(key, "a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str) and len(value) <= MAX_NUMBER_CHARS and _NUMERIC_TEXT.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover (the pattern admits only numbers)
            pass
    raise _bad(key, "a number or a numeric string")


def _error(data: dict[str, Any], key: str) -> str | None:
    """``transactionError``/``onchainError``: an object in API responses, a string in webhooks."""
    value = data.get(key)
    if value is not None and not isinstance(value, str | dict):
        raise _bad(key, "a string or an object")
    return error_text(value)


def _whole(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)  # JavaScript has one number type: 10.0 is the 10 Kotani wrote
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(key, "a whole number")
    return value


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _bad(key, "true or false")
    return value
