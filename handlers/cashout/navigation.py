"""Moving about the cash-out without losing what was typed: Back, the summary's Edit, saving
the recipient, and /language in the middle of it (the question on screen comes back in the
new language)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import ReplyKeyboardRemove, Update

from handlers.cashout.draft import draft
from handlers.cashout.prompts import (
    after_recipient,
    ask_amount,
    ask_bank,
    ask_bank_account,
    ask_bank_holder,
    ask_chain,
    ask_country,
    ask_edit,
    ask_holder_name,
    ask_mm_network,
    ask_paybill_account,
    ask_phone,
    ask_recipient,
    ask_shortcode,
    ask_token,
    reprompt,
    show_quote,
    show_summary,
)
from handlers.cashout.states import (
    AMOUNT,
    BANK_ACCOUNT,
    BANK_HOLDER,
    BANK_PICK,
    CHAIN,
    COUNTRY,
    EDIT,
    HOLDER_NAME,
    MM_NETWORK,
    MM_NUMBER,
    PAYBILL,
    PAYBILL_ACCOUNT,
    QUOTE,
    RECIPIENT,
    REFUND,
    SUMMARY,
    TILL,
    TOKEN,
)
from handlers.common import Context, answer, edit_or_say, say, services, user_id
from ui import callbacks as cb
from ui.texts import LANGUAGES, raw, t, use_language

Ask = Callable[[Update, Context, bool], Awaitable[int]]


#: How each question is asked again from the draft (its answer kept). A confirmation that is
#: not a question of its own (the registered-name check) is not here: Back passes over it.
ASK_AGAIN: dict[int, Ask] = {
    COUNTRY: lambda u, c, e: ask_country(u, c, edit=e),
    TOKEN: lambda u, c, e: ask_token(u, c, edit=e),
    CHAIN: lambda u, c, e: ask_chain(u, c, edit=e),
    AMOUNT: lambda u, c, e: ask_amount(u, c, edit=e),
    QUOTE: lambda u, c, e: show_quote(u, c, edit=e),
    RECIPIENT: lambda u, c, e: ask_recipient(u, c, edit=e),
    MM_NUMBER: lambda u, c, e: ask_phone(u, c),
    MM_NETWORK: lambda u, c, e: ask_mm_network(u, c),
    HOLDER_NAME: lambda u, c, e: ask_holder_name(u, c),
    BANK_PICK: lambda u, c, e: ask_bank(u, c, edit=e),
    BANK_ACCOUNT: lambda u, c, e: ask_bank_account(u, c, edit=e),
    BANK_HOLDER: lambda u, c, e: ask_bank_holder(u, c),
    TILL: lambda u, c, e: ask_shortcode(u, c, edit=e),
    PAYBILL: lambda u, c, e: ask_shortcode(u, c, edit=e),
    PAYBILL_ACCOUNT: lambda u, c, e: ask_paybill_account(u, c),
    REFUND: lambda u, c, e: after_recipient(u, c),
    SUMMARY: lambda u, c, e: show_summary(u, c, edit=e),
    EDIT: lambda u, c, e: ask_edit(u, c, edit=e),
}


def _pressed_an_older_message(update: Update, context: Context) -> bool:
    query = update.callback_query
    current = (draft(update, context).get("prompt") or {}).get("message_id")
    pressed = query.message.message_id if query is not None and query.message is not None else None
    return pressed is not None and current is not None and pressed < current


async def _take_away_reply_keyboard(update: Update, context: Context) -> None:
    """The "share my number" keyboard goes when its question does (a message carries one
    keyboard, and the question going back has buttons of its own): a removal is sent and
    deleted at once, so no stray message stays in the chat."""
    cash = draft(update, context)
    if cash.get("reply_keyboard"):
        cash["reply_keyboard"] = False
        removal = await say(update, context, raw("btn_back"), ReplyKeyboardRemove())
        await removal.delete()


async def went_back(update: Update, context: Context) -> int:
    """⬅️ Back: the question before this one, with the answer given to it kept."""
    await answer(update)
    cash = draft(update, context)
    steps = [int(step) for step in cash.get("steps", [])]
    current = steps[-1] if steps else COUNTRY
    if _pressed_an_older_message(update, context):
        await reprompt(update, context)  # a toast: the question on screen is below
        return current
    earlier = [step for step in steps[:-1] if step in ASK_AGAIN]
    if not earlier:
        await reprompt(update, context)
        return current
    await _take_away_reply_keyboard(update, context)
    return await ASK_AGAIN[earlier[-1]](update, context, update.callback_query is not None)


async def edit_action(update: Update, context: Context) -> int:
    """The summary's Edit, then what to change; the summary comes back after that one change."""
    await answer(update)
    assert update.callback_query is not None
    (what,) = cb.EDIT.parse(update.callback_query.data)
    cash = draft(update, context)
    if what == "menu":
        return await ask_edit(update, context)
    cash["editing"] = what
    if what == "amount":
        return await ask_amount(update, context, edit=True)
    if what == "recipient":
        return await ask_recipient(update, context)
    return await after_recipient(update, context)


async def save_recipient(update: Update, context: Context) -> int:
    """The customer asks to keep this recipient (otherwise one is kept only once a cash-out to
    it was delivered)."""
    await answer(update)
    draft(update, context)["recipient_saved"] = True
    return await show_summary(update, context, note=t("recipient_will_be_saved"), edit=True)


async def chose_language_in_flow(update: Update, context: Context) -> int:
    """/language during a cash-out: the language changes and the question on screen is asked
    again in it; nothing typed so far is lost."""
    assert update.callback_query is not None
    cash = draft(update, context)
    steps = [int(step) for step in cash.get("steps", [])]
    current = next((step for step in reversed(steps) if step in ASK_AGAIN), COUNTRY)
    (code,) = cb.LANGUAGE.parse(update.callback_query.data)
    if code not in LANGUAGES:
        await answer(update, raw("stale_button"))
        return steps[-1] if steps else COUNTRY
    await answer(update)
    await services(context).storage.users.set_language(user_id(update), code)
    use_language(code)
    await edit_or_say(update, context, t("language_set"))  # the language menu says it is done
    await _take_away_reply_keyboard(update, context)
    return await ASK_AGAIN[current](update, context, False)  # the question below it, anew
