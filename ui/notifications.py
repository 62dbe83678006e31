"""What a chat reads when an offramp changes: the outbox row's kind and payload, plus the
offramp and its recipient, rendered as text and buttons (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardMarkup

from storage.models import OfframpRecord, Recipient
from ui import callbacks as cb
from ui.keyboards import keyboard
from ui.problems import payout_reason
from ui.texts import raw, status_words, t
from ui.transactions import explorer
from ui.views import (
    crypto_text,
    fiat_text,
    in_owners_private_chat,
    is_lightning,
    network_name,
    recipient_label,
    sats_number,
    when,
)


def sms_sender(recipient: Recipient | None) -> str:
    """Who texts the recipient a confirmation: their bank, M-PESA for a till or paybill, else
    their mobile money network (a bank payout is not confirmed "from mobile money")."""
    if recipient is None:
        return network_name(None)
    if recipient.kind == "bank" and recipient.bank_name:
        return recipient.bank_name
    if recipient.kind in ("till", "paybill"):
        return network_name("MPESA")
    return network_name(recipient.network)


def render(
    kind: str, payload: dict[str, Any], offramp: OfframpRecord, recipient: Recipient | None, *, support: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    reference = offramp.reference_id
    values: dict[str, Any] = {
        "reference": reference,
        "crypto": crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
        "receive": fiat_text(offramp.fiat_transaction_amount, offramp.currency),
        # in full only in the owner's own private chat, never to agents or the operations chat
        "recipient": recipient_label(
            recipient, full=not kind.startswith(("ops_", "agent_")) and in_owners_private_chat(offramp)
        )
        if recipient
        else t("the_recipient"),
        "network": sms_sender(recipient),
        "support": support,
        "reason": payout_reason(payload.get("error") or offramp.error),  # raw text: agents only (below)
    }
    markup: InlineKeyboardMarkup | None = None
    if kind.startswith("ops_"):
        what = t("ops_what_" + kind.removeprefix("ops_"))
        provider_text = payload.get("error") or offramp.error or t("no_reason_given")
        reason = f" ({provider_text})" if kind in ("ops_failed", "ops_refund_failed") else ""
        if kind == "ops_slow_payout":
            reason = " " + t(
                "ops_slow_for", minutes=int(payload.get("minutes", 30)), status=status_words(offramp.status)
            )
        text = t(
            "ops_alert",
            what=what,
            reference=reference,
            receive=values["receive"],
            recipient=values["recipient"],
            reason=reason,
        )
        row = [(raw("btn_open"), cb.TX_OPEN(reference))]
        if kind == "ops_refund_failed":
            row.append((raw("btn_retry_refund"), cb.REFUND_RETRY(reference)))
        markup = keyboard([row])
    elif kind.startswith("agent_"):
        text = t("n_agent", **{**values, "status": status_words(kind.removeprefix("agent_").upper())})
    elif kind == "failed" and offramp.onchain_status == "FAILED":
        text = t("n_failed_deposit", **values)
    elif kind == "failed" and is_lightning(offramp.chain):
        # no automatic push back on Lightning: Kotani pays a refund to an invoice only
        text = t("n_failed_lightning", **values)
    elif kind == "reversed":
        amount = offramp.refund_amount or offramp.crypto_amount
        text = t("n_reversed", amount=crypto_text(offramp.token, offramp.chain, Decimal(amount)), reference=reference)
        if offramp.sender_address:  # where it went: the address the customer said they send from
            text += "\n" + t("n_refund_to", address=offramp.sender_address)
        if offramp.refund_transaction_hash:
            text += t("n_refund_tx", hash=offramp.refund_transaction_hash)
    elif kind == "invoice_needed":
        text = t(
            "n_invoice_needed", sats=sats_number(offramp.refund_amount or offramp.crypto_amount), reference=reference
        )
        markup = keyboard([[(raw("btn_send_invoice"), cb.REFUND_INVOICE(reference))]])
    elif kind == "expired":
        text = t("n_expired", **values)
        markup = keyboard([[(raw("btn_again_fresh_rate"), cb.AGAIN(reference))]])
    elif kind == "deposit_reminder":
        deadline = payload.get("deadline")
        text = t(
            "n_deposit_reminder",
            reference=reference,
            crypto=values["crypto"],
            minutes=int(payload.get("minutes", 10)),
            deadline=when(datetime.fromisoformat(deadline)) if deadline else "—",
        )
    elif kind == "slow_payout":
        text = t("n_slow_payout", **values, minutes=int(payload.get("minutes", 30)))
    elif kind == "refund_failed":
        text = t("n_refund_failed", **values)
        markup = keyboard(
            [
                [
                    (raw("btn_retry_refund"), cb.REFUND_RETRY(reference)),
                    (raw("btn_refund_status"), cb.REFUND_STATUS(reference)),
                ]
            ]
        )
    else:
        text = t(f"n_{kind}", **values)
    if (
        kind == "failed"
        and offramp.sender_address
        and offramp.onchain_status != "FAILED"
        and not is_lightning(offramp.chain)
    ):
        text += "\n" + t("n_refund_to", address=offramp.sender_address)  # where the refund will go
    if kind == "successful" and offramp.transaction_hash:  # the deposit, verifiable on the chain's explorer
        text += (
            "\n" + t("detail_deposit_tx", hash=offramp.transaction_hash) + explorer(offramp, offramp.transaction_hash)
        )
    if "failed" in payload.get("folded", ()) and kind in ("reversed", "refund_failed", "invoice_needed"):
        # the failure notice was dropped unsent: this one is the first the owner hears of it
        text = (
            t("n_failed_folded", reference=reference, receive=values["receive"], reason=values["reason"]) + "\n" + text
        )
    if payload.get("correction"):
        text = t("n_correction", previous=status_words(str(payload.get("previous_status", "")))) + "\n" + text
    return text, markup
