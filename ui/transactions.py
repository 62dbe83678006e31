"""A cash-out as its owner or an agent reads it: status, reason, hashes, and what can be done now."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from offramps.states import status_of
from storage.models import OfframpRecord
from ui import callbacks as cb
from ui.deposit import deposit_buttons
from ui.texts import raw, t
from ui.views import status_line, when


def details(offramp: OfframpRecord) -> str:
    text = status_line(offramp)
    status = status_of(offramp)
    if offramp.error and status.in_refund_path:
        text += "\n" + t("detail_reason", reason=offramp.error)
    if offramp.transaction_hash:
        text += "\n" + t("detail_deposit_tx", hash=offramp.transaction_hash)
    if offramp.refund_transaction_hash:
        text += "\n" + t("detail_refund_tx", hash=offramp.refund_transaction_hash)
    text += "\n" + t("detail_created", when=when(offramp.created_at))
    return text


def action_buttons(offramp: OfframpRecord) -> InlineKeyboardMarkup:
    """What can be done with this offramp now: check, cancel while PENDING, act on a refund."""
    reference = offramp.reference_id
    status = status_of(offramp)
    rows = deposit_buttons(reference, cancellable=status.is_cancellable).inline_keyboard
    extra = []
    if status.refund_can_be_retried:
        extra.append(InlineKeyboardButton(raw("btn_retry_refund"), callback_data=cb.REFUND_RETRY(reference)))
    if offramp.awaiting_invoice:
        extra.append(InlineKeyboardButton(raw("btn_send_invoice"), callback_data=cb.REFUND_INVOICE(reference)))
    if status.in_refund_path:
        extra.append(InlineKeyboardButton(raw("btn_refund_status"), callback_data=cb.REFUND_STATUS(reference)))
    return InlineKeyboardMarkup([*rows, extra] if extra else rows)
