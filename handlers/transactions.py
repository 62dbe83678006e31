"""/status, /history, opening one transaction, checking its status, cancelling it.

Every button or command that names an offramp is checked against its owner first.
"""

from __future__ import annotations

import contextlib
import re

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers.common import Context, answer, chat_id, edit_or_say, in_private_chat, say, services, user_id
from kotani import errors
from offramps.roles import has_role, role_of
from offramps.states import awaits_deposit, deposit_seen, status_of, submitted
from storage.models import OfframpRecord
from ui import callbacks as cb
from ui.problems import kotani_problem
from ui.texts import raw, status_words, t
from ui.transactions import (
    action_buttons,
    back_to_history,
    cancel_question,
    card,
    details,
    history_view,
    with_revoke_link,
)
from ui.views import when

PAGE = 10
REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


async def owned(update: Update, context: Context, reference: str) -> OfframpRecord | None:
    """The offramp if it belongs to the person asking; otherwise say why not and return None."""
    offramp = await services(context).storage.offramps.get(reference) if REFERENCE.match(reference) else None
    if offramp is None:
        await answer(update, raw("unknown_transaction"))
        if update.callback_query is None:
            await say(update, context, t("unknown_transaction"))
        return None
    asker = user_id(update)
    if asker not in (offramp.user_id, offramp.agent_id) and not await has_role(services(context), asker, "admin"):
        await answer(update, raw("not_yours"))
        if update.callback_query is None:
            await say(update, context, t("not_yours"))
        return None
    return offramp


async def owned_and_answered(update: Update, context: Context, reference: str) -> OfframpRecord | None:
    """Like :func:`owned`, and a button press is answered either way."""
    offramp = await owned(update, context, reference)
    if offramp is not None:
        await answer(update)
    return offramp


async def owned_by_button(update: Update, context: Context, kind: cb.Callback) -> OfframpRecord | None:
    """The offramp a button of ``kind`` names, if the presser may act on it."""
    assert update.callback_query is not None
    (reference,) = kind.parse(update.callback_query.data)
    return await owned_and_answered(update, context, reference)


async def refresh_from_kotani(update: Update, context: Context, offramp: OfframpRecord) -> OfframpRecord:
    """Ask Kotani now (the user is waiting), through the same path as webhooks and the
    reconciler; agents and the operations chat still hear of a change the user is shown."""
    svc = services(context)
    if not submitted(offramp):
        return offramp
    try:
        await svc.cashouts.refresh(offramp, source="poll", answered_chat_id=chat_id(update))
    except errors.KotaniError:
        return offramp
    return await svc.storage.offramps.get(offramp.reference_id) or offramp


def shown_in_full(update: Update, offramp: OfframpRecord) -> bool:
    """The owner reading their own cash-out in their private chat sees its recipient exactly
    as they typed it (a typo must be visible); anyone else, or any group, a masked one."""
    return in_private_chat(update) and user_id(update) == offramp.user_id


async def card_of(context: Context, offramp: OfframpRecord, *, full: bool | None = None) -> str:
    svc = services(context)
    recipient = await svc.storage.recipients.of_offramp(offramp)
    return card(offramp, recipient=recipient, deadline=svc.deposit_deadline(offramp), full=full)


async def show(
    update: Update, context: Context, offramp: OfframpRecord, *, timeline: bool = False, back: int | None = None
) -> None:
    """The cash-out's card; ``back``: opened from the /history page at this offset."""
    text = await card_of(context, offramp, full=shown_in_full(update, offramp))
    if timeline:
        events = await services(context).storage.offramps.events(offramp.reference_id)
        steps = [
            f"{when(e.received_at, offramp.currency)} · {status_words(e.status or '')}"
            for e in events
            if e.changed and e.status
        ]
        if steps:
            text += "\n\n" + t("timeline_header") + "\n" + "\n".join(steps)
    buttons = action_buttons(offramp)
    if offramp.agent_id is not None and offramp.agent_id == user_id(update) and in_private_chat(update):
        buttons = with_revoke_link(buttons, offramp.reference_id)  # the agent who served a walk-in
    await edit_or_say(update, context, text, buttons if back is None else back_to_history(buttons, back))


async def status_command(update: Update, context: Context) -> None:
    latest = await services(context).storage.offramps.for_user(user_id(update), limit=1)
    if not latest:
        await say(update, context, t("no_transactions"))
        return
    await show(update, context, await refresh_from_kotani(update, context, latest[0]))


async def status_button(update: Update, context: Context) -> None:
    offramp = await owned_by_button(update, context, cb.TX_STATUS)
    if offramp is None:
        return
    await show(update, context, await refresh_from_kotani(update, context, offramp))


async def open_button(update: Update, context: Context) -> None:
    offramp = await owned_by_button(update, context, cb.TX_OPEN)
    if offramp is None:
        return
    await show(update, context, offramp, timeline=True)


async def open_from_history(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    offset, reference = cb.HISTORY_OPEN.parse(update.callback_query.data)
    offramp = await owned_and_answered(update, context, reference)
    if offramp is not None:
        await show(update, context, offramp, timeline=True, back=int(offset))


async def open_reference(update: Update, context: Context, reference: str) -> None:
    """Deep link ``/start tx_<reference>``."""
    offramp = await owned(update, context, reference)
    if offramp is not None:
        await show(update, context, offramp, timeline=True)


async def history(update: Update, context: Context, offset: int = 0) -> None:
    svc = services(context)
    owner = user_id(update)
    total = await svc.storage.offramps.count_for_user(owner)
    if total == 0:
        await answer(update)
        await edit_or_say(update, context, t("no_transactions"))
        return
    offset = max(0, min(offset, (total - 1) // PAGE * PAGE))
    page = await svc.storage.offramps.for_user(owner, limit=PAGE, offset=offset)
    recipients = {
        o.recipient_id: recipient
        for o in page
        if o.recipient_id is not None
        and (recipient := await svc.storage.recipients.get(o.recipient_id, o.user_id)) is not None
    }
    text, buttons = history_view(
        page, recipients, offset=offset, total=total, page_size=PAGE, full=in_private_chat(update)
    )
    await answer(update)
    await edit_or_say(update, context, text, buttons)


async def history_command(update: Update, context: Context) -> None:
    await history(update, context)


async def history_page(update: Update, context: Context) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    await history(update, context, int(cb.HISTORY_PAGE.parse(update.callback_query.data)[0]))


async def cancel_button(update: Update, context: Context) -> None:
    """The first tap asks; ``cancel_sure_button`` cancels."""
    offramp = await owned_by_button(update, context, cb.TX_CANCEL)
    if offramp is None:
        return
    offramp = await refresh_from_kotani(update, context, offramp)
    if not awaits_deposit(offramp):
        await cancel_offramp(update, context, offramp)  # says why not, with the current card
        return
    text, buttons = cancel_question(offramp)
    await say(update, context, text, buttons)


async def cancel_sure_button(update: Update, context: Context) -> None:
    offramp = await owned_by_button(update, context, cb.TX_CANCEL_SURE)
    if offramp is not None:
        await cancel_offramp(update, context, offramp)


async def keep_button(update: Update, context: Context) -> None:
    offramp = await owned_by_button(update, context, cb.TX_KEEP)
    if offramp is not None:
        await edit_or_say(update, context, t("cancel_kept", reference=offramp.reference_id))


async def cancel_offramp(update: Update, context: Context, offramp: OfframpRecord) -> None:
    svc = services(context)
    offramp = await refresh_from_kotani(update, context, offramp)
    if not awaits_deposit(offramp):
        why = (
            t("why_not_pending")
            if status_of(offramp).crypto_on_its_way or deposit_seen(offramp)
            else t("why_terminal", status=status_words(offramp.status))
        )
        await say(update, context, t("cancel_not_pending", why=why))
        await show(update, context, offramp)
        return
    try:
        stored = await svc.cashouts.cancel(offramp, answered_chat_id=chat_id(update))
    except errors.NotCancellable:
        offramp = await refresh_from_kotani(update, context, offramp)
        await say(update, context, t("cancel_not_pending", why=t("why_not_pending")))
        await show(update, context, offramp)
        return
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return
    if await role_of(svc, user_id(update)) != "customer":
        await svc.storage.audit.record(user_id(update), "cancel", offramp.reference_id)
    await edit_or_say(update, context, t("cancel_done", reference=offramp.reference_id) + "\n\n" + details(stored))
    await refresh_card(context, stored)


async def refresh_card(context: Context, offramp: OfframpRecord) -> None:
    """Bring the cash-out's card up to date (its Cancel button must not outlive the cancel)."""
    if offramp.status_message_id is None:
        return
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_text(
            await card_of(context, offramp), chat_id=offramp.chat_id, message_id=offramp.status_message_id,
            parse_mode=ParseMode.HTML, reply_markup=action_buttons(offramp),
        )  # fmt: skip


def transaction_handlers() -> list[object]:
    return [
        CommandHandler("status", status_command),
        CommandHandler("history", history_command),
        CallbackQueryHandler(status_button, pattern=cb.TX_STATUS.pattern),
        CallbackQueryHandler(open_button, pattern=cb.TX_OPEN.pattern),
        CallbackQueryHandler(cancel_button, pattern=cb.TX_CANCEL.pattern),
        CallbackQueryHandler(cancel_sure_button, pattern=cb.TX_CANCEL_SURE.pattern),
        CallbackQueryHandler(keep_button, pattern=cb.TX_KEEP.pattern),
        CallbackQueryHandler(history_page, pattern=cb.HISTORY_PAGE.pattern),
        CallbackQueryHandler(open_from_history, pattern=cb.HISTORY_OPEN.pattern),
    ]
