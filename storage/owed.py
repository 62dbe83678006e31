"""What a status change owes to whom — a pure rule, applied inside the transaction that
records the change, so the change and its notifications are written together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.models import OfframpRecord
from storage.status_rules import TERMINAL

#: Statuses the owner hears about. PENDING is answered by the deposit instructions, and a
#: plain REFUND_PENDING is announced by the FAILED message ("a refund follows").
NOTIFIED = frozenset(
    {"CRYPTO_RECEIVED", "IN_PROGRESS", "SUCCESSFUL", "FAILED", "REVERSED", "REFUND_FAILED", "CANCELLED",
     "EXPIRED", "REQUIRE_REVIEW"}
)  # fmt: skip


@dataclass(frozen=True)
class Owed:
    chat_id: int
    kind: str
    payload: dict[str, Any]


def _payload(after: OfframpRecord, previous: str, correction: bool) -> dict[str, Any]:
    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {
        "reference_id": after.reference_id,
        "status": after.status,
        "previous_status": previous,
        "correction": correction,
        "token": after.token,
        "chain": after.chain,
        "crypto_amount": text(after.crypto_amount),
        "currency": after.currency,
        "fiat_transaction_amount": text(after.fiat_transaction_amount),
        "transaction_hash": after.transaction_hash,
        "refund_transaction_hash": after.refund_transaction_hash,
        "refund_amount": text(after.refund_amount),
        "error": after.error,
    }


#: What the operations chat is alerted about (something a human may have to act on).
OPS_ALERTS = frozenset({"FAILED", "REFUND_FAILED", "REQUIRE_REVIEW"})


def notifications_owed(
    before: OfframpRecord, after: OfframpRecord, *, correction: bool, ops_chat_id: int | None = None
) -> list[Owed]:
    owed: list[Owed] = []
    payload = _payload(after, before.status, correction)
    status_changed = before.status != after.status
    if after.awaiting_invoice and not before.awaiting_invoice:
        owed.append(Owed(after.chat_id, "invoice_needed", payload))
    elif status_changed and after.status in NOTIFIED:
        owed.append(Owed(after.chat_id, after.status.lower(), payload))
    agent = after.agent_id
    if status_changed and agent is not None and agent != after.chat_id and after.status in TERMINAL:
        owed.append(Owed(agent, "agent_" + after.status.lower(), payload))
    if ops_chat_id is not None:
        if after.awaiting_invoice and not before.awaiting_invoice:
            owed.append(Owed(ops_chat_id, "ops_invoice_needed", payload))
        elif status_changed and after.status in OPS_ALERTS:
            owed.append(Owed(ops_chat_id, "ops_" + after.status.lower(), payload))
    return owed
