"""Every question of the cash-out and how it is shown: one module, so the steps that
answer questions can all show the next one without importing each other."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType

from handlers.cashout.draft import CashDraft, draft
from handlers.cashout.quoting import fetch_quote, limits_problem, quote_text, rate_text
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
from handlers.cashout.tokens import chains_for, marked, remembered, token_choices, token_label
from handlers.common import Context, answer, edit_or_say, in_private_chat, say, services, user_id
from kotani import errors
from kotani.redact import mask_number
from offramps.corridors import FLAGS, offers_till_and_paybill
from ui import callbacks as cb
from ui.keyboards import keyboard
from ui.problems import kotani_problem
from ui.texts import country_name, raw, t
from ui.views import (
    crypto_text,
    fiat_text,
    is_lightning,
    network_name,
    recipient_label,
    sats_number,
    token_unit,
)


async def ask(
    update: Update, context: Context, state: int, text: str, markup: Any = None, *, edit: bool = False
) -> int:
    """Show a step's prompt and remember it, so unexpected input gets the same prompt again."""
    stored = markup.to_dict() if isinstance(markup, InlineKeyboardMarkup) else None
    remember_step(draft(update, context), state)
    if edit:
        shown = await edit_or_say(update, context, text, markup if isinstance(markup, InlineKeyboardMarkup) else None)
    else:
        shown = (await say(update, context, text, markup)).message_id
    draft(update, context)["prompt"] = {"text": text, "kb": stored, "message_id": shown}
    return state


def remember_step(cash: CashDraft, state: int) -> None:
    """The questions on the way to this one, for Back. Coming to a question asked before (a
    loop, or Back itself) cuts the way to where it was first asked."""
    steps = cash.setdefault("steps", [])
    if state in steps:
        del steps[steps.index(state) + 1 :]
    else:
        steps.append(state)


async def reprompt(update: Update, context: Context, note: str | None = None) -> None:
    """Unexpected input at any step: say so, and show the step's prompt again.

    A button pressed on a message older than the question now on screen is answered quietly
    (a toast: it has expired; the question is right below it). A button of the question on
    screen that this step does not take (the chat and the saved step disagree, e.g. after a
    crash) gets the question again, introduced as an expired button, never "did not understand".
    """
    query = update.callback_query
    await answer(update, raw("stale_button") if query else None)
    prompt = draft(update, context).get("prompt") or {}
    current = prompt.get("message_id")
    pressed = query.message.message_id if query is not None and query.message is not None else None
    if pressed is not None and current is not None and note is None and pressed < current:
        return
    stored = prompt.get("kb")
    markup = InlineKeyboardMarkup.de_json(stored, context.bot) if stored else None
    opening = note or (t("stale_button") if query is not None else t("unexpected_input"))
    text = opening + "\n\n" + prompt.get("text", t("ask_country"))
    await say(update, context, text, markup)


def stay(state: int) -> Any:
    async def handler(update: Update, context: Context) -> int:
        await reprompt(update, context)
        return state

    return handler


def cancel_row(*, back: bool = True) -> list[tuple[str, str]]:
    """Back (to the previous question, its answer kept) and Cancel: under every question."""
    row = [(raw("btn_back"), cb.BACK())] if back else []
    return [*row, (raw("btn_cancel"), cb.CANCEL_FLOW())]


async def ask_country(update: Update, context: Context, *, edit: bool = False) -> int:
    svc = services(context)
    cash = draft(update, context)
    corridors, live = await svc.corridors.list()
    last = cash.get("country") or remembered(context).get("country")
    ordered = sorted(corridors, key=lambda c: c.country != last)  # the last one first, the rest as listed
    rows = [
        [(marked(f"{FLAGS.get(c.country, '')} {country_name(c.country)} ({c.currency})".strip(), c.country == cash.get("country")),
          cb.COUNTRY(c.country))]
        for c in ordered
    ]  # fmt: skip
    rows.append(cancel_row(back=False))
    text = t("ask_country") if live else t("countries_fallback") + "\n\n" + t("ask_country")
    return await ask(update, context, COUNTRY, text, keyboard(rows), edit=edit)


async def ask_token(update: Update, context: Context, *, edit: bool = False) -> int:
    """The tokens first (a handful), the network next: 19 pairs on one screen were too many."""
    cash = draft(update, context)
    last = cash.get("token") or remembered(context).get("token")
    tokens: list[tuple[str, str]] = []
    for chain, token in token_choices(services(context)):
        if token not in [tk for _, tk in tokens]:
            tokens.append((chain, token))
    tokens.sort(key=lambda pair: pair[1] != last)  # the last one first
    buttons = [
        (marked(token_label(chain, token), token == cash.get("token")), cb.TOKEN_PICK(token)) for chain, token in tokens
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    rows.append(cancel_row())
    return await ask(update, context, TOKEN, t("ask_token"), keyboard(rows), edit=edit)


async def ask_chain(update: Update, context: Context, *, edit: bool = False) -> int:
    cash = draft(update, context)
    token = cash["token"]
    last = cash.get("chain") or remembered(context).get("chain")
    chains = sorted(chains_for(services(context), token), key=lambda chain: chain != last)
    buttons = [(marked(chain.title(), chain == cash.get("chain")), cb.TOKEN(chain, token)) for chain in chains]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    rows.append(cancel_row())
    return await ask(update, context, CHAIN, t("ask_chain", token=token), keyboard(rows), edit=edit)


async def ask_amount(update: Update, context: Context, *, edit: bool = False) -> int:
    cash = draft(update, context)
    unit = token_unit(cash["token"], cash["chain"])
    if cash["mode"] == "crypto" and unit == "sats":
        text = t("ask_amount_sats", currency=cash["currency"])
        toggle = (raw("btn_amount_fiat", currency=cash["currency"]), cb.AMOUNT_MODE("fiat"))
    elif cash["mode"] == "crypto":
        text = t(
            "ask_amount_crypto",
            token=unit,
            currency=cash["currency"],
            example=t("amount_example"),
        )
        toggle = (raw("btn_amount_fiat", currency=cash["currency"]), cb.AMOUNT_MODE("fiat"))
    else:
        text = t("ask_amount_fiat", token=unit, currency=cash["currency"])
        toggle = (raw("btn_amount_crypto", token=unit), cb.AMOUNT_MODE("crypto"))
    return await ask(update, context, AMOUNT, text, keyboard([[toggle], cancel_row()]), edit=edit)


async def show_quote(update: Update, context: Context, *, edit: bool = False) -> int:
    svc = services(context)
    cash = draft(update, context)
    cash["owner"] = user_id(update)
    try:
        quote = await fetch_quote(update, context)
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return await ask_amount(update, context)
    problem = limits_problem(svc, cash, quote)
    if problem is not None:
        cash.pop("quote", None)
        await say(update, context, problem)
        return AMOUNT
    buttons = keyboard(
        [[(raw("btn_confirm"), cb.QUOTE_ACTION("ok")), (raw("btn_refresh"), cb.QUOTE_ACTION("refresh"))],
         [(raw("btn_change_amount"), cb.QUOTE_ACTION("amount"))], cancel_row()]
    )  # fmt: skip
    return await ask(update, context, QUOTE, quote_text(cash, svc), buttons, edit=edit)


async def ask_recipient(update: Update, context: Context, *, edit: bool | None = None) -> int:
    svc = services(context)
    cash = draft(update, context)
    corridor = await svc.corridors.get(cash["country"])
    saved = [r for r in await svc.storage.recipients.for_owner(user_id(update)) if r.country == cash["country"]][:5]
    if cash.get("for_customer"):
        saved = []  # a walk-in customer is always typed in
    rows = [[(recipient_label(r, full=in_private_chat(update)), cb.SAVED_RECIPIENT(r.id))] for r in saved]
    if corridor is None or corridor.mobile_money:
        rows.append(
            [
                (raw("btn_new_mobile"), cb.RECIPIENT_KIND("mobile_money")),
                (raw("btn_new_bank"), cb.RECIPIENT_KIND("bank")),
            ]
        )
    else:
        rows.append([(raw("btn_new_bank"), cb.RECIPIENT_KIND("bank"))])
    if offers_till_and_paybill(cash["country"]):
        rows.append(
            [(raw("btn_new_till"), cb.RECIPIENT_KIND("till")), (raw("btn_new_paybill"), cb.RECIPIENT_KIND("paybill"))]
        )
    rows.append(cancel_row())
    shown_edit = update.callback_query is not None if edit is None else edit
    return await ask(update, context, RECIPIENT, t("ask_recipient"), keyboard(rows), edit=shown_edit)


def phone_example(country: str) -> str:
    import phonenumbers

    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example else "0712 345 678"


async def ask_phone(update: Update, context: Context) -> int:
    cash = draft(update, context)
    example = phone_example(cash["country"])
    private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
    if cash.get("for_customer"):
        text = t("ask_phone_customer", country=country_name(cash["country"]), example=example)
        return await ask(update, context, MM_NUMBER, text, keyboard([cancel_row()]))
    if private:
        contact = ReplyKeyboardMarkup(
            [[KeyboardButton(raw("btn_share_contact"), request_contact=True)], [KeyboardButton(raw("btn_back"))]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        shown = await say(
            update, context, t("ask_phone_or_contact", country=country_name(cash["country"]), example=example), contact
        )
        cash["reply_keyboard"] = True  # taken away again when a number arrives or the flow ends
        remember_step(cash, MM_NUMBER)
        cash["prompt"] = {
            "text": t("ask_phone", country=country_name(cash["country"]), example=example),
            "kb": None,
            "message_id": shown.message_id,
        }
        return MM_NUMBER
    return await ask(
        update,
        context,
        MM_NUMBER,
        t("ask_phone", country=country_name(cash["country"]), example=example),
        keyboard([cancel_row()]),
    )


async def ask_holder_name(update: Update, context: Context) -> int:
    what = network_name(draft(update, context)["recipient"].get("network"))
    return await ask(update, context, HOLDER_NAME, t("ask_holder_name", what=what), keyboard([cancel_row()]))


async def ask_mm_network(update: Update, context: Context) -> int:
    cash = draft(update, context)
    corridor = await services(context).corridors.get(cash["country"])
    chosen = cash["recipient"].get("network")
    rows = [[(marked(network_name(n), n == chosen), cb.NETWORK(n))] for n in (corridor.networks if corridor else ())]
    phone = mask_number(cash["recipient"]["destination"])
    return await ask(update, context, MM_NETWORK, t("ask_network", phone=phone), keyboard([*rows, cancel_row()]))


async def ask_bank_account(update: Update, context: Context, *, edit: bool = False) -> int:
    bank = draft(update, context)["recipient"].get("bank_name") or t("the_bank")
    return await ask(update, context, BANK_ACCOUNT, t("ask_account", bank=bank), keyboard([cancel_row()]), edit=edit)


async def ask_bank_holder(update: Update, context: Context) -> int:
    return await ask(update, context, BANK_HOLDER, t("ask_bank_holder"), keyboard([cancel_row()]))


async def ask_shortcode(update: Update, context: Context, *, edit: bool = False) -> int:
    kind = draft(update, context)["recipient"]["kind"]
    state = TILL if kind == "till" else PAYBILL
    return await ask(update, context, state, t(f"ask_{kind}"), keyboard([cancel_row()]), edit=edit)


async def ask_paybill_account(update: Update, context: Context) -> int:
    code = draft(update, context)["recipient"]["destination"]
    return await ask(update, context, PAYBILL_ACCOUNT, t("ask_paybill_account", paybill=code), keyboard([cancel_row()]))


def yes_no() -> InlineKeyboardMarkup:
    return keyboard(
        [[(raw("btn_yes"), cb.HOLDER_NAME("yes")), (raw("btn_no_change"), cb.HOLDER_NAME("no"))], cancel_row()]
    )


async def ask_bank(update: Update, context: Context, query: str | None = None, *, edit: bool | None = None) -> int:
    svc = services(context)
    cash = draft(update, context)
    try:
        banks = await svc.kotani.list_banks(currency=cash["currency"])
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return await ask_recipient(update, context)
    if not banks:
        await say(update, context, t("no_banks", currency=cash["currency"]))
        return await ask_recipient(update, context)
    shown = [b for b in banks if query is None or query.lower() in b.name.lower()]
    if query is not None and not shown:
        await say(update, context, t("bank_no_match", query=query))
        return BANK_PICK
    rows = [[(b.name, cb.BANK(index))] for index, b in enumerate(banks) if b in shown[:8]]
    cash["banks"] = [[b.code, b.name] for b in banks]
    rows.append(cancel_row())
    shown_edit = update.callback_query is not None if edit is None else edit
    return await ask(update, context, BANK_PICK, t("ask_bank"), keyboard(rows), edit=shown_edit)


async def after_recipient(update: Update, context: Context) -> int:
    cash = draft(update, context)
    if cash.get("editing") == "recipient" and (is_lightning(cash["chain"]) or cash.get("refund_address")):
        return await show_summary(update, context)  # only the recipient was being changed
    if is_lightning(cash["chain"]):
        sats = sats_number(Decimal(cash["quote"]["crypto"]))
        return await ask(
            update,
            context,
            REFUND,
            t("ask_refund_invoice_upfront", sats=sats),
            keyboard([[(raw("btn_skip"), cb.SKIP())], cancel_row()]),
        )
    return await ask_sender_address(update, context)


async def ask_sender_address(update: Update, context: Context) -> int:
    """The address the customer will send from: Kotani refunds a failed payout there, and a
    cash-out without it would be paid from the operator's own wallet (kotani.models,
    SenderAddressRequired), so there is no Skip. Addresses used before on this chain are one
    tap away; an agent serving walk-in customers is never offered another customer's."""
    cash = draft(update, context)
    rows: list[list[tuple[str, str]]] = []
    if not cash.get("for_customer"):
        saved = await services(context).storage.sender_addresses.for_owner(user_id(update), cash["chain"])
        rows = [
            [(f"{address.address[:6]}…{address.address[-4:]}", cb.SAVED_SENDER_ADDRESS(address.id))]
            for address in saved
        ]
    text = t("ask_sender_address", chain=cash["chain"].title(), token=cash["token"])
    if rows:
        text += "\n\n" + t("sender_address_saved")
    return await ask(update, context, REFUND, text, keyboard([*rows, cancel_row()]))


async def show_summary(update: Update, context: Context, *, note: str | None = None, edit: bool = False) -> int:
    cash = draft(update, context)
    quote = cash["quote"]
    text = t(
        "summary",
        crypto=crypto_text(cash["token"], cash["chain"], Decimal(quote["crypto"])),
        chain=cash["chain"].title(),
        receive=fiat_text(Decimal(quote["receive"]), cash["currency"]),
        recipient=recipient_label(cash["recipient"], full=in_private_chat(update)),  # a typo must be visible
        fee=fiat_text(Decimal(quote["fee"]), cash["currency"]),
        rate=rate_text(cash),
        refund=refund_words(cash),
    )
    if note:
        text = note + "\n\n" + text
    cash.pop("editing", None)
    rows = [[(raw("btn_confirm"), cb.CONFIRM())], [(raw("btn_edit"), cb.EDIT("menu"))]]
    if not cash.get("for_customer") and not cash.get("recipient_saved"):
        rows[1].append((raw("btn_save_recipient"), cb.SAVE_RECIPIENT()))
    rows.append(cancel_row())
    return await ask(update, context, SUMMARY, text, keyboard(rows), edit=edit)


async def ask_edit(update: Update, context: Context, *, edit: bool = True) -> int:
    """The summary's Edit: change one thing and come back to the summary, the rest kept."""
    cash = draft(update, context)
    sender = raw("btn_edit_refund_invoice") if is_lightning(cash["chain"]) else raw("btn_edit_sender")
    rows = [
        [(raw("btn_edit_amount"), cb.EDIT("amount")), (raw("btn_edit_recipient"), cb.EDIT("recipient"))],
        [(sender, cb.EDIT("sender"))],
        cancel_row(),
    ]
    return await ask(update, context, EDIT, t("ask_edit"), keyboard(rows), edit=edit)


def refund_words(cash: CashDraft) -> str:
    if is_lightning(cash["chain"]):
        return t("refund_to_invoice") if cash.get("refund_invoice") else t("refund_to_invoice_later")
    refund = cash.get("refund_address")
    return (refund[:6] + "…" + refund[-4:]) if refund else "—"
