"""The deposit instructions card and its buttons (also edited by the notification sender)."""

from __future__ import annotations

from datetime import datetime

from telegram import (
    InlineKeyboardMarkup,
)

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


def deposit_text(offramp: OfframpRecord, recipient: str, deadline: datetime) -> str:
    values = {
        "crypto": crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
        "chain": offramp.chain.title(),
        "token": offramp.token,
        "address": offramp.escrow_address or "",
        "deadline": when(deadline),
        "receive": fiat_text(offramp.fiat_transaction_amount, offramp.currency),
        "recipient": recipient,
        "reference": offramp.reference_id,
    }
    return t("deposit_lightning" if is_lightning(offramp.chain) else "deposit", **values)


def deposit_buttons(reference: str, *, cancellable: bool = True) -> InlineKeyboardMarkup:
    row = [(raw("btn_check_status"), cb.TX_STATUS(reference))]
    if cancellable:
        row.append((raw("btn_cancel"), cb.TX_CANCEL(reference)))
    return keyboard([row])
