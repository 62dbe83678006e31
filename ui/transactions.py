"""A cash-out as its owner or an agent reads it: status, reason, hashes, and what can be done now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from offramps.rules.explorers import explorer_link
from offramps.states import awaits_deposit, status_of
from storage.models import OfframpRecord, Recipient
from ui import callbacks as cb
from ui.deposit import deposit_buttons, deposit_text
from ui.keyboards import keyboard
from ui.problems import payout_reason
from ui.texts import raw, status_words, t
from ui.views import crypto_text, fiat_text, in_owners_private_chat, recipient_label, status_line, when


def explorer(offramp: OfframpRecord, transaction_hash: str) -> str:
    """`` · View on Tronscan`` after a hash, linked to the chain's explorer (or nothing)."""
    link = explorer_link(offramp.chain, transaction_hash)
    return "" if link is None else " · " + t("explorer_link", url=link[1], explorer=link[0])


def details(offramp: OfframpRecord) -> str:
    text = status_line(offramp)
    status = status_of(offramp)
    if offramp.error and status.in_refund_path:
        text += "\n" + t("detail_reason", reason=payout_reason(offramp.error))
    if offramp.transaction_hash:
        text += (
            "\n" + t("detail_deposit_tx", hash=offramp.transaction_hash) + explorer(offramp, offramp.transaction_hash)
        )
    if offramp.refund_transaction_hash:
        text += "\n" + t("detail_refund_tx", hash=offramp.refund_transaction_hash)
        text += explorer(offramp, offramp.refund_transaction_hash)
    text += "\n" + t("detail_created", when=when(offramp.created_at, offramp.currency))
    return text


def action_buttons(offramp: OfframpRecord) -> InlineKeyboardMarkup:
    """What can be done with this offramp now: check, cancel while PENDING, act on a refund."""
    reference = offramp.reference_id
    status = status_of(offramp)
    # copy buttons only while the deposit is awaited: afterwards nothing needs to be typed
    waiting = awaits_deposit(offramp)
    rows: list[Sequence[InlineKeyboardButton]] = list(
        deposit_buttons(offramp, cancellable=waiting, copyable=waiting).inline_keyboard
    )
    extra = []
    if status.refund_can_be_retried:
        extra.append(InlineKeyboardButton(raw("btn_retry_refund"), callback_data=cb.REFUND_RETRY(reference)))
    if offramp.awaiting_invoice:
        extra.append(InlineKeyboardButton(raw("btn_send_invoice"), callback_data=cb.REFUND_INVOICE(reference)))
    if status.is_delivered:
        extra.append(InlineKeyboardButton(raw("btn_receipt"), callback_data=cb.RECEIPT(reference)))
    if status.in_refund_path:
        extra.append(InlineKeyboardButton(raw("btn_refund_status"), callback_data=cb.REFUND_STATUS(reference)))
    if extra:
        rows.append(extra)
    if status.is_terminal and offramp.agent_id is None:
        # the same cash-out again at a fresh quote (a walk-in customer's is never repeated for another)
        rows.append([InlineKeyboardButton(raw("btn_send_again"), callback_data=cb.AGAIN(reference))])
    return InlineKeyboardMarkup(rows)


def history_view(
    page: list[OfframpRecord],
    recipients: Mapping[int, Recipient],
    *,
    offset: int,
    total: int,
    page_size: int,
    full: bool,
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of /history: each cash-out with its amount, date, recipient and status (the
    reference alone told people nothing), a button to open it and, once delivered, one for its
    receipt. ``full``: the recipients are shown unmasked (the owner's own private chat)."""
    lines = [t("history_header", start=offset + 1, end=offset + len(page), total=total)]
    rows: list[list[InlineKeyboardButton]] = []
    for number, offramp in enumerate(page, offset + 1):
        recipient = recipients.get(offramp.recipient_id) if offramp.recipient_id is not None else None
        lines.append(
            t(
                "history_entry",
                number=number,
                receive=fiat_text(offramp.fiat_transaction_amount, offramp.currency),
                crypto=crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
                date=when(offramp.created_at, offramp.currency),
                recipient=recipient_label(recipient, full=full) if recipient is not None else "—",
                status=status_words(offramp.status),
            )
        )
        row = [
            InlineKeyboardButton(
                f"{offramp.reference_id} · {status_words(offramp.status)}",
                callback_data=cb.HISTORY_OPEN(offset, offramp.reference_id),
            )
        ]
        if status_of(offramp).is_delivered:
            row.append(InlineKeyboardButton(raw("btn_receipt"), callback_data=cb.RECEIPT(offramp.reference_id)))
        rows.append(row)
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(raw("btn_newer"), callback_data=cb.HISTORY_PAGE(max(0, offset - page_size))))
    if offset + page_size < total:
        nav.append(InlineKeyboardButton(raw("btn_older"), callback_data=cb.HISTORY_PAGE(offset + page_size)))
    if nav:
        rows.append(nav)
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def back_to_history(markup: InlineKeyboardMarkup, offset: int) -> InlineKeyboardMarkup:
    """A detail view opened from /history gets a Back to the page it came from."""
    back = InlineKeyboardButton(raw("btn_back_history"), callback_data=cb.HISTORY_PAGE(offset))
    return InlineKeyboardMarkup([*markup.inline_keyboard, [back]])


def with_revoke_link(markup: InlineKeyboardMarkup, reference: str) -> InlineKeyboardMarkup:
    """The serving agent's card of a walk-in cash-out can end the customer's view link."""
    revoke = InlineKeyboardButton(raw("btn_revoke_link"), callback_data=cb.LINK_REVOKE(reference))
    return InlineKeyboardMarkup([*markup.inline_keyboard, [revoke]])


def card(offramp: OfframpRecord, *, recipient: Recipient | None, deadline: datetime, full: bool | None = None) -> str:
    """The cash-out as its card shows it. While Kotani waits for the deposit, the instructions
    (address, exact amount, deadline) stay on it through every status check: the QR image
    alone cannot be copied. ``full``: the recipient unmasked; by default when the card is in
    its owner's private chat (the notification sender edits it there)."""
    text = details(offramp)
    if awaits_deposit(offramp) and offramp.escrow_address:
        shown_in_full = in_owners_private_chat(offramp) if full is None else full
        label = recipient_label(recipient, full=shown_in_full) if recipient is not None else "—"
        text = deposit_text(offramp, label, deadline) + "\n\n" + text
    return text


def cancel_question(offramp: OfframpRecord) -> tuple[str, object]:
    """Cancel is two taps: money may already be on its way, and a cancel cannot be undone."""
    reference = offramp.reference_id
    buttons = keyboard(
        [[(raw("btn_cancel_sure"), cb.TX_CANCEL_SURE(reference)), (raw("btn_cancel_keep"), cb.TX_KEEP(reference))]]
    )
    return t("cancel_confirm", reference=reference), buttons
