"""Checking a Lightning invoice a user pasted before we hand it to Kotani (spec §5.11)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import bolt11

from kotani.chains import MSAT_PER_SAT, msat_to_sats

NETWORK_NAMES = {"bc": "mainnet", "tb": "testnet", "tbs": "signet", "bcrt": "regtest"}


@dataclass(frozen=True)
class Invoice:
    text: str  # lower-case, no ``lightning:`` prefix
    network: str
    amount_msat: int | None
    payment_hash: str
    expires_at: datetime


class InvoiceProblem(ValueError):
    """What is wrong with the invoice, as a text key and its values (shown to the user)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def read_invoice(text: str) -> Invoice:
    cleaned = "".join(text.split()).lower()
    cleaned = cleaned.removeprefix("lightning:")
    if not cleaned.startswith("ln"):
        raise InvoiceProblem("invoice_unreadable")
    try:
        decoded = bolt11.decode(cleaned)
    except Exception as exc:  # the library raises many exception types for "not an invoice"
        raise InvoiceProblem("invoice_unreadable") from exc
    return Invoice(
        text=cleaned,
        network=str(decoded.currency),
        amount_msat=int(decoded.amount_msat) if decoded.amount_msat is not None else None,
        payment_hash=str(decoded.payment_hash),
        expires_at=datetime.fromtimestamp(int(decoded.date) + int(decoded.expiry), UTC),
    )


def check_refund_invoice(
    text: str, *, amount_msat: int, network: str, now: datetime, valid_for_seconds: float = 0
) -> Invoice:
    """The invoice if it pays exactly ``amount_msat`` on ``network`` and is not expired."""
    invoice = read_invoice(text)
    wanted = msat_to_sats(amount_msat)
    sats = f"{wanted:,.0f}" if amount_msat % MSAT_PER_SAT == 0 else f"{wanted:,.3f}"
    if invoice.network != network:
        raise InvoiceProblem("invoice_wrong_network", network=NETWORK_NAMES.get(invoice.network, invoice.network))
    if invoice.amount_msat is None:
        raise InvoiceProblem("invoice_no_amount", sats=sats)
    if invoice.amount_msat != amount_msat:
        given = msat_to_sats(invoice.amount_msat)
        raise InvoiceProblem("invoice_wrong_amount", sats=sats, given=f"{given:,.3f}".rstrip("0").rstrip(".") + " sats")
    left = (invoice.expires_at - now).total_seconds()
    if left <= 0:
        raise InvoiceProblem("invoice_expired", sats=sats)
    if left <= valid_for_seconds:  # still valid, but it may expire before a refund is needed
        raise InvoiceProblem("invoice_too_short", sats=sats, minutes=math.ceil(valid_for_seconds / 60))
    return invoice
