"""Everything Kotani tells us, in one shape for storage: webhooks, status polls, our own calls.

This module is the one author of :class:`Observation` and of its dedupe keys (storage scopes a
webhook's key to the refund attempt, and treats our own reads as never duplicate); handlers,
workers and web routes call these functions and never build an observation themselves.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kotani.chains import sats_to_msat
from kotani.models import Offramp, RefundInfo
from kotani.webhooks import WebhookEvent
from storage.models import Observation


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def from_webhook(event: WebhookEvent) -> Observation:
    data = event.raw.get("data", event.raw) if isinstance(event.raw, dict) else {}
    refund_amount = event.refund_amount
    if event.event == "refund.completed" and data.get("chain") == "LIGHTNING" and refund_amount is not None:
        refund_amount = sats_to_msat(refund_amount)  # refund.completed counts Lightning refunds in sats; we keep msat
    return Observation(
        reference_id=event.reference_id,
        source="webhook",
        event=event.event,
        dedupe_key=event.dedupe_key,
        status=event.status.value,
        raw=jsonable(event.raw),
        raw_status=event.raw_status,
        onchain_status=event.onchain_status,
        refund_status=event.refund_status.value if event.refund_status else None,
        escrow_address=data.get("escrowAddress"),
        fiat_amount=event.fiat_amount,
        fiat_transaction_amount=event.fiat_transaction_amount or None,
        transaction_hash=event.transaction_hash,
        refund_transaction_hash=event.refund_transaction_hash,
        refund_amount=refund_amount,
        error=event.error,
    )


def from_offramp(offramp: Offramp, *, source: str) -> Observation:
    """A status answer from Kotani (poll, create, cancel), keyed so repeats dedupe."""
    refund = offramp.refund_status.value if offramp.refund_status else None
    return Observation(
        reference_id=offramp.reference_id,
        source=source,
        event=source,
        dedupe_key=f"{source}|{offramp.reference_id}|{offramp.raw_status}|{refund or ''}",
        status=offramp.status.value,
        raw=jsonable(offramp.raw),
        raw_status=offramp.raw_status,
        onchain_status=offramp.onchain_status,
        refund_status=refund,
        escrow_address=offramp.escrow_address,
        fiat_amount=offramp.fiat_amount,
        fiat_transaction_amount=offramp.fiat_transaction_amount or None,
        transaction_hash=offramp.transaction_hash,
        error=offramp.error,
    )


def user_refund_action(reference_id: str, event: str, status: str, refund_status: str) -> Observation:
    """What Kotani accepted from the user just now (a retry-refund, a Lightning invoice)."""
    return Observation(
        reference_id=reference_id,
        source="user",
        event=event,
        dedupe_key=f"{event}|{reference_id}|{status}|{refund_status}",
        status=status,
        raw={"refundStatus": refund_status},
        raw_status=status,
        refund_status=refund_status,
    )


def deposit_window_expired(reference_id: str) -> Observation:
    """Ours, not Kotani's: still PENDING well past the deposit window (the reconciler)."""
    return Observation(
        reference_id=reference_id,
        source="reconciler",
        event="deposit-window",
        dedupe_key=f"deposit-window|{reference_id}",
        status="EXPIRED",
        raw={"reason": "no deposit within the deposit window"},
        raw_status="EXPIRED",
    )


def from_refund(info: RefundInfo, *, source: str) -> Observation:
    refund = info.refund_status.value if info.refund_status else None
    return Observation(
        reference_id=info.reference_id,
        source=source,
        event=f"{source}.refund",
        dedupe_key=f"{source}.refund|{info.reference_id}|{info.status.value}|{refund or ''}",
        status=info.status.value,
        raw=jsonable(info.raw),
        raw_status=str(info.raw.get("status") or ""),
        refund_status=refund,
        refund_transaction_hash=info.refund_transaction_hash,
        refund_amount=info.refund_amount,
    )
