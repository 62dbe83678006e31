"""Deep links an agent can hand to a walk-in customer: read-only, unguessable, no database row.

A link shows a cash-out's status, amounts and deposit hash, so a leaked one must not work for
ever: it works for :data:`LINK_LIFETIME` after the cash-out was created (long enough to follow
a payout and a refund, and the link itself carries nothing to change: old links expire too),
and an agent can revoke it sooner (``storage.links``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

LINK_LIFETIME = timedelta(days=30)


def _signature(reference: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"view:{reference}".encode(), hashlib.sha256).hexdigest()[:16]


def customer_view_payload(reference: str, secret: str) -> str:
    """``v_<reference>_<signature>``: fits Telegram's 64-character ``[A-Za-z0-9_-]`` payload."""
    return f"v_{reference}_{_signature(reference, secret)}"


def verified_reference(payload: str, secret: str) -> str | None:
    if not payload.startswith("v_") or payload.count("_") < 2:
        return None
    reference, signature = payload[2:].rsplit("_", 1)
    return reference if hmac.compare_digest(signature, _signature(reference, secret)) else None


def link_expired(created_at: datetime, now: datetime) -> bool:
    """A customer-view link to a cash-out created at ``created_at`` no longer works at ``now``."""
    return now >= created_at + LINK_LIFETIME
