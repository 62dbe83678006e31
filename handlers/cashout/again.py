"""Send again: a past cash-out repeated (same country, recipient, token, network and sender
address, same amount) at a fresh quote, landing on the summary: the button, the summary's
Confirm, done. An entry point of the cash-out conversation, so Back, Edit and Cancel work
from there as in any cash-out."""

from __future__ import annotations

from decimal import Decimal

from telegram import Update
from telegram.ext import ConversationHandler

from handlers.cashout.draft import CashDraft, recipient_draft
from handlers.cashout.prompts import ask_amount, show_summary
from handlers.cashout.quoting import fetch_quote, limits_problem
from handlers.cashout.states import AMOUNT, CHAIN, COUNTRY, QUOTE, RECIPIENT, REFUND, TOKEN
from handlers.cashout.tokens import token_choices
from handlers.common import Context, answer, conversation_data, say, services, user_id
from kotani import errors
from kotani.chains import msat_to_sats
from offramps.states import status_of
from storage.models import OfframpRecord
from ui import callbacks as cb
from ui.keyboards import main_menu
from ui.problems import kotani_problem, payout_reason
from ui.texts import raw, t
from ui.views import is_lightning


async def _repeatable(update: Update, context: Context, reference: str) -> CashDraft | None:
    """The draft of a cash-out like ``reference``, when the person asking made it and it can
    still be made the same way (its country and token are still offered)."""
    svc = services(context)
    offramp: OfframpRecord | None = await svc.storage.offramps.get(reference)
    asker = user_id(update)
    if offramp is None or offramp.user_id != asker or offramp.agent_id is not None or offramp.recipient_id is None:
        return None  # someone else's, or a walk-in customer's (their details are typed afresh)
    recipient = await svc.storage.recipients.get(offramp.recipient_id, asker)
    corridor = await svc.corridors.get(recipient.country) if recipient else None
    offered = {(str(chain), token) for chain, token in token_choices(svc)}
    if recipient is None or corridor is None or (offramp.chain, offramp.token) not in offered:
        return None
    if not is_lightning(offramp.chain) and not offramp.sender_address:
        return None  # on-chain cash-outs always carry the customer's own sender address
    amount = msat_to_sats(offramp.crypto_amount) if is_lightning(offramp.chain) else offramp.crypto_amount
    return {
        "for_customer": False, "owner": asker,
        "country": corridor.country, "currency": corridor.currency, "country_name": corridor.name,
        "chain": offramp.chain, "token": offramp.token, "mode": "crypto", "amount": str(Decimal(amount)),
        "recipient": recipient_draft(recipient),
        "refund_address": offramp.sender_address,
        # Back from the summary walks the usual questions, each answered already
        "steps": [COUNTRY, TOKEN, *([CHAIN] if len([1 for c, tk in offered if tk == offramp.token]) > 1 else []),
                  AMOUNT, QUOTE, RECIPIENT, REFUND],
    }  # fmt: skip


async def send_again(update: Update, context: Context) -> int:
    assert update.callback_query is not None
    (reference,) = cb.AGAIN.parse(update.callback_query.data)
    cash = await _repeatable(update, context, reference)
    if cash is None:
        await answer(update, raw("again_unavailable"))
        await say(update, context, t("again_unavailable"), main_menu())
        return ConversationHandler.END
    await answer(update)
    saved = await services(context).storage.recipients.for_owner(user_id(update))
    if any(r.destination == cash["recipient"].get("destination") for r in saved):
        cash["recipient_saved"] = True  # already among the saved ones: no "Save recipient" button
    conversation_data(update, context)["cash"] = cash
    try:
        quote = await fetch_quote(update, context)
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return await ask_amount(update, context)
    problem = limits_problem(services(context), cash, quote)
    if problem is not None:  # the limits changed since: ask for another amount
        cash.pop("quote", None)
        await say(update, context, problem)
        return await ask_amount(update, context)
    note = t("again_note")
    past = await services(context).storage.offramps.get(reference)
    if past is not None and past.error and status_of(past).in_refund_path:
        # the payout to this recipient failed last time: say why before it is tried again
        note += "\n" + t("again_last_failed", reason=payout_reason(past.error))
    return await show_summary(update, context, note=note)
