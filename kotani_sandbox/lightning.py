"""Bolt11 invoices for Lightning deposits and the checks on refund invoices (spec §7, §5.11)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import bolt11
from bolt11 import Bolt11, MilliSatoshi, Tags


@dataclass(frozen=True)
class InvoiceFacts:
    network: str  # bc, tb, tbs, bcrt
    amount_msat: int | None
    payment_hash: str
    created_at: int
    expires_at: int


def make_invoice(
    amount_msat: int, *, network: str, created_at: int, expiry: int, description: str, key: str | None = None
) -> str:
    """A signed bolt11 invoice; the sandbox's node key is random unless one is given."""
    preimage = os.urandom(32)
    tags = Tags.from_dict(
        {
            "payment_hash": hashlib.sha256(preimage).hexdigest(),
            "payment_secret": os.urandom(32).hex(),
            "description": description,
            "expire_time": expiry,
        }
    )
    invoice = Bolt11(currency=network, date=created_at, tags=tags, amount_msat=MilliSatoshi(amount_msat))
    return str(bolt11.encode(invoice, private_key=key or os.urandom(32).hex()))


def read_invoice(text: str) -> InvoiceFacts:
    """Decode (raises ``ValueError`` for anything that is not a valid bolt11 invoice)."""
    cleaned = text.strip()
    if cleaned.lower().startswith("lightning:"):
        cleaned = cleaned[len("lightning:") :]
    try:
        decoded = bolt11.decode(cleaned.lower())
    except Exception as exc:  # the library raises many types, all meaning "not an invoice"
        raise ValueError("not a valid bolt11 invoice") from exc
    return InvoiceFacts(
        network=str(decoded.currency),
        amount_msat=int(decoded.amount_msat) if decoded.amount_msat is not None else None,
        payment_hash=str(decoded.payment_hash),
        created_at=int(decoded.date),
        expires_at=int(decoded.date) + int(decoded.expiry),
    )
