"""A cash-out as its owner or an agent reads it: status, reason, hashes, and what can be done now."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from offramps.states import status_of
from storage.models import OfframpRecord, Recipient
from ui import callbacks as cb
from ui.deposit import deposit_buttons, deposit_text
from ui.keyboards import keyboard
from ui.problems import payout_reason
from ui.texts import raw, t
from ui.views import recipient_label, status_line, when


def details(offramp: OfframpRecord) -> str:
    text = status_line(offramp)
    status = status_of(offramp)
    if offramp.error and status.in_refund_path:
        text += "\n" + t("detail_reason", reason=payout_reason(offramp.error))
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


def card(offramp: OfframpRecord, *, recipient: Recipient | None, deadline: datetime) -> str:
    """The cash-out as its card shows it. While Kotani waits for the deposit, the instructions
    (address, exact amount, deadline) stay on it through every status check: the QR image
    alone cannot be copied."""
    text = details(offramp)
    if status_of(offramp).is_cancellable and offramp.escrow_address:
        label = recipient_label(recipient) if recipient is not None else "—"
        text = deposit_text(offramp, label, deadline) + "\n\n" + text
    return text


def cancel_question(offramp: OfframpRecord) -> tuple[str, object]:
    """Cancel is two taps: money may already be on its way, and a cancel cannot be undone."""
    reference = offramp.reference_id
    buttons = keyboard(
        [[(raw("btn_cancel_sure"), cb.TX_CANCEL_SURE(reference)), (raw("btn_cancel_keep"), cb.TX_KEEP(reference))]]
    )
    return t("cancel_confirm", reference=reference), buttons
