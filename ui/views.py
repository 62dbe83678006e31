"""How amounts, recipients and offramps are written for people (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_datetime

from kotani.chains import Chain, msat_to_sats
from kotani.redact import mask_account, mask_name, mask_number
from offramps.rules.amounts import format_amount
from storage.models import OfframpRecord, Recipient
from ui.texts import language, raw, status_words, t

NETWORK_NAMES = {"MPESA": "M-PESA", "AIRTEL": "Airtel Money", "MTN": "MTN MoMo", "VODAFONE": "Telecel Cash",
                 "VODACOM": "M-Pesa (Vodacom)", "TIGO": "Mixx by Yas", "HALOPESA": "HaloPesa", "ORANGE": "Orange Money",
                 "ZAMTEL": "Zamtel Kwacha", "MOOV": "Moov Money", "WAVE": "Wave", "FREE": "Free Money"}  # fmt: skip


def amount_text(amount: Decimal, unit: str, *, places: int | None = None) -> str:
    """An amount with its unit, written the way the user's language writes numbers."""
    return format_amount(amount, unit, places=places, locale=language())


def is_lightning(chain: str) -> bool:
    return chain == Chain.LIGHTNING


def token_unit(token: str, chain: str) -> str:
    """What a person counts in: sats for Lightning, the token otherwise."""
    return "sats" if is_lightning(chain) else token


def crypto_text(token: str, chain: str, amount: Decimal) -> str:
    """Kotani's amount (msat for Lightning) in the unit a person counts in."""
    if is_lightning(chain):
        return amount_text(msat_to_sats(amount), "sats")
    return amount_text(amount, token)


def sats_number(amount_msat: Decimal) -> str:
    """``1500000`` msat → ``1,500`` (the number a Lightning wallet asks for)."""
    return amount_text(msat_to_sats(amount_msat), "")


def fiat_text(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return f"? {currency}"
    places = 0 if amount == amount.to_integral_value() else 2
    return amount_text(amount, currency, places=places)


def network_name(network: str | None) -> str:
    return NETWORK_NAMES.get(network or "", network or raw("label_mobile_money"))


def recipient_label(recipient: Mapping[str, Any] | Recipient) -> str:
    data: Mapping[str, Any] = recipient if not isinstance(recipient, Recipient) else {
        "kind": recipient.kind, "destination": recipient.destination, "network": recipient.network,
        "holder_name": recipient.holder_name, "bank_name": recipient.bank_name,
        "account_reference": recipient.account_reference,
    }  # fmt: skip
    if isinstance(recipient, Recipient) and recipient.nickname:
        return f"{recipient.nickname} · {recipient_label(dict(data))}"  # the customer's own name for it first
    kind = data["kind"]
    holder = data.get("holder_name")
    name = (
        f" ({mask_name(holder)})" if holder and kind in ("mobile_money", "bank") else (f" ({holder})" if holder else "")
    )
    if kind == "mobile_money":
        return f"{network_name(data.get('network'))} {mask_number(data['destination'])}{name}"
    if kind == "bank":
        return f"{data.get('bank_name') or raw('label_bank')} {mask_account(data['destination'])}{name}"
    if kind == "till":
        return raw("label_till", number=data["destination"]) + name
    return raw("label_paybill", number=data["destination"], account=data.get("account_reference", "")) + name


def status_line(offramp: OfframpRecord) -> str:
    return t(
        "status_line",
        reference=offramp.reference_id,
        crypto=crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
        receive=fiat_text(offramp.fiat_transaction_amount, offramp.currency),
        status=status_words(offramp.status),
    )


def when(moment: datetime) -> str:
    """A date and time for people, in their language, always in UTC (and saying so)."""
    return format_datetime(moment.astimezone(UTC), "d MMM HH:mm", tzinfo=UTC, locale=language()) + " UTC"
