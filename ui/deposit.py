"""The deposit instructions card and its buttons (also edited by the notification sender)."""

from __future__ import annotations

from datetime import datetime

from telegram import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup

from storage.models import OfframpRecord
from ui import callbacks as cb
from ui.keyboards import keyboard
from ui.texts import raw, t
from ui.views import (
    crypto_text,
    fiat_text,
    is_lightning,
    when,
)

#: Telegram's limit for the text of a CopyTextButton (Bot API 7.11).
COPY_TEXT_LIMIT = 256


def deposit_text(offramp: OfframpRecord, recipient: str, deadline: datetime) -> str:
    values = {
        "crypto": crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
        "chain": offramp.chain.title(),
        "token": offramp.token,
        "address": offramp.escrow_address or "",
        "deadline": when(deadline, offramp.currency),
        "receive": fiat_text(offramp.fiat_transaction_amount, offramp.currency),
        "recipient": recipient,
        "reference": offramp.reference_id,
    }
    return t("deposit_lightning" if is_lightning(offramp.chain) else "deposit", **values)


def plain_amount(offramp: OfframpRecord) -> str:
    """The exact amount as a wallet's amount field takes it: digits and a dot, no grouping and
    no unit, whatever the reader's language (a pasted ``1 269,5`` is refused by most wallets)."""
    return format(offramp.crypto_amount.normalize(), "f")


def copy_buttons(offramp: OfframpRecord) -> list[list[InlineKeyboardButton]]:
    """One tap copies what must be typed into a wallet exactly: the address (or Lightning
    invoice), the amount and our reference. A copy button carries its text itself (no
    callback), so it works even after the bot restarted; a text over Telegram's limit (a long
    Lightning invoice) is left to the tap-to-copy ``<code>`` on the card."""
    address = offramp.escrow_address or ""

    def button(label: str, text: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(raw(label), copy_text=CopyTextButton(text))

    first: list[InlineKeyboardButton] = []
    if is_lightning(offramp.chain):
        if 0 < len(address) <= COPY_TEXT_LIMIT:
            first.append(button("btn_copy_invoice", address))
    else:
        if address:
            first.append(button("btn_copy_address", address))
        first.append(button("btn_copy_amount", plain_amount(offramp)))
    rows = [first] if first else []
    rows.append([button("btn_copy_reference", offramp.reference_id)])
    return rows


def deposit_buttons(
    offramp: OfframpRecord | str, *, cancellable: bool = True, copyable: bool = True
) -> InlineKeyboardMarkup:
    """Check status and Cancel; given the offramp itself (not only its reference) and while the
    deposit is awaited, the copy buttons above them."""
    reference = offramp if isinstance(offramp, str) else offramp.reference_id
    row = [(raw("btn_check_status"), cb.TX_STATUS(reference))]
    if cancellable:
        row.append((raw("btn_cancel"), cb.TX_CANCEL(reference)))
    actions = keyboard([row]).inline_keyboard
    if isinstance(offramp, str) or not copyable or not offramp.escrow_address:
        return InlineKeyboardMarkup(actions)
    return InlineKeyboardMarkup([*copy_buttons(offramp), *actions])
