"""A stored cash-out's status as the domain reasons about it (``kotani.status.OfframpStatus``
and its properties), so no floor compares status strings by hand."""

from __future__ import annotations

from kotani.status import OfframpStatus
from storage.models import OfframpRecord
from storage.status_rules import NEW


def status_of(offramp: OfframpRecord) -> OfframpStatus:
    """The canonical status (``UNKNOWN`` for one Kotani has not confirmed yet: see :func:`submitted`)."""
    return OfframpStatus.parse(offramp.status)


def deposit_seen(offramp: OfframpRecord) -> bool:
    """Kotani has seen the customer's deposit on-chain and is waiting for its confirmations
    (it still says PENDING): the crypto is on its way, so the cash-out is no longer the
    customer's to cancel, and the card must stop asking them to send."""
    return status_of(offramp).is_cancellable and bool(offramp.transaction_hash)


def awaits_deposit(offramp: OfframpRecord) -> bool:
    """Kotani waits for the deposit and has seen none yet: the only time Cancel is offered."""
    return status_of(offramp).is_cancellable and not offramp.transaction_hash


def submitted(offramp: OfframpRecord) -> bool:
    """Kotani confirmed the create (before that, the offramp is stored as ``NEW`` only)."""
    return offramp.status != NEW
