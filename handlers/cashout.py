"""The cash-out conversation: country → token → amount → quote → recipient → refund
address → summary → deposit instructions with QR code.

Money state (quotes, recipients, offramps) is written to our tables as the user goes; the
conversation's own position and the draft live in PTB persistence. The offramp's reference
is stored before Kotani's create is called, so a double tap, a retry or a restart never
creates two.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.corridors import FLAGS, TOKEN_CHOICES
from bot.qr_worker import qr_png_elsewhere
from bot.roles import has_role
from bot.rules.amounts import AmountError, parse_amount
from bot.rules.invoices import InvoiceProblem, check_refund_invoice
from bot.rules.links import customer_view_payload
from bot.rules.phones import PhoneError, normalise_phone
from bot.rules.qr import deposit_qr_payload
from bot.services import Services, services
from bot.texts import raw, t
from handlers.common import (
    Context,
    answer,
    chat_id,
    conversation_data,
    edit_or_say,
    keyboard,
    kotani_problem,
    main_menu,
    say,
    user_id,
)
from handlers.language import language_command
from handlers.views import (
    amount_text,
    crypto_text,
    fiat_text,
    is_lightning,
    network_name,
    recipient_label,
    sats_number,
    token_unit,
    when,
)
from kotani import errors
from kotani.chains import TOKEN_DECIMALS, Chain, Token, is_valid_address
from kotani.models import RefundConfig
from kotani.redact import mask_name
from offramps.cashouts import Ambiguous, CashoutOrder, RecipientDetails, Refused, Requoted
from storage.models import OfframpRecord, QuoteRecord
from ui import callbacks as cb

logger = logging.getLogger("handlers.cashout")

(
    COUNTRY, TOKEN, AMOUNT, QUOTE, RECIPIENT, MM_NUMBER, MM_NETWORK, HOLDER_CONFIRM, HOLDER_NAME,
    BANK_PICK, BANK_ACCOUNT, BANK_HOLDER, TILL, PAYBILL, PAYBILL_ACCOUNT, REFUND, SUMMARY,
) = range(17)  # fmt: skip

LIGHTNING_NETWORK = "bc"
NAME_PATTERN = re.compile(r"^[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+)*\.?$")
ADDRESS_HINTS = {
    Chain.TRON: "34 characters starting with T",
    Chain.SOLANA: "32 to 44 letters and digits",
    Chain.STELLAR: "56 characters starting with G",
    Chain.CARDANO: "starts with addr1",
}


# --- draft and prompts ------------------------------------------------------------------


def draft(update: Update, context: Context) -> dict[str, Any]:
    """This conversation's cash-out draft (per chat and person, ``conversation_data``)."""
    value = conversation_data(update, context).setdefault("cash", {})
    assert isinstance(value, dict)
    return value


async def ask(
    update: Update, context: Context, state: int, text: str, markup: Any = None, *, edit: bool = False
) -> int:
    """Show a step's prompt and remember it, so unexpected input gets the same prompt again."""
    stored = markup.to_dict() if isinstance(markup, InlineKeyboardMarkup) else None
    draft(update, context)["prompt"] = {"text": text, "kb": stored}
    if edit:
        await edit_or_say(update, context, text, markup if isinstance(markup, InlineKeyboardMarkup) else None)
    else:
        await say(update, context, text, markup)
    return state


async def reprompt(update: Update, context: Context, note: str | None = None) -> None:
    """Unexpected input at any step: say so, and show the step's prompt again."""
    await answer(update, raw("stale_button") if update.callback_query else None)
    prompt = draft(update, context).get("prompt") or {}
    markup = InlineKeyboardMarkup.de_json(prompt["kb"], context.bot) if prompt.get("kb") else None
    text = (note or t("unexpected_input")) + "\n\n" + prompt.get("text", t("ask_country"))
    await say(update, context, text, markup)


def _stay(state: int) -> Any:
    async def handler(update: Update, context: Context) -> int:
        await reprompt(update, context)
        return state

    return handler


def _cancel_row() -> list[tuple[str, str]]:
    return [(raw("btn_cancel"), cb.CANCEL_FLOW())]


# --- entry, country, token ----------------------------------------------------------------


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
    rows = [[(f"{FLAGS.get(c.country, '')} {c.name} ({c.currency})".strip(), cb.COUNTRY(c.country))] for c in corridors]
    rows.append(_cancel_row())
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
    cash.update(country=corridor.country, currency=corridor.currency, country_name=corridor.name)
    choices = _token_choices(services(context))
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
    rows.append(_cancel_row())
    return await ask(update, context, TOKEN, t("ask_token"), keyboard(rows), edit=True)


def _token_choices(svc: Services) -> tuple[tuple[Chain, str], ...]:
    """What can be cashed out here: Lightning only where the operator switched it on
    (``LIGHTNING_CASHOUTS``: the contract leaves open who funds a Lightning offramp)."""
    if svc.settings.lightning_cashouts:
        return TOKEN_CHOICES
    return tuple((chain, token) for chain, token in TOKEN_CHOICES if chain is not Chain.LIGHTNING)


async def chose_token(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    chain, token = cb.TOKEN.parse(update.callback_query.data)
    if (chain, token) not in {(str(c), tk) for c, tk in _token_choices(services(context))}:
        await reprompt(update, context, t("lightning_unavailable") if chain == Chain.LIGHTNING else None)
        return TOKEN
    cash = draft(update, context)
    cash.update(chain=chain, token=token, mode="crypto")
    return await _ask_amount(update, context, edit=True)


async def _ask_amount(update: Update, context: Context, *, edit: bool = False) -> int:
    cash = draft(update, context)
    unit = token_unit(cash["token"], cash["chain"])
    if cash["mode"] == "crypto":
        text = t(
            "ask_amount_crypto",
            token=unit,
            currency=cash["currency"],
            example="5000" if unit == "sats" else "10 or 10.5",
        )
        toggle = (raw("btn_amount_fiat", currency=cash["currency"]), cb.AMOUNT_MODE("fiat"))
    else:
        text = t("ask_amount_fiat", token=unit, currency=cash["currency"])
        toggle = (raw("btn_amount_crypto", token=unit), cb.AMOUNT_MODE("crypto"))
    return await ask(update, context, AMOUNT, text, keyboard([[toggle], _cancel_row()]), edit=edit)


async def toggle_mode(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    draft(update, context)["mode"] = cb.AMOUNT_MODE.parse(update.callback_query.data)[0]
    return await _ask_amount(update, context, edit=True)


# --- amount and quote ------------------------------------------------------------------


def _amount_rules(cash: dict[str, Any]) -> tuple[int, str]:
    if cash["mode"] == "fiat":
        return (0 if cash["currency"] in ("KES", "UGX", "TZS", "RWF", "XAF", "XOF", "CDF") else 2), cash["currency"]
    if is_lightning(cash["chain"]):
        return 0, "sats"
    return TOKEN_DECIMALS.get(Token(cash["token"]), 6), cash["token"]


async def typed_amount(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    cash = draft(update, context)
    decimals, unit = _amount_rules(cash)
    try:
        amount = parse_amount(update.message.text, decimals=decimals, unit=unit)
    except AmountError as exc:
        await say(update, context, t(exc.key, **exc.values))
        return AMOUNT
    cash["amount"] = str(amount)
    return await _quote(update, context)


def _kotani_amount(cash: dict[str, Any]) -> Decimal:
    amount = Decimal(cash["amount"])
    if cash["mode"] == "crypto" and is_lightning(cash["chain"]):
        return amount * 1000  # sats → msat (Kotani's MSAT unit)
    return amount


async def _fetch_quote(update: Update, context: Context) -> QuoteRecord:
    cash = draft(update, context)
    record = await services(context).cashouts.quote(
        int(cash["owner"]), cash["token"], cash["chain"], cash["currency"], _kotani_amount(cash),
        source="fiat" if cash["mode"] == "fiat" else "crypto",
    )  # fmt: skip
    _keep_quote(cash, record)
    return record


def _keep_quote(cash: dict[str, Any], record: QuoteRecord) -> None:
    cash["quote"] = {
        "id": record.quote_id, "crypto": str(record.crypto_amount), "fiat": str(record.fiat_amount),
        "fee": str(record.fee), "receive": str(record.transaction_amount), "rate": str(record.rate),
        "expires_at": record.expires_at.isoformat(),
    }  # fmt: skip


def _limits_problem(svc: Services, cash: dict[str, Any], quote: QuoteRecord) -> str | None:
    low, high = svc.settings.limits.get(cash["currency"], (None, None))
    if low is None or high is None or low <= quote.fiat_amount <= high:
        return None
    unit = token_unit(cash["token"], cash["chain"])
    per_unit = (Decimal(1) / quote.rate) / (1000 if is_lightning(cash["chain"]) else 1)
    crypto_low = (low * per_unit).quantize(Decimal("0.01"))
    crypto_high = (high * per_unit).quantize(Decimal("0.01"))
    return t(
        "amount_out_of_range",
        low=f"{fiat_text(low, cash['currency'])} (≈ {amount_text(crypto_low, unit)})",
        high=f"{fiat_text(high, cash['currency'])} (≈ {amount_text(crypto_high, unit)})",
    )


def _quote_text(cash: dict[str, Any], svc: Services) -> str:
    quote = cash["quote"]
    seconds = max(0, math.ceil((datetime.fromisoformat(quote["expires_at"]) - svc.clock()).total_seconds()))
    rate = Decimal(quote["rate"]) * (1000 if is_lightning(cash["chain"]) else 1)
    return t(
        "quote",
        crypto=crypto_text(cash["token"], cash["chain"], Decimal(quote["crypto"])),
        chain=cash["chain"].title(),
        token_unit="sat" if is_lightning(cash["chain"]) else cash["token"],
        rate=f"{rate.normalize():f}",
        currency=cash["currency"],
        fee=fiat_text(Decimal(quote["fee"]), cash["currency"]),
        receive=fiat_text(Decimal(quote["receive"]), cash["currency"]),
        seconds=seconds,
    )


async def _quote(update: Update, context: Context, *, edit: bool = False) -> int:
    svc = services(context)
    cash = draft(update, context)
    cash["owner"] = user_id(update)
    try:
        quote = await _fetch_quote(update, context)
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return await _ask_amount(update, context)
    problem = _limits_problem(svc, cash, quote)
    if problem is not None:
        cash.pop("quote", None)
        await say(update, context, problem)
        return AMOUNT
    buttons = keyboard(
        [[(raw("btn_confirm"), cb.QUOTE_ACTION("ok")), (raw("btn_refresh"), cb.QUOTE_ACTION("refresh"))],
         [(raw("btn_change_amount"), cb.QUOTE_ACTION("amount")), (raw("btn_cancel"), cb.CANCEL_FLOW())]]
    )  # fmt: skip
    return await ask(update, context, QUOTE, _quote_text(cash, svc), buttons, edit=edit)


def _quote_expired(update: Update, context: Context) -> bool:
    quote = draft(update, context).get("quote")
    return quote is None or datetime.fromisoformat(quote["expires_at"]) <= services(context).clock()


async def quote_action(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (action,) = cb.QUOTE_ACTION.parse(update.callback_query.data)
    if action == "refresh":
        return await _quote(update, context, edit=True)
    if action == "amount":
        return await _ask_amount(update, context, edit=True)
    if _quote_expired(update, context):
        buttons = keyboard(
            [
                [(raw("btn_refresh"), cb.QUOTE_ACTION("refresh"))],
                [(raw("btn_change_amount"), cb.QUOTE_ACTION("amount")), _cancel_row()[0]],
            ]
        )
        return await ask(update, context, QUOTE, t("quote_expired"), buttons, edit=True)
    return await _ask_recipient(update, context)


# --- recipient ------------------------------------------------------------------------


async def _ask_recipient(update: Update, context: Context) -> int:
    svc = services(context)
    cash = draft(update, context)
    corridor = await svc.corridors.get(cash["country"])
    saved = [r for r in await svc.storage.recipients.for_owner(user_id(update)) if r.country == cash["country"]][:5]
    if cash.get("for_customer"):
        saved = []  # a walk-in customer is always typed in
    rows = [[(recipient_label(r), cb.SAVED_RECIPIENT(r.id))] for r in saved]
    if corridor is None or corridor.mobile_money:
        rows.append(
            [
                (raw("btn_new_mobile"), cb.RECIPIENT_KIND("mobile_money")),
                (raw("btn_new_bank"), cb.RECIPIENT_KIND("bank")),
            ]
        )
    else:
        rows.append([(raw("btn_new_bank"), cb.RECIPIENT_KIND("bank"))])
    if cash["country"] == "KE":
        rows.append(
            [(raw("btn_new_till"), cb.RECIPIENT_KIND("till")), (raw("btn_new_paybill"), cb.RECIPIENT_KIND("paybill"))]
        )
    rows.append(_cancel_row())
    return await ask(
        update, context, RECIPIENT, t("ask_recipient"), keyboard(rows), edit=update.callback_query is not None
    )


async def chose_saved_recipient(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    recipient = await services(context).storage.recipients.get(
        int(cb.SAVED_RECIPIENT.parse(update.callback_query.data)[0]), user_id(update)
    )
    cash = draft(update, context)
    if recipient is None or recipient.country != cash["country"]:
        await reprompt(update, context)
        return RECIPIENT
    cash["recipient"] = {
        "kind": recipient.kind, "destination": recipient.destination, "network": recipient.network,
        "holder_name": recipient.holder_name, "bank_code": recipient.bank_code, "bank_name": recipient.bank_name,
        "account_reference": recipient.account_reference, "customer_key": recipient.customer_key,
    }  # fmt: skip
    return await _after_recipient(update, context)


async def chose_recipient_kind(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (kind,) = cb.RECIPIENT_KIND.parse(update.callback_query.data)
    cash = draft(update, context)
    cash["recipient"] = {"kind": kind}
    if kind == "mobile_money":
        return await _ask_phone(update, context)
    if kind == "bank":
        return await _ask_bank(update, context)
    if kind in ("till", "paybill") and cash["country"] == "KE":
        return await ask(
            update, context, TILL if kind == "till" else PAYBILL, t(f"ask_{kind}"), keyboard([_cancel_row()])
        )
    await reprompt(update, context)
    return RECIPIENT


def _phone_example(country: str) -> str:
    import phonenumbers

    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example else "0712 345 678"


async def _ask_phone(update: Update, context: Context) -> int:
    cash = draft(update, context)
    example = _phone_example(cash["country"])
    private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
    if cash.get("for_customer"):
        text = t("ask_phone_customer", country=cash["country_name"], example=example)
        return await ask(update, context, MM_NUMBER, text, keyboard([_cancel_row()]))
    if private:
        contact = ReplyKeyboardMarkup(
            [[KeyboardButton(raw("btn_share_contact"), request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        await say(update, context, t("ask_phone_or_contact", country=cash["country_name"], example=example), contact)
        draft(update, context)["prompt"] = {
            "text": t("ask_phone", country=cash["country_name"], example=example),
            "kb": None,
        }
        return MM_NUMBER
    return await ask(
        update,
        context,
        MM_NUMBER,
        t("ask_phone", country=cash["country_name"], example=example),
        keyboard([_cancel_row()]),
    )


async def typed_phone(update: Update, context: Context) -> int:
    assert update.message is not None
    cash = draft(update, context)
    corridor = await services(context).corridors.get(cash["country"])
    networks = corridor.networks if corridor else ()
    if update.message.contact and cash.get("for_customer"):
        await reprompt(update, context)  # an agent types the customer's number; their own contact is wrong
        return MM_NUMBER
    text = update.message.contact.phone_number if update.message.contact else (update.message.text or "")
    if update.message.contact and not text.startswith("+"):
        text = "+" + text
    try:
        phone = normalise_phone(text, cash["country"], networks)
    except PhoneError as exc:
        await say(update, context, t(exc.key, **exc.values))
        return MM_NUMBER
    recipient = cash["recipient"]
    recipient["destination"] = phone.e164
    await say(update, context, t("checking"), ReplyKeyboardRemove())
    if phone.network is None or (networks and phone.network not in networks):
        rows = [[(network_name(n), cb.NETWORK(n))] for n in networks] + [_cancel_row()]
        return await ask(update, context, MM_NETWORK, t("ask_network", phone=phone.masked), keyboard(rows))
    recipient["network"] = phone.network
    return await _validate_phone(update, context)


async def chose_network(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (network,) = cb.NETWORK.parse(update.callback_query.data)
    corridor = await services(context).corridors.get(draft(update, context)["country"])
    if corridor is not None and corridor.networks and network not in corridor.networks:
        await reprompt(update, context)
        return MM_NETWORK
    draft(update, context)["recipient"]["network"] = network
    return await _validate_phone(update, context)


async def _validate_phone(update: Update, context: Context) -> int:
    svc = services(context)
    recipient = draft(update, context)["recipient"]
    try:
        check = await svc.kotani.validate_mobile_money(recipient["destination"], network=recipient.get("network"))
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return await _ask_phone(update, context)
    if not check.is_valid:
        await say(
            update,
            context,
            t("phone_invalid_kotani", reason=check.message or check.name_lookup_reason or "unknown reason"),
        )
        return await _ask_phone(update, context)
    if check.network and not recipient.get("network"):
        recipient["network"] = check.network
    if check.account_name and check.name_lookup_status == "MATCHED":
        recipient["looked_up_name"] = check.account_name
        shown = check.account_name if "*" in check.account_name else mask_name(check.account_name)
        buttons = _yes_no()
        return await ask(update, context, HOLDER_CONFIRM, t("confirm_holder", name=shown), buttons)
    if check.name_lookup_reason and check.name_lookup_status not in ("NOT_ENABLED", None):
        await say(update, context, t("lookup_unavailable", reason=check.name_lookup_reason))
    return await _ask_holder_name(update, context)


async def holder_confirmed(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    recipient = draft(update, context)["recipient"]
    if update.callback_query.data.endswith(":no"):
        recipient.pop("looked_up_name", None)
        kind = recipient["kind"]
        if kind == "mobile_money":
            return await _ask_phone(update, context)
        if kind == "bank":
            return await ask(
                update,
                context,
                BANK_ACCOUNT,
                t("ask_account", bank=recipient.get("bank_name") or t("the_bank")),
                keyboard([_cancel_row()]),
            )
        return await ask(
            update, context, TILL if kind == "till" else PAYBILL, t(f"ask_{kind}"), keyboard([_cancel_row()])
        )
    name = recipient.pop("looked_up_name", None)
    if name and "*" not in name:
        recipient["holder_name"] = name
    if not recipient.get("holder_name") and recipient["kind"] == "mobile_money":
        return await _ask_holder_name(update, context)
    return await _after_recipient(update, context)


async def _ask_holder_name(update: Update, context: Context) -> int:
    what = network_name(draft(update, context)["recipient"].get("network"))
    return await ask(update, context, HOLDER_NAME, t("ask_holder_name", what=what), keyboard([_cancel_row()]))


def _yes_no() -> InlineKeyboardMarkup:
    return keyboard(
        [[(raw("btn_yes"), cb.HOLDER_NAME("yes")), (raw("btn_no_change"), cb.HOLDER_NAME("no"))], _cancel_row()]
    )


def _valid_name(text: str) -> bool:
    return 2 <= len(text) <= 60 and bool(NAME_PATTERN.match(text))


async def _typed_name(update: Update, context: Context) -> str | None:
    """The person's name as typed, spaces tidied; None (after saying why) when it is not a name."""
    assert update.message is not None and update.message.text is not None
    name = " ".join(update.message.text.split())
    if not _valid_name(name):
        await say(update, context, t("name_invalid"))
        return None
    return name


async def typed_holder_name(update: Update, context: Context) -> int:
    name = await _typed_name(update, context)
    if name is None:
        return HOLDER_NAME
    draft(update, context)["recipient"]["holder_name"] = name
    return await _after_recipient(update, context)


# --- bank -----------------------------------------------------------------------------


async def _ask_bank(update: Update, context: Context, query: str | None = None) -> int:
    svc = services(context)
    cash = draft(update, context)
    try:
        banks = await svc.kotani.list_banks(currency=cash["currency"])
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return await _ask_recipient(update, context)
    if not banks:
        await say(update, context, t("no_banks", currency=cash["currency"]))
        return await _ask_recipient(update, context)
    shown = [b for b in banks if query is None or query.lower() in b.name.lower()]
    if query is not None and not shown:
        await say(update, context, t("bank_no_match", query=query))
        return BANK_PICK
    rows = [[(b.name, cb.BANK(index))] for index, b in enumerate(banks) if b in shown[:8]]
    cash["banks"] = [[b.code, b.name] for b in banks]
    rows.append(_cancel_row())
    return await ask(update, context, BANK_PICK, t("ask_bank"), keyboard(rows), edit=update.callback_query is not None)


async def searched_bank(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    return await _ask_bank(update, context, update.message.text.strip()[:40])


async def chose_bank(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    cash = draft(update, context)
    index = int(cb.BANK.parse(update.callback_query.data)[0])
    banks = cash.get("banks") or []
    if index >= len(banks):
        await reprompt(update, context)
        return BANK_PICK
    code, name = banks[index]
    cash["recipient"].update(bank_code=str(code), bank_name=name)
    return await ask(update, context, BANK_ACCOUNT, t("ask_account", bank=name), keyboard([_cancel_row()]), edit=True)


async def typed_account(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    account = re.sub(r"[\s-]", "", update.message.text)
    if not re.fullmatch(r"\d{5,20}", account):
        await say(update, context, t("account_invalid"))
        return BANK_ACCOUNT
    draft(update, context)["recipient"]["destination"] = account
    return await ask(update, context, BANK_HOLDER, t("ask_bank_holder"), keyboard([_cancel_row()]))


async def typed_bank_holder(update: Update, context: Context) -> int:
    name = await _typed_name(update, context)
    if name is None:
        return BANK_HOLDER
    cash = draft(update, context)
    recipient = cash["recipient"]
    recipient["holder_name"] = name
    try:
        check = await services(context).kotani.validate_bank(
            recipient["destination"], recipient["bank_code"], cash["country"], name
        )
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return BANK_HOLDER
    if not check.is_valid:
        await say(update, context, t("bank_invalid", reason=check.message or check.account_status or "unknown reason"))
        return await ask(
            update, context, BANK_ACCOUNT, t("ask_account", bank=recipient["bank_name"]), keyboard([_cancel_row()])
        )
    if check.name_matched is False and check.account_name:
        buttons = _yes_no()
        return await ask(
            update, context, HOLDER_CONFIRM, t("bank_name_mismatch", name=mask_name(check.account_name)), buttons
        )
    return await _after_recipient(update, context)


# --- till and paybill --------------------------------------------------------------------


async def typed_shortcode(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    code = update.message.text.strip().replace(" ", "")
    recipient = draft(update, context)["recipient"]
    state = TILL if recipient["kind"] == "till" else PAYBILL
    if not re.fullmatch(r"\d{5,7}", code):
        await say(update, context, t("shortcode_invalid"))
        return state
    recipient["destination"] = code
    if recipient["kind"] == "paybill":
        return await ask(
            update, context, PAYBILL_ACCOUNT, t("ask_paybill_account", paybill=code), keyboard([_cancel_row()])
        )
    return await _validate_shortcode(update, context)


async def typed_paybill_account(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    account = update.message.text.strip()
    if not re.fullmatch(r"[A-Za-z0-9-]{1,30}", account):
        await say(update, context, t("paybill_account_invalid"))
        return PAYBILL_ACCOUNT
    draft(update, context)["recipient"]["account_reference"] = account
    return await _validate_shortcode(update, context)


async def _validate_shortcode(update: Update, context: Context) -> int:
    recipient = draft(update, context)["recipient"]
    kind = recipient["kind"]
    try:
        check = await services(context).kotani.validate_mobile_money(
            account_type=kind,
            short_code=recipient["destination"],
            account_reference=recipient.get("account_reference"),
            country_code="KE",
        )
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return TILL if kind == "till" else PAYBILL
    if not check.is_valid:
        await say(
            update, context, t("shortcode_not_found", reason=check.message or check.name_lookup_reason or "not found")
        )
        return await ask(
            update, context, TILL if kind == "till" else PAYBILL, t(f"ask_{kind}"), keyboard([_cancel_row()])
        )
    if check.account_name:
        recipient["holder_name"] = check.account_name
        buttons = _yes_no()
        return await ask(update, context, HOLDER_CONFIRM, t("confirm_business", name=check.account_name), buttons)
    return await _after_recipient(update, context)


# --- refund address and summary -----------------------------------------------------------


async def _after_recipient(update: Update, context: Context) -> int:
    cash = draft(update, context)
    if is_lightning(cash["chain"]):
        sats = sats_number(Decimal(cash["quote"]["crypto"]))
        return await ask(
            update,
            context,
            REFUND,
            t("ask_refund_invoice_upfront", sats=sats),
            keyboard([[(raw("btn_skip"), cb.SKIP())], _cancel_row()]),
        )
    return await _ask_sender_address(update, context)


async def _ask_sender_address(update: Update, context: Context) -> int:
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
    return await ask(update, context, REFUND, text, keyboard([*rows, _cancel_row()]))


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
    return await _summary(update, context)


async def typed_refund_address(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    cash = draft(update, context)
    if is_lightning(cash["chain"]):
        return await _typed_refund_invoice(update, context)
    address = update.message.text.strip()
    chain = Chain(cash["chain"])
    if not is_valid_address(chain, address):
        hint = ADDRESS_HINTS.get(chain, "0x followed by 40 letters and digits")
        await say(update, context, t("refund_address_invalid", chain=chain.title(), hint=hint))
        return REFUND
    cash["refund_address"] = address
    return await _summary(update, context)


async def _typed_refund_invoice(update: Update, context: Context) -> int:
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
        "bolt11": invoice.text, "payment_hash": invoice.payment_hash, "amount_msat": invoice.amount_msat,
        "expires_at": invoice.expires_at.isoformat(),
    }  # fmt: skip
    return await _summary(update, context)


async def skipped_refund_address(update: Update, context: Context) -> int:
    """Skip exists only for the optional Lightning refund invoice (an old on-chain Skip button
    from before the sender address was required just shows the question again)."""
    await answer(update)
    if not is_lightning(draft(update, context)["chain"]):
        await reprompt(update, context)
        return REFUND
    draft(update, context).pop("refund_invoice", None)
    return await _summary(update, context)


async def _summary(update: Update, context: Context, *, note: str | None = None) -> int:
    cash = draft(update, context)
    quote = cash["quote"]
    rate = Decimal(quote["rate"]) * (1000 if is_lightning(cash["chain"]) else 1)
    text = t(
        "summary",
        crypto=crypto_text(cash["token"], cash["chain"], Decimal(quote["crypto"])),
        chain=cash["chain"].title(),
        receive=fiat_text(Decimal(quote["receive"]), cash["currency"]),
        recipient=recipient_label(cash["recipient"]),
        fee=fiat_text(Decimal(quote["fee"]), cash["currency"]),
        token_unit="sat" if is_lightning(cash["chain"]) else cash["token"],
        rate=f"{rate.normalize():f}",
        currency=cash["currency"],
        refund=_refund_words(cash),
    )
    if note:
        text = note + "\n\n" + text
    buttons = keyboard([[(raw("btn_confirm"), cb.CONFIRM()), _cancel_row()[0]]])
    return await ask(update, context, SUMMARY, text, buttons)


def _refund_words(cash: dict[str, Any]) -> str:
    if is_lightning(cash["chain"]):
        return t("refund_to_invoice") if cash.get("refund_invoice") else t("refund_to_invoice_later")
    refund = cash.get("refund_address")
    return (refund[:6] + "…" + refund[-4:]) if refund else "—"


def _refund_config(cash: dict[str, Any]) -> RefundConfig | None:
    invoice = cash.get("refund_invoice")
    if not invoice:
        return None
    return RefundConfig(
        bolt11=invoice["bolt11"], payment_hash=invoice["payment_hash"], amount_msat=int(invoice["amount_msat"]),
        expires_at=datetime.fromisoformat(invoice["expires_at"]),
    )  # fmt: skip


def _order(update: Update, cash: dict[str, Any], quote: QuoteRecord) -> CashoutOrder:
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
        sender_address=cash.get("refund_address"), refund_config=_refund_config(cash),
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
            await _fetch_quote(update, context)
        except errors.KotaniError as exc:
            await say(update, context, t("create_retry", reason=kotani_problem(exc)))
            return SUMMARY
        return await _summary(update, context, note=t("summary_requoted"))
    progress = await say(update, context, t("creating"))
    outcome = await svc.cashouts.create(_order(update, cash, quote))
    await progress.delete()
    if isinstance(outcome, Requoted):
        _keep_quote(cash, outcome.quote)
        cash["reference"] = outcome.reference
        return await _summary(update, context, note=t("summary_requoted"))
    if isinstance(outcome, Ambiguous):
        if outcome.reference:
            cash["reference"] = outcome.reference
        await say(
            update,
            context,
            t("create_retry", reason=kotani_problem(outcome.error)),
            keyboard([[(raw("btn_confirm"), cb.CONFIRM()), _cancel_row()[0]]]),
        )
        return SUMMARY
    if isinstance(outcome, Refused):
        await say(update, context, t("create_failed", reason=kotani_problem(outcome.error)), main_menu())
        return _finish(update, context)
    offramp = outcome.offramp
    label = recipient_label(cash["recipient"])
    await _send_deposit(update, context, offramp, label)
    if outcome.new and cash.get("for_customer"):
        owner = user_id(update)
        await svc.storage.audit.record(owner, "cashout_for_customer", offramp.reference_id, recipient=label)
        payload = customer_view_payload(offramp.reference_id, context.bot.token)
        await say(update, context, t("customer_link", link=f"https://t.me/{context.bot.username}?start={payload}"))
    return _finish(update, context)


def deposit_text(offramp: OfframpRecord, recipient: str, deadline: datetime) -> str:
    values = {
        "crypto": crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
        "chain": offramp.chain.title(),
        "token": offramp.token,
        "address": offramp.escrow_address or "",
        "deadline": when(deadline),
        "receive": fiat_text(offramp.fiat_transaction_amount, offramp.currency),
        "recipient": recipient,
        "reference": offramp.reference_id,
    }
    return t("deposit_lightning" if is_lightning(offramp.chain) else "deposit", **values)


def deposit_buttons(reference: str, *, cancellable: bool = True) -> InlineKeyboardMarkup:
    row = [(raw("btn_check_status"), cb.TX_STATUS(reference))]
    if cancellable:
        row.append((raw("btn_cancel"), cb.TX_CANCEL(reference)))
    return keyboard([row])


async def _send_deposit(update: Update, context: Context, offramp: OfframpRecord, recipient: str) -> None:
    svc = services(context)
    deadline = offramp.created_at + timedelta(minutes=svc.deposit_window_minutes)
    message = await say(
        update, context, deposit_text(offramp, recipient, deadline), deposit_buttons(offramp.reference_id)
    )
    await svc.storage.offramps.set_status_message(offramp.reference_id, message.message_id)
    payload = deposit_qr_payload(offramp.chain, offramp.token, offramp.escrow_address or "", offramp.crypto_amount)
    await context.bot.send_photo(
        chat_id(update),
        InputFile(await qr_png_elsewhere(payload), filename=f"{offramp.reference_id}.png"),
        caption=t(
            "qr_caption",
            crypto=crypto_text(offramp.token, offramp.chain, offramp.crypto_amount),
            chain=offramp.chain.title(),
        ),
        parse_mode=ParseMode.HTML,
    )


def _finish(update: Update, context: Context) -> int:
    conversation_data(update, context).pop("cash", None)
    return ConversationHandler.END


async def cancel_flow(update: Update, context: Context) -> int:
    await answer(update)
    await say(update, context, t("cancelled_flow"), main_menu())
    if update.message is not None:
        await update.message.reply_text("↩️", reply_markup=ReplyKeyboardRemove())
    return _finish(update, context)


async def other_command(update: Update, context: Context) -> None:
    await reprompt(update, context, t("other_command_in_flow"))


def build_cashout_conversation() -> ConversationHandler[Any]:
    text = filters.TEXT & ~filters.COMMAND

    def catch_all(state: int) -> list[Any]:
        # buttons of other features (transactions, refunds, history) fall through to their handlers
        return [
            # the flow's own Cancel first: state handlers run before the fallbacks, and the
            # catch-all below would otherwise answer Cancel with "I did not understand"
            CallbackQueryHandler(cancel_flow, pattern=cb.CANCEL_FLOW.pattern),
            MessageHandler(filters.ALL & ~filters.COMMAND, _stay(state)),
            CallbackQueryHandler(_stay(state), pattern=cb.CASHOUT_ANY),
        ]

    states: dict[object, list[Any]] = {
        COUNTRY: [CallbackQueryHandler(chose_country, pattern=cb.COUNTRY.pattern)],
        TOKEN: [CallbackQueryHandler(chose_token, pattern=cb.TOKEN.pattern)],
        AMOUNT: [
            MessageHandler(text, typed_amount),
            CallbackQueryHandler(toggle_mode, pattern=cb.AMOUNT_MODE.pattern),
        ],
        QUOTE: [CallbackQueryHandler(quote_action, pattern=cb.QUOTE_ACTION.pattern)],
        RECIPIENT: [
            CallbackQueryHandler(chose_saved_recipient, pattern=cb.SAVED_RECIPIENT.pattern),
            CallbackQueryHandler(chose_recipient_kind, pattern=cb.RECIPIENT_KIND.pattern),
        ],
        MM_NUMBER: [MessageHandler(text | filters.CONTACT, typed_phone)],
        MM_NETWORK: [CallbackQueryHandler(chose_network, pattern=cb.NETWORK.pattern)],
        HOLDER_CONFIRM: [CallbackQueryHandler(holder_confirmed, pattern=cb.HOLDER_NAME.pattern)],
        HOLDER_NAME: [MessageHandler(text, typed_holder_name)],
        BANK_PICK: [CallbackQueryHandler(chose_bank, pattern=cb.BANK.pattern), MessageHandler(text, searched_bank)],
        BANK_ACCOUNT: [MessageHandler(text, typed_account)],
        BANK_HOLDER: [MessageHandler(text, typed_bank_holder)],
        TILL: [MessageHandler(text, typed_shortcode)],
        PAYBILL: [MessageHandler(text, typed_shortcode)],
        PAYBILL_ACCOUNT: [MessageHandler(text, typed_paybill_account)],
        REFUND: [
            MessageHandler(text, typed_refund_address),
            CallbackQueryHandler(skipped_refund_address, pattern=cb.SKIP.pattern),
            CallbackQueryHandler(chose_saved_sender_address, pattern=cb.SAVED_SENDER_ADDRESS.pattern),
        ],
        SUMMARY: [CallbackQueryHandler(confirmed, pattern=cb.CONFIRM.pattern)],
    }
    for state, handlers in states.items():
        handlers.extend(catch_all(int(state)))  # type: ignore[call-overload]
    return ConversationHandler(
        entry_points=[
            CommandHandler("cashout", start_cashout),
            CommandHandler("forcustomer", start_for_customer),
            CallbackQueryHandler(start_cashout, pattern=cb.MENU_CASHOUT.pattern),
        ],
        states=states,
        fallbacks=[
            CommandHandler("cancel", cancel_flow),
            CommandHandler("language", language_command),
            CallbackQueryHandler(cancel_flow, pattern=cb.CANCEL_FLOW.pattern),
            MessageHandler(filters.COMMAND, other_command),
        ],
        name="cashout",
        persistent=True,
        allow_reentry=True,
    )


__all__ = ["build_cashout_conversation", "deposit_buttons", "deposit_text"]
