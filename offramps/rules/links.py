"""Deep links an agent can hand to a walk-in customer: read-only, unguessable, no database row."""

from __future__ import annotations

import hashlib
import hmac


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
