"""The cash-out draft of one conversation (per chat and person): what the customer chose so far.

It is persisted with the conversation (PTB persistence, as JSON), so it is a typed dict of
plain values that mypy checks key by key; amounts travel as text (``Decimal`` is rebuilt where
money is computed).
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from telegram import Update
from telegram.ext import ConversationHandler

from handlers.common import Context, conversation_data
from storage.models import Recipient


class PromptDraft(TypedDict, total=False):
    """The question on screen, shown again when the answer is not one it takes."""

    text: str
    kb: dict[str, Any] | None
    message_id: int | None  # the message that shows it (buttons on older ones have expired)


class QuoteDraft(TypedDict):
    id: str
    crypto: str
    fiat: str
    fee: str
    receive: str
    rate: str
    expires_at: str  # ISO 8601


class RecipientDraft(TypedDict, total=False):
    kind: str  # mobile_money, bank, till, paybill
    destination: str
    network: str | None
    holder_name: str | None
    looked_up_name: str | None
    bank_code: str | None
    bank_name: str | None
    account_reference: str
    customer_key: str | None


class RefundInvoiceDraft(TypedDict):
    bolt11: str
    payment_hash: str | None
    amount_msat: int
    expires_at: str  # ISO 8601


class CashDraft(TypedDict, total=False):
    for_customer: bool  # an agent serving a walk-in customer
    owner: int
    country: str
    country_name: str
    currency: str
    chain: str
    token: str
    mode: str  # crypto or fiat: the unit the amount was typed in
    amount: str
    quote: QuoteDraft
    recipient: RecipientDraft
    banks: list[list[str]]
    refund_address: str | None  # the address the customer sends from (refunds go back there)
    refund_invoice: RefundInvoiceDraft
    reference: str | None
    prompt: PromptDraft
    reply_keyboard: bool  # the "share my number" keyboard is on screen
    steps: list[int]  # the questions on the way to the one on screen, for Back
    editing: str  # the summary's Edit: what is being changed (amount, recipient, sender)
    recipient_saved: bool  # kept already, or the customer asked to keep it (no "Save recipient" then)


def recipient_draft(recipient: Recipient) -> RecipientDraft:
    """A saved recipient as the draft holds it (chosen from the list, or a cash-out sent again)."""
    return {
        "kind": recipient.kind, "destination": recipient.destination, "network": recipient.network,
        "holder_name": recipient.holder_name, "bank_code": recipient.bank_code, "bank_name": recipient.bank_name,
        "account_reference": recipient.account_reference, "customer_key": recipient.customer_key,
    }  # fmt: skip


def draft(update: Update, context: Context) -> CashDraft:
    """This conversation's cash-out draft (per chat and person, ``conversation_data``)."""
    value = conversation_data(update, context).setdefault("cash", {})
    assert isinstance(value, dict)
    return cast(CashDraft, value)


def finish(update: Update, context: Context) -> int:
    conversation_data(update, context).pop("cash", None)
    return ConversationHandler.END
