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
    amount_rules,
    ask,
    ask_amount,
    ask_recipient,
    cancel_row,
    reprompt,
    show_quote,
    token_choices,
)
from handlers.cashout.states import AMOUNT, COUNTRY, QUOTE, TOKEN
from handlers.common import Context, answer, conversation_data, say, services, user_id
from kotani.chains import Chain
from offramps.corridors import FLAGS
from offramps.roles import has_role
from offramps.rules.amounts import AmountError, parse_amount
from ui import callbacks as cb
from ui.keyboards import keyboard, main_menu
from ui.texts import country_name, language, raw, t


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
    svc = services(context)
    corridors, live = await svc.corridors.list()
    rows = [
        [(f"{FLAGS.get(c.country, '')} {country_name(c.country)} ({c.currency})".strip(), cb.COUNTRY(c.country))]
        for c in corridors
    ]
    rows.append(cancel_row())
    text = t("ask_country") if live else t("countries_fallback") + "\n\n" + t("ask_country")
    return await ask(update, context, COUNTRY, text, keyboard(rows))


async def chose_country(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (code,) = cb.COUNTRY.parse(update.callback_query.data)
    corridor = await services(context).corridors.get(code)
    if corridor is None:
        await reprompt(update, context)
        return COUNTRY
    cash = draft(update, context)
    cash["country"], cash["currency"], cash["country_name"] = corridor.country, corridor.currency, corridor.name
    choices = token_choices(services(context))
    rows = []
    for index in range(0, len(choices), 2):
        rows.append(
            [
                (
                    (raw("btn_lightning") if chain is Chain.LIGHTNING else f"{token} · {chain.title()}"),
                    cb.TOKEN(chain, token),
                )
                for chain, token in choices[index : index + 2]
            ]
        )
    rows.append(cancel_row())
    return await ask(update, context, TOKEN, t("ask_token"), keyboard(rows), edit=True)


async def chose_token(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    chain, token = cb.TOKEN.parse(update.callback_query.data)
    if (chain, token) not in {(str(c), tk) for c, tk in token_choices(services(context))}:
        await reprompt(update, context, t("lightning_unavailable") if chain == Chain.LIGHTNING else None)
        return TOKEN
    cash = draft(update, context)
    cash["chain"], cash["token"], cash["mode"] = chain, token, "crypto"
    return await ask_amount(update, context, edit=True)


async def toggle_mode(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    draft(update, context)["mode"] = cb.AMOUNT_MODE.parse(update.callback_query.data)[0]
    return await ask_amount(update, context, edit=True)


async def typed_amount(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    cash = draft(update, context)
    decimals, unit = amount_rules(cash)
    try:
        amount = parse_amount(
            update.message.text, decimals=decimals, unit=unit, decimal_comma=get_decimal_symbol(language()) == ","
        )
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
    if action == "refresh":
        return await show_quote(update, context, edit=True)
    if action == "amount":
        return await ask_amount(update, context, edit=True)
    if quote_expired(update, context):
        buttons = keyboard(
            [
                [(raw("btn_refresh"), cb.QUOTE_ACTION("refresh"))],
                [(raw("btn_change_amount"), cb.QUOTE_ACTION("amount")), cancel_row()[0]],
            ]
        )
        return await ask(update, context, QUOTE, t("quote_expired"), buttons, edit=True)
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


async def other_command(update: Update, context: Context) -> None:
    await reprompt(update, context, t("other_command_in_flow"))
