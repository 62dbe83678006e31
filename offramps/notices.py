"""Whom a status change of a cash-out is told about, and how: the owner, the agent who made
it for a walk-in customer, and the operations chat for what a human may have to act on.

Storage applies this rule inside the transaction that records the change (``storage.owed``),
so the change and the notifications it owes are committed together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.models import OfframpRecord
from storage.owed import Owed, OwedRule, payload_of
from storage.status_rules import TERMINAL

#: Statuses the owner hears about. PENDING is answered by the deposit instructions, and a
#: plain REFUND_PENDING is announced by the FAILED message ("a refund follows").
NOTIFIED = frozenset(
    {"CRYPTO_RECEIVED", "IN_PROGRESS", "SUCCESSFUL", "FAILED", "REVERSED", "REFUND_FAILED", "CANCELLED",
     "EXPIRED", "REQUIRE_REVIEW"}
)  # fmt: skip

#: The owner's notices that only tell where a cash-out is on its way: once a later notice of
#: the same cash-out is owed, one of these still unsent is dropped (the edited card shows the
#: current state, and the later notice says what it would have said). Terminal notices, the
#: invoice request (it asks for something), agents' copies and ops alerts are never dropped.
INTERMEDIATE = frozenset(
    {"crypto_received", "in_progress", "failed", "require_review", "deposit_reminder", "slow_payout"}
)

#: What the operations chat is alerted about (something a human may have to act on).
OPS_ALERTS = frozenset({"FAILED", "REFUND_FAILED", "REQUIRE_REVIEW"})


def notifications_owed(
    before: OfframpRecord, after: OfframpRecord, *, correction: bool, ops_chat_id: int | None = None
) -> list[Owed]:
    """What this change owes; ``ops_chat_id`` ``None`` when no operations chat is set."""
    owed: list[Owed] = []
    payload = payload_of(after, before.status, correction)
    status_changed = before.status != after.status
    if after.awaiting_invoice and not before.awaiting_invoice:
        owed.append(Owed(after.chat_id, "invoice_needed", payload, supersedes=INTERMEDIATE))
    elif status_changed and after.status in NOTIFIED:
        owed.append(Owed(after.chat_id, after.status.lower(), payload, supersedes=INTERMEDIATE))
    if status_changed and after.status == "SUCCESSFUL":
        owed.append(
            Owed(after.chat_id, "receipt", payload, even_if_shown=True)
        )  # an image they can forward, right after
    agent = after.agent_id
    if status_changed and agent is not None and agent != after.chat_id and after.status in TERMINAL:
        owed.append(Owed(agent, "agent_" + after.status.lower(), payload))
    if ops_chat_id is not None:
        if after.awaiting_invoice and not before.awaiting_invoice:
            owed.append(Owed(ops_chat_id, "ops_invoice_needed", payload))
        elif status_changed and after.status in OPS_ALERTS:
            owed.append(Owed(ops_chat_id, "ops_" + after.status.lower(), payload))
    return owed


def notices(ops_chat_id: int | None) -> OwedRule:
    """The rule storage applies, for this deployment's operations chat."""

    def owed(before: OfframpRecord, after: OfframpRecord, correction: bool) -> list[Owed]:
        return notifications_owed(before, after, correction=correction, ops_chat_id=ops_chat_id)

    return owed


#: How long before the deposit window closes the customer is reminded, if nothing arrived.
REMINDER_LEAD_MINUTES = 10
#: Statuses in which a payout can stall after the customer's crypto arrived.
PAYOUT_RUNNING = frozenset({"CRYPTO_RECEIVED", "IN_PROGRESS"})


def timed_notices(
    offramp: OfframpRecord,
    now: datetime,
    *,
    window_minutes: int,
    slow_after_minutes: int,
    ops_chat_id: int | None = None,
) -> list[Owed]:
    """Notices owed by the passing of time rather than by a status change: the reminder before
    the deposit window closes with nothing arrived, and "taking longer than usual" (with an ops
    alert) for a payout running past its corridor's threshold.

    Returns what is due now; storage writes each at most once per cash-out (``owe_once``), so
    a reconciler round may ask as often as it likes and a restart repeats nothing.
    """
    payload = payload_of(offramp, offramp.status, False)
    deadline = offramp.created_at + timedelta(minutes=window_minutes)
    lead = timedelta(minutes=REMINDER_LEAD_MINUTES)
    nothing_arrived = offramp.transaction_hash is None and offramp.onchain_status in (None, "PENDING")
    if offramp.status == "PENDING" and nothing_arrived and deadline - lead <= now < deadline:
        # "less than ten minutes left": true whenever this round runs, and never "1 minutes"
        reminder = {**payload, "deadline": deadline.isoformat(), "minutes": REMINDER_LEAD_MINUTES}
        return [Owed(offramp.chat_id, "deposit_reminder", reminder)]
    if offramp.status in PAYOUT_RUNNING and now - offramp.updated_at >= timedelta(minutes=slow_after_minutes):
        slow = {**payload, "minutes": slow_after_minutes}
        owed = [Owed(offramp.chat_id, "slow_payout", slow)]
        if ops_chat_id is not None:
            owed.append(Owed(ops_chat_id, "ops_slow_payout", slow))
        return owed
    return []
