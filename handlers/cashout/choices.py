"""Entry, country, token, amount and the quote: the first half of a cash-out."""

from __future__ import annotations

from datetime import datetime

from babel.numbers import get_decimal_symbol
from telegram import (
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    ConversationHandler,
)

from handlers.cashout.draft import draft, finish
from handlers.cashout.prompts import (
    ask,
    ask_amount,
    ask_chain,
    ask_country,
    ask_recipient,
    ask_token,
    cancel_row,
    reprompt,
    show_quote,
    show_summary,
)
from handlers.cashout.quoting import amount_rules
from handlers.cashout.states import AMOUNT, CHAIN, COUNTRY, QUOTE, TOKEN
from handlers.cashout.tokens import chains_for, token_choices
from handlers.common import Context, answer, conversation_data, say, services, user_id
from handlers.start import help_command
from handlers.transactions import status_command
from kotani.chains import Chain, Token
from offramps.roles import has_role
from offramps.rules.amounts import AmountError, format_amount, parse_amount, parse_sats
from ui import callbacks as cb
from ui.keyboards import keyboard, main_menu
from ui.texts import language, raw, t
from ui.views import is_lightning


async def start_for_customer(update: Update, context: Context) -> int:
    """An agent cashes out for a walk-in customer: same steps, the customer is the recipient."""
    if not await has_role(services(context), user_id(update), "agent"):
        await say(update, context, t("staff_only_agent"))
        return ConversationHandler.END
    await say(update, context, t("for_customer_start"))
    return await start_cashout(update, context, for_customer=True)


async def start_cashout(update: Update, context: Context, *, for_customer: bool = False) -> int:
    await answer(update)
    conversation_data(update, context)["cash"] = {"for_customer": for_customer}
    return await ask_country(update, context)


async def chose_country(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (code,) = cb.COUNTRY.parse(update.callback_query.data)
    corridor = await services(context).corridors.get(code)
    if corridor is None:
        await reprompt(update, context)
        return COUNTRY
    cash = draft(update, context)
    if cash.get("country") not in (None, corridor.country):
        for key in ("recipient", "quote"):  # chosen for the other country (after Back)
            cash.pop(key, None)  # type: ignore[misc]
    cash["country"], cash["currency"], cash["country_name"] = corridor.country, corridor.currency, corridor.name
    return await ask_token(update, context, edit=True)


async def chose_token_only(update: Update, context: Context) -> int:
    """A token: its network next, or straight to the amount when it has only one."""
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (token,) = cb.TOKEN_PICK.parse(update.callback_query.data)
    chains = chains_for(services(context), token)
    if not chains:
        await reprompt(update, context, t("lightning_unavailable") if token == Token.MSAT else None)
        return TOKEN
    cash = draft(update, context)
    if len(chains) == 1:
        return await use_token(update, context, chains[0], token)
    if cash.get("token") != token:
        cash.pop("chain", None)
    cash["token"] = token
    return await ask_chain(update, context, edit=True)


async def chose_token(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    chain, token = cb.TOKEN.parse(update.callback_query.data)
    if (chain, token) not in {(str(c), tk) for c, tk in token_choices(services(context))}:
        await reprompt(update, context, t("lightning_unavailable") if chain == Chain.LIGHTNING else None)
        return CHAIN
    return await use_token(update, context, chain, token)


async def use_token(update: Update, context: Context, chain: str, token: str) -> int:
    cash = draft(update, context)
    if (cash.get("chain"), cash.get("token")) != (chain, token):
        cash.pop("quote", None)
        cash["mode"] = "crypto"
    if cash.get("chain") != chain:
        cash.pop("refund_address", None)  # an address of another chain
        cash.pop("refund_invoice", None)
    cash["chain"], cash["token"] = chain, token
    cash.setdefault("mode", "crypto")
    return await ask_amount(update, context, edit=True)


async def toggle_mode(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    draft(update, context)["mode"] = cb.AMOUNT_MODE.parse(update.callback_query.data)[0]
    return await ask_amount(update, context, edit=True)


async def typed_amount(update: Update, context: Context) -> int:
    return await read_amount(update, context, AMOUNT)


async def typed_amount_on_quote(update: Update, context: Context) -> int:
    """A new amount typed while the quote is on screen: quote that amount instead (the quote's
    buttons keep working when it is not an amount)."""
    return await read_amount(update, context, QUOTE)


async def read_amount(update: Update, context: Context, state: int) -> int:
    assert update.message is not None and update.message.text is not None
    cash = draft(update, context)
    decimals, unit = amount_rules(cash)
    comma = get_decimal_symbol(language()) == ","
    try:
        if unit == "sats":
            amount = parse_sats(update.message.text, decimal_comma=comma)
        else:
            amount = parse_amount(update.message.text, decimals=decimals, unit=unit, decimal_comma=comma)
    except AmountError as exc:
        readings = exc.values.get("readings")
        if isinstance(readings, tuple):  # two readings: both offered as buttons, never guessed
            buttons = keyboard(
                [[(format_amount(value, unit, locale=language()), cb.AMOUNT_PICK(f"{value:f}")) for value in readings]]
            )
            await say(update, context, t(exc.key, **exc.values), buttons)
            return state
        await say(update, context, t(exc.key, **exc.values))
        return state
    cash["amount"] = str(amount)
    return await show_quote(update, context)


async def chose_amount_reading(update: Update, context: Context) -> int:
    """One of the two readings of an ambiguous amount, pressed: checked like a typed amount."""
    await answer(update)
    assert update.callback_query is not None
    cash = draft(update, context)
    decimals, unit = amount_rules(cash)
    (text,) = cb.AMOUNT_PICK.parse(update.callback_query.data)
    try:
        amount = parse_amount(text, decimals=decimals, unit=unit)
    except AmountError as exc:
        await say(update, context, t(exc.key, **exc.values))
        return AMOUNT
    cash["amount"] = str(amount)
    return await show_quote(update, context)


def quote_expired(update: Update, context: Context) -> bool:
    quote = draft(update, context).get("quote")
    return quote is None or datetime.fromisoformat(quote["expires_at"]) <= services(context).clock()


async def quote_action(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (action,) = cb.QUOTE_ACTION.parse(update.callback_query.data)
    cash = draft(update, context)
    if action == "refresh":
        return await show_quote(update, context, edit=True)
    if action == "amount":
        return await ask_amount(update, context, edit=True)
    if quote_expired(update, context):
        buttons = keyboard(
            [
                [(raw("btn_refresh"), cb.QUOTE_ACTION("refresh"))],
                [(raw("btn_change_amount"), cb.QUOTE_ACTION("amount"))],
                cancel_row(),
            ]
        )
        return await ask(update, context, QUOTE, t("quote_expired"), buttons, edit=True)
    recipient_known = bool(cash.get("recipient", {}).get("destination"))
    sender_known = is_lightning(cash["chain"]) or bool(cash.get("refund_address"))
    if cash.get("editing") == "amount" and recipient_known and sender_known:
        cash.pop("refund_invoice", None)  # it was for the old amount
        return await show_summary(update, context, edit=True)  # only the amount was being changed
    return await ask_recipient(update, context)


async def cancel_flow(update: Update, context: Context) -> int:
    await answer(update)
    if draft(update, context).get("reply_keyboard"):
        # the "share my number" keyboard must go, and a message carries one keyboard only
        await say(update, context, t("cancelled_flow_done"), ReplyKeyboardRemove())
        await say(update, context, t("menu"), main_menu())
    else:
        await say(update, context, t("cancelled_flow"), main_menu())
    return finish(update, context)


async def help_in_flow(update: Update, context: Context) -> None:
    """/help in the middle of a cash-out: the help, then the question on screen again (the
    cash-out is kept)."""
    await help_command(update, context)
    await reprompt(update, context, t("cashout_goes_on"))


async def status_in_flow(update: Update, context: Context) -> None:
    """/status in the middle of a cash-out: the latest cash-out's card, then the question again."""
    await status_command(update, context)
    await reprompt(update, context, t("cashout_goes_on"))


async def other_command(update: Update, context: Context) -> None:
    await reprompt(update, context, t("other_command_in_flow"))
