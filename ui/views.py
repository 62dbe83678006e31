"""How amounts, recipients and offramps are written for people (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_datetime

from kotani.chains import Chain, msat_to_sats
from kotani.redact import mask_account, mask_name, mask_number
from offramps.rules.amounts import format_amount
from offramps.rules.local_time import corridor_zone
from offramps.states import deposit_seen
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


def recognisable_name(name: str) -> str:
    """``JANE MARY DOE`` → ``Jane M. D.``: the first name in full and the other names
    initialled, enough for the payer to recognise the person they mean to pay (``J*** M***
    D**`` was not), too little to learn who owns a number. A name the provider already
    masked (``J*** D**``) is shown as it came."""
    parts = name.split()
    if not parts or "*" in name:
        return name
    first = parts[0][:1].upper() + parts[0][1:].lower()
    return " ".join([first, *(part[:1].upper() + "." for part in parts[1:])])


def holder_shown(holder: str, *, full: bool) -> str:
    """The account holder's name on a label. Masked for others. For the owner: a name they
    typed, in full; the provider's registered name (written in capitals, as mobile money and
    bank registries return it) only recognisably (``Jane M. D.``), as the name check showed
    it, or the card would reveal whose number it is to anyone who typed it."""
    if not full:
        return mask_name(holder)
    return recognisable_name(holder) if holder.isupper() else holder


def in_owners_private_chat(offramp: OfframpRecord) -> bool:
    """The cash-out's chat is its owner's private chat (a private chat's id is the user's)."""
    return offramp.chat_id == offramp.user_id


def recipient_label(recipient: Mapping[str, Any] | Recipient, *, full: bool = False) -> str:
    """How a recipient is written. ``full``: exactly as the owner typed it, for the owner's own
    private chat, where a typo must be visible before money goes to it; otherwise (groups,
    agents' and operators' chats) numbers are masked and names shortened."""
    data: Mapping[str, Any] = recipient if not isinstance(recipient, Recipient) else {
        "kind": recipient.kind, "destination": recipient.destination, "network": recipient.network,
        "holder_name": recipient.holder_name, "bank_name": recipient.bank_name,
        "account_reference": recipient.account_reference,
    }  # fmt: skip
    if isinstance(recipient, Recipient) and recipient.nickname:
        return f"{recipient.nickname} · {recipient_label(dict(data))}"  # the customer's own name for it first
    kind = data["kind"]
    holder = data.get("holder_name")
    name = f" ({holder_shown(holder, full=full) if kind in ('mobile_money', 'bank') else holder})" if holder else ""
    destination = str(data["destination"])
    if kind == "mobile_money":
        return f"{network_name(data.get('network'))} {destination if full else mask_number(destination)}{name}"
    if kind == "bank":
        return (
            f"{data.get('bank_name') or raw('label_bank')} {destination if full else mask_account(destination)}{name}"
        )
    if kind == "till":
        return raw("label_till", number=destination) + name
    return raw("label_paybill", number=destination, account=data.get("account_reference", "")) + name


def status_now(offramp: OfframpRecord) -> str:
    """The status in words, truer than Kotani's status alone: a deposit seen while Kotani still
    says PENDING, and a refund that waits for the owner's invoice ("refund in progress" would
    be untrue then)."""
    if deposit_seen(offramp):
        return t("st_DEPOSIT_SEEN")
    if offramp.awaiting_invoice:
        return raw("st_awaiting_invoice")
    return status_words(offramp.status)


def status_line(offramp: OfframpRecord) -> str:
    return t(
        "status_line",
        reference=offramp.reference_id,
        crypto=crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
        receive=fiat_text(offramp.fiat_transaction_amount, offramp.currency),
        status=status_now(offramp),
    )


def when(moment: datetime, currency: str | None = None) -> str:
    """A date and time for people, in their language and in the local time of the corridor
    paying ``currency`` (Kenya: ``3 Dec 18:40 EAT (UTC+3)``), saying which zone: the people
    paid live there, and a time in UTC was hours off for them. Without a corridor, UTC."""
    zone, name = corridor_zone(currency)
    return format_datetime(moment.astimezone(zone), "d MMM HH:mm", tzinfo=zone, locale=language()) + " " + name
