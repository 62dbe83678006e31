"""Notifications a status change owes, written inside the transaction that records the
change, so the change and its notifications are committed together or not at all.

Whom to tell about what is the domain's decision (``offramps.notices``), handed to the
repository as an :data:`OwedRule`; storage only applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.models import OfframpRecord


@dataclass(frozen=True)
class Owed:
    chat_id: int
    kind: str
    payload: dict[str, Any]
    #: kinds of this chat's still-unsent notices of the same cash-out that this one makes
    #: redundant: storage drops them (unless a sender holds them) and lists them in the new
    #: row's payload under ``folded``, so its text can say what they would have said
    supersedes: frozenset[str] = frozenset()
    #: owed even to the chat being shown the change right now: it is more than the change
    #: itself (a receipt), so seeing the new status does not replace it
    even_if_shown: bool = False


def payload_of(after: OfframpRecord, previous: str, correction: bool) -> dict[str, Any]:
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


#: ``(before, after, correction) -> notifications owed``: the domain's rule for a change
OwedRule = Callable[[OfframpRecord, OfframpRecord, bool], list[Owed]]


def owe_nothing(before: OfframpRecord, after: OfframpRecord, correction: bool) -> list[Owed]:
    """For storage opened only to read or repair: nobody is told anything."""
    return []
