"""A stored cash-out's status as the domain reasons about it (``kotani.status.OfframpStatus``
and its properties), so no floor compares status strings by hand."""

from __future__ import annotations

from kotani.status import OfframpStatus
from storage.models import OfframpRecord
from storage.status_rules import NEW


def status_of(offramp: OfframpRecord) -> OfframpStatus:
    """The canonical status (``UNKNOWN`` for one Kotani has not confirmed yet: see :func:`submitted`)."""
    return OfframpStatus.parse(offramp.status)


def submitted(offramp: OfframpRecord) -> bool:
    """Kotani confirmed the create (before that, the offramp is stored as ``NEW`` only)."""
    return offramp.status != NEW
