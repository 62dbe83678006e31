"""Refunds the user can act on: send a Lightning refund invoice (a small conversation started
from the notification's button), retry a failed refund, ask where a refund stands."""

from __future__ import annotations

from typing import Any

from telegram import ForceReply, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from handlers.common import Context, answer, chat_id, conversation_data, say, services, user_id
from handlers.transactions import owned, owned_and_answered
from kotani import errors
from offramps.roles import role_of
from offramps.rules.invoices import InvoiceProblem, check_refund_invoice
from storage.models import OfframpRecord
from ui import callbacks as cb
from ui.problems import kotani_problem, payout_reason
from ui.texts import t
from ui.views import sats_number

INVOICE = 0
LIGHTNING_NETWORK = "bc"


def _sats(offramp: OfframpRecord) -> str:
    return sats_number(offramp.refund_amount or offramp.crypto_amount)


async def start_invoice(update: Update, context: Context) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    offramp = await owned(update, context, cb.REFUND_INVOICE.parse(update.callback_query.data)[0])
    if offramp is None:
        return ConversationHandler.END
    await answer(update)
    if not offramp.awaiting_invoice:
        await say(update, context, t("invoice_not_needed"))
        return ConversationHandler.END
    conversation_data(update, context)["refund_reference"] = offramp.reference_id
    await say(
        update,
        context,
        t("ask_invoice", sats=_sats(offramp)),
        ForceReply(selective=True, input_field_placeholder="lnbc…"),
    )
    return INVOICE


async def typed_invoice(update: Update, context: Context) -> int:
    assert update.message is not None
    svc = services(context)
    reference = str(conversation_data(update, context).get("refund_reference", ""))
    offramp = await svc.storage.offramps.get(reference)
    if offramp is None or user_id(update) not in (offramp.user_id, offramp.agent_id) or not offramp.awaiting_invoice:
        await say(update, context, t("invoice_not_needed"))
        return ConversationHandler.END
    msat = int(offramp.refund_amount or offramp.crypto_amount)
    try:
        invoice = check_refund_invoice(
            update.message.text or "", amount_msat=msat, network=LIGHTNING_NETWORK, now=svc.clock()
        )
    except InvoiceProblem as problem:
        await say(update, context, t(problem.key, **problem.values), ForceReply(selective=True))
        return INVOICE
    try:
        await svc.cashouts.submit_refund_invoice(offramp, invoice.text, answered_chat_id=chat_id(update))
    except errors.InvoiceRefused as exc:
        await say(
            update,
            context,
            t("invoice_refused", reason=payout_reason(exc.message), sats=_sats(offramp)),
            ForceReply(selective=True),
        )
        return INVOICE
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return INVOICE
    if await role_of(svc, user_id(update)) != "customer":
        await svc.storage.audit.record(user_id(update), "submit_refund_invoice", reference)
    await say(update, context, t("invoice_accepted", sats=_sats(offramp)))
    conversation_data(update, context).pop("refund_reference", None)
    return ConversationHandler.END


async def not_an_invoice(update: Update, context: Context) -> int:
    await say(update, context, t("invoice_unreadable"), ForceReply(selective=True))
    return INVOICE


async def stop_invoice(update: Update, context: Context) -> int:
    conversation_data(update, context).pop("refund_reference", None)
    await say(update, context, t("cancelled_flow"))
    return ConversationHandler.END


async def retry_refund(update: Update, context: Context, reference: str) -> None:
    svc = services(context)
    offramp = await owned_and_answered(update, context, reference)
    if offramp is None:
        return
    try:
        await svc.cashouts.retry_refund(offramp, answered_chat_id=chat_id(update))
    except errors.RefundNotRetryable:
        await say(
            update,
            context,
            t("refund_not_retryable", support=svc.settings.support_contact, reference=offramp.reference_id),
        )
        return
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return
    if await role_of(svc, user_id(update)) != "customer":
        await svc.storage.audit.record(user_id(update), "retry_refund", offramp.reference_id)
    await say(update, context, t("refund_retry_started", reference=offramp.reference_id))


async def refund_status(update: Update, context: Context, reference: str) -> None:
    svc = services(context)
    offramp = await owned_and_answered(update, context, reference)
    if offramp is None:
        return
    try:
        info = await svc.kotani.get_refund_status(offramp.reference_id)
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return
    state = info.refund_status.value if info.refund_status else "NOT_REQUIRED"
    text = t("refund_status_line", reference=offramp.reference_id, state=t(f"refund_state_{state}"), details="")
    if info.refund_transaction_hash:  # appended, not a value of t(): the markup must not be escaped
        text += "\n" + t("detail_refund_tx", hash=info.refund_transaction_hash)
    await say(update, context, text)


async def retry_button(update: Update, context: Context) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    await retry_refund(update, context, cb.REFUND_RETRY.parse(update.callback_query.data)[0])


async def status_button(update: Update, context: Context) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    await refund_status(update, context, cb.REFUND_STATUS.parse(update.callback_query.data)[0])


async def retry_command(update: Update, context: Context) -> None:
    if not context.args:
        await say(update, context, t("usage_retryrefund"))
        return
    await retry_refund(update, context, context.args[0])


async def refund_command(update: Update, context: Context) -> None:
    if not context.args:
        await say(update, context, t("usage_refund"))
        return
    await refund_status(update, context, context.args[0])


def build_invoice_conversation() -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(start_invoice, pattern=cb.REFUND_INVOICE.pattern)],
        states={
            INVOICE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed_invoice),
                MessageHandler(filters.ALL & ~filters.COMMAND, not_an_invoice),
            ]
        },
        fallbacks=[CommandHandler("cancel", stop_invoice)],
        name="refund_invoice",
        persistent=True,
        allow_reentry=True,
    )


def refund_handlers() -> list[object]:
    return [
        CallbackQueryHandler(retry_button, pattern=cb.REFUND_RETRY.pattern),
        CallbackQueryHandler(status_button, pattern=cb.REFUND_STATUS.pattern),
        CommandHandler("retryrefund", retry_command),
        CommandHandler("refund", refund_command),
    ]
