"""The sender address, the summary and Confirm: the cash-out service creates the offramp and
these callbacks render its outcome (deposit instructions and QR code, or why not)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from telegram import (
    InputFile,
    Update,
)
from telegram.constants import ParseMode

from handlers.cashout.draft import CashDraft, draft, finish
from handlers.cashout.prompts import cancel_row, reprompt, show_summary
from handlers.cashout.quoting import fetch_quote, keep_quote
from handlers.cashout.states import LIGHTNING_NETWORK, REFUND, SUMMARY
from handlers.cashout.tokens import remember_choice
from handlers.common import Context, answer, chat_id, in_private_chat, say, services, user_id
from kotani import errors
from kotani.chains import Chain, is_valid_address, matches_address_format
from kotani.models import RefundConfig
from offramps.cashouts import Ambiguous, CashoutOrder, RecipientDetails, Refused, Requoted
from offramps.rules.addresses import is_token_contract
from offramps.rules.invoices import InvoiceProblem, check_refund_invoice
from offramps.rules.links import customer_view_payload
from offramps.rules.qr import deposit_qr_payload
from storage.models import OfframpRecord, QuoteRecord
from ui import callbacks as cb
from ui.deposit import deposit_buttons, deposit_text
from ui.keyboards import keyboard, main_menu
from ui.problems import address_hint, kotani_problem
from ui.texts import raw, t
from ui.views import (
    crypto_text,
    is_lightning,
    recipient_label,
)


async def chose_saved_sender_address(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    cash = draft(update, context)
    saved = await services(context).storage.sender_addresses.get(
        int(cb.SAVED_SENDER_ADDRESS.parse(update.callback_query.data)[0]), user_id(update)
    )
    if saved is None or saved.chain != cash.get("chain") or cash.get("for_customer"):
        await reprompt(update, context)
        return REFUND
    cash["refund_address"] = saved.address
    return await show_summary(update, context)


async def typed_refund_address(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    cash = draft(update, context)
    if is_lightning(cash["chain"]):
        return await typed_refund_invoice(update, context)
    address = update.message.text.strip()
    chain = Chain(cash["chain"])
    if not is_valid_address(chain, address):
        if matches_address_format(chain, address):  # the right shape, a wrong character somewhere
            await say(update, context, t("sender_address_typo", chain=chain.title()))
            return REFUND
        await say(update, context, t("refund_address_invalid", chain=chain.title(), hint=address_hint(chain)))
        return REFUND
    if is_token_contract(chain, address):
        await say(update, context, t("sender_address_is_contract", chain=chain.title(), token=cash["token"]))
        return REFUND
    cash["refund_address"] = address
    return await show_summary(update, context)


async def typed_refund_invoice(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    svc = services(context)
    cash = draft(update, context)
    try:
        invoice = check_refund_invoice(
            update.message.text, amount_msat=int(Decimal(cash["quote"]["crypto"])), network=LIGHTNING_NETWORK,
            now=svc.clock(), valid_for_seconds=3600,
        )  # fmt: skip
    except InvoiceProblem as problem:
        await say(update, context, t(problem.key, **problem.values))
        return REFUND
    cash["refund_invoice"] = {
        "bolt11": invoice.text, "payment_hash": invoice.payment_hash, "amount_msat": int(invoice.amount_msat or 0),
        "expires_at": invoice.expires_at.isoformat(),
    }  # fmt: skip
    return await show_summary(update, context)


async def skipped_refund_address(update: Update, context: Context) -> int:
    """Skip exists only for the optional Lightning refund invoice (an old on-chain Skip button
    from before the sender address was required just shows the question again)."""
    await answer(update)
    if not is_lightning(draft(update, context)["chain"]):
        await reprompt(update, context)
        return REFUND
    draft(update, context).pop("refund_invoice", None)
    return await show_summary(update, context)


def refund_config(cash: CashDraft) -> RefundConfig | None:
    invoice = cash.get("refund_invoice")
    if not invoice:
        return None
    return RefundConfig(
        bolt11=invoice["bolt11"], payment_hash=invoice["payment_hash"], amount_msat=int(invoice["amount_msat"]),
        expires_at=datetime.fromisoformat(invoice["expires_at"]),
    )  # fmt: skip


def order_of(update: Update, cash: CashDraft, quote: QuoteRecord) -> CashoutOrder:
    recipient = cash["recipient"]
    return CashoutOrder(
        owner_id=user_id(update), chat_id=chat_id(update), token=cash["token"], chain=cash["chain"],
        currency=cash["currency"], country=cash["country"], country_name=cash.get("country_name", cash["country"]),
        quote=quote,
        recipient=RecipientDetails(
            kind=recipient["kind"], destination=recipient["destination"], network=recipient.get("network"),
            holder_name=recipient.get("holder_name"), bank_code=recipient.get("bank_code"),
            bank_name=recipient.get("bank_name"), account_reference=recipient.get("account_reference", ""),
            customer_key=recipient.get("customer_key"),
        ),
        sender_address=cash.get("refund_address"), refund_config=refund_config(cash),
        for_customer=bool(cash.get("for_customer")), reference=cash.get("reference"),
    )  # fmt: skip


async def confirmed(update: Update, context: Context) -> int:
    """Confirm on the summary: the cash-out service creates it; this renders the outcome."""
    await answer(update)
    svc = services(context)
    cash = draft(update, context)
    quote = await svc.storage.quotes.get(cash["quote"]["id"], user_id(update)) if cash.get("quote") else None
    if quote is None:  # a draft from before its quote was kept: quote afresh
        try:
            await fetch_quote(update, context)
        except errors.KotaniError as exc:
            await say(update, context, t("create_retry", reason=kotani_problem(exc)))
            return SUMMARY
        return await show_summary(update, context, note=t("summary_requoted"))
    progress = await say(update, context, t("creating"))
    outcome = await svc.cashouts.create(order_of(update, cash, quote))
    if isinstance(outcome, Requoted) and same_numbers(quote, outcome.quote):
        # the rate ran out while the summary was read, but the fresh one says the same: the
        # customer agreed to exactly these numbers, so create it without asking again
        keep_quote(cash, outcome.quote)
        cash["reference"] = outcome.reference
        outcome = await svc.cashouts.create(order_of(update, cash, outcome.quote))
    await progress.delete()
    if isinstance(outcome, Requoted):
        changed = not same_numbers(quote, outcome.quote)
        keep_quote(cash, outcome.quote)
        cash["reference"] = outcome.reference
        return await show_summary(update, context, note=t("summary_requoted") if changed else None)
    if isinstance(outcome, Ambiguous):
        if outcome.reference:
            cash["reference"] = outcome.reference
        await say(
            update,
            context,
            t("create_retry", reason=kotani_problem(outcome.error)),
            keyboard([[(raw("btn_confirm"), cb.CONFIRM())], cancel_row()]),
        )
        return SUMMARY
    if isinstance(outcome, Refused):
        await say(update, context, t("create_failed", reason=kotani_problem(outcome.error)), main_menu())
        return finish(update, context)
    offramp = outcome.offramp
    label = recipient_label(cash["recipient"])  # masked: also what the audit log keeps
    if not cash.get("for_customer"):
        remember_choice(context, cash)  # offered first next time
        if cash.get("recipient_saved") and offramp.recipient_id is not None:
            await svc.storage.recipients.keep(offramp.recipient_id, user_id(update))
    await send_deposit(update, context, offramp, recipient_label(cash["recipient"], full=in_private_chat(update)))
    if outcome.new and cash.get("for_customer"):
        owner = user_id(update)
        await svc.storage.audit.record(owner, "cashout_for_customer", offramp.reference_id, recipient=label)
        payload = customer_view_payload(offramp.reference_id, context.bot.token)
        await say(update, context, t("customer_link", link=f"https://t.me/{context.bot.username}?start={payload}"))
    return finish(update, context)


def same_numbers(old: QuoteRecord, new: QuoteRecord) -> bool:
    """What the customer reads on the summary (amounts, fee, rate) is the same in both quotes."""
    return (old.crypto_amount, old.fiat_amount, old.fee, old.transaction_amount, old.rate) == (
        new.crypto_amount, new.fiat_amount, new.fee, new.transaction_amount, new.rate,
    )  # fmt: skip


async def send_deposit(update: Update, context: Context, offramp: OfframpRecord, recipient: str) -> None:
    """The QR code first, then the card with the address, amount and buttons: the card is the
    newest message, so its buttons are the ones at hand (and the terminal demo can press them)."""
    svc = services(context)
    deadline = svc.deposit_deadline(offramp)
    payload = deposit_qr_payload(offramp.chain, offramp.token, offramp.escrow_address or "", offramp.crypto_amount)
    await context.bot.send_photo(
        chat_id(update),
        InputFile(await svc.draw_qr(payload), filename=f"{offramp.reference_id}.png"),
        caption=t(
            "qr_caption",
            crypto=crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
            chain=offramp.chain.title(),
        ),
        parse_mode=ParseMode.HTML,
    )
    message = await say(update, context, deposit_text(offramp, recipient, deadline), deposit_buttons(offramp))
    await svc.storage.offramps.set_status_message(offramp.reference_id, message.message_id)
