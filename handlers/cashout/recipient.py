"""Who gets the money: saved recipients, mobile money (with the name check), bank, till and
paybill, each validated with Kotani before the summary."""

from __future__ import annotations

import re

from telegram import (
    ReplyKeyboardRemove,
    Update,
)

from handlers.cashout.draft import draft, recipient_draft
from handlers.cashout.prompts import (
    after_recipient,
    ask,
    ask_bank,
    ask_holder_name,
    ask_phone,
    cancel_row,
    reprompt,
    yes_no,
)
from handlers.cashout.states import (
    BANK_ACCOUNT,
    BANK_HOLDER,
    BANK_PICK,
    HOLDER_CONFIRM,
    HOLDER_NAME,
    MM_NETWORK,
    MM_NUMBER,
    NAME_PATTERN,
    PAYBILL,
    PAYBILL_ACCOUNT,
    RECIPIENT,
    TILL,
)
from handlers.common import Context, answer, say, services, user_id
from kotani import errors
from kotani.redact import mask_name
from offramps.corridors import offers_till_and_paybill
from offramps.rules.names import may_show_name
from offramps.rules.phones import PhoneError, normalise_phone
from ui import callbacks as cb
from ui.keyboards import keyboard
from ui.problems import kotani_problem, phone_problem, validation_reason
from ui.texts import t
from ui.views import (
    network_name,
    recognisable_name,
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
    cash["recipient"] = recipient_draft(recipient)
    cash["recipient_saved"] = True  # chosen from the saved ones: nothing to offer to save
    return await after_recipient(update, context)


async def chose_recipient_kind(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (kind,) = cb.RECIPIENT_KIND.parse(update.callback_query.data)
    cash = draft(update, context)
    cash["recipient"] = {"kind": kind}
    if kind == "mobile_money":
        return await ask_phone(update, context)
    if kind == "bank":
        return await ask_bank(update, context)
    if kind in ("till", "paybill") and offers_till_and_paybill(cash["country"]):
        return await ask(
            update, context, TILL if kind == "till" else PAYBILL, t(f"ask_{kind}"), keyboard([cancel_row()])
        )
    await reprompt(update, context)
    return RECIPIENT


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
        await say(update, context, phone_problem(exc.key, exc.values))
        return MM_NUMBER
    recipient = cash["recipient"]
    recipient["destination"] = phone.e164
    await say(update, context, t("checking"), ReplyKeyboardRemove())
    cash["reply_keyboard"] = False
    if phone.network is None or (networks and phone.network not in networks):
        rows = [[(network_name(n), cb.NETWORK(n))] for n in networks] + [cancel_row()]
        return await ask(update, context, MM_NETWORK, t("ask_network", phone=phone.masked), keyboard(rows))
    recipient["network"] = phone.network
    return await validate_phone(update, context)


async def chose_network(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    (network,) = cb.NETWORK.parse(update.callback_query.data)
    corridor = await services(context).corridors.get(draft(update, context)["country"])
    if corridor is not None and corridor.networks and network not in corridor.networks:
        await reprompt(update, context)
        return MM_NETWORK
    draft(update, context)["recipient"]["network"] = network
    return await validate_phone(update, context)


def registered_name_shown(update: Update, context: Context, number: str, name: str) -> str:
    """The registered name as the name check shows it: recognisable (``Jane M. D.``) for a few
    numbers a day, initials only beyond (offramps/rules/names.py says why)."""
    if "*" in name:
        return name  # the provider masked it already
    assert context.user_data is not None
    memory = context.user_data.setdefault("name_checks", {})
    allowed = may_show_name(memory, number, services(context).clock().date())
    return recognisable_name(name) if allowed else mask_name(name)


async def validate_phone(update: Update, context: Context) -> int:
    svc = services(context)
    recipient = draft(update, context)["recipient"]
    try:
        check = await svc.kotani.validate_mobile_money(recipient["destination"], network=recipient.get("network"))
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return await ask_phone(update, context)
    if not check.is_valid:
        await say(
            update,
            context,
            t("phone_invalid_kotani", reason=validation_reason(check)),
        )
        return await ask_phone(update, context)
    if check.network and not recipient.get("network"):
        recipient["network"] = check.network
    if check.account_name and check.name_lookup_status == "MATCHED":
        recipient["looked_up_name"] = check.account_name
        shown = registered_name_shown(update, context, recipient["destination"], check.account_name)
        buttons = yes_no()
        return await ask(update, context, HOLDER_CONFIRM, t("confirm_holder", name=shown), buttons)
    if check.name_lookup_reason and check.name_lookup_status not in ("NOT_ENABLED", None):
        await say(update, context, t("lookup_unavailable", reason=validation_reason(check)))
    return await ask_holder_name(update, context)


async def holder_confirmed(update: Update, context: Context) -> int:
    await answer(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    recipient = draft(update, context)["recipient"]
    if update.callback_query.data.endswith(":no"):
        recipient.pop("looked_up_name", None)
        kind = recipient["kind"]
        if kind == "mobile_money":
            return await ask_phone(update, context)
        if kind == "bank":
            return await ask(
                update,
                context,
                BANK_ACCOUNT,
                t("ask_account", bank=recipient.get("bank_name") or t("the_bank")),
                keyboard([cancel_row()]),
            )
        return await ask(
            update, context, TILL if kind == "till" else PAYBILL, t(f"ask_{kind}"), keyboard([cancel_row()])
        )
    name = recipient.pop("looked_up_name", None)
    if name and "*" not in name:
        recipient["holder_name"] = name
    if not recipient.get("holder_name") and recipient["kind"] == "mobile_money":
        return await ask_holder_name(update, context)
    return await after_recipient(update, context)


def valid_name(text: str) -> bool:
    return 2 <= len(text) <= 60 and bool(NAME_PATTERN.match(text))


async def typed_name(update: Update, context: Context) -> str | None:
    """The person's name as typed, spaces tidied; None (after saying why) when it is not a name."""
    assert update.message is not None and update.message.text is not None
    name = " ".join(update.message.text.split())
    if not valid_name(name):
        await say(update, context, t("name_invalid"))
        return None
    return name


async def typed_holder_name(update: Update, context: Context) -> int:
    name = await typed_name(update, context)
    if name is None:
        return HOLDER_NAME
    draft(update, context)["recipient"]["holder_name"] = name
    return await after_recipient(update, context)


async def searched_bank(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    return await ask_bank(update, context, update.message.text.strip()[:40])


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
    cash["recipient"]["bank_code"] = str(code)
    cash["recipient"]["bank_name"] = name
    return await ask(update, context, BANK_ACCOUNT, t("ask_account", bank=name), keyboard([cancel_row()]), edit=True)


async def typed_account(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    account = re.sub(r"[\s-]", "", update.message.text)
    if not re.fullmatch(r"\d{5,20}", account):
        await say(update, context, t("account_invalid"))
        return BANK_ACCOUNT
    draft(update, context)["recipient"]["destination"] = account
    return await ask(update, context, BANK_HOLDER, t("ask_bank_holder"), keyboard([cancel_row()]))


async def typed_bank_holder(update: Update, context: Context) -> int:
    name = await typed_name(update, context)
    if name is None:
        return BANK_HOLDER
    cash = draft(update, context)
    recipient = cash["recipient"]
    recipient["holder_name"] = name
    try:
        check = await services(context).kotani.validate_bank(
            recipient["destination"], recipient.get("bank_code") or "", cash["country"], name
        )
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return BANK_HOLDER
    if not check.is_valid:
        await say(update, context, t("bank_invalid", reason=validation_reason(check)))
        return await ask(
            update, context, BANK_ACCOUNT, t("ask_account", bank=recipient["bank_name"]), keyboard([cancel_row()])
        )
    if check.name_matched is False and check.account_name:
        buttons = yes_no()
        return await ask(
            update,
            context,
            HOLDER_CONFIRM,
            t(
                "bank_name_mismatch",
                name=registered_name_shown(update, context, recipient["destination"], check.account_name),
            ),
            buttons,
        )
    return await after_recipient(update, context)


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
            update, context, PAYBILL_ACCOUNT, t("ask_paybill_account", paybill=code), keyboard([cancel_row()])
        )
    return await validate_shortcode(update, context)


async def typed_paybill_account(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    account = update.message.text.strip()
    if not re.fullmatch(r"[A-Za-z0-9-]{1,30}", account):
        await say(update, context, t("paybill_account_invalid"))
        return PAYBILL_ACCOUNT
    draft(update, context)["recipient"]["account_reference"] = account
    return await validate_shortcode(update, context)


async def validate_shortcode(update: Update, context: Context) -> int:
    recipient = draft(update, context)["recipient"]
    kind = recipient["kind"]
    try:
        check = await services(context).kotani.validate_mobile_money(
            account_type="till" if kind == "till" else "paybill",
            short_code=recipient["destination"],
            account_reference=recipient.get("account_reference"),
            country_code="KE",
        )
    except errors.KotaniError as exc:
        await say(update, context, kotani_problem(exc))
        return TILL if kind == "till" else PAYBILL
    if not check.is_valid:
        await say(update, context, t("shortcode_not_found", reason=validation_reason(check)))
        return await ask(
            update, context, TILL if kind == "till" else PAYBILL, t(f"ask_{kind}"), keyboard([cancel_row()])
        )
    if check.account_name:
        recipient["holder_name"] = check.account_name
        buttons = yes_no()
        return await ask(update, context, HOLDER_CONFIRM, t("confirm_business", name=check.account_name), buttons)
    return await after_recipient(update, context)
