"""The cash-out conversation's state table: which handler answers what, in which step."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.cashout.again import send_again
from handlers.cashout.choices import (
    cancel_flow,
    chose_amount_reading,
    chose_country,
    chose_token,
    chose_token_only,
    help_in_flow,
    other_command,
    quote_action,
    start_cashout,
    start_for_customer,
    status_in_flow,
    toggle_mode,
    typed_amount,
    typed_amount_on_quote,
)
from handlers.cashout.confirm import chose_saved_sender_address, confirmed, skipped_refund_address, typed_refund_address
from handlers.cashout.navigation import chose_language_in_flow, edit_action, save_recipient, went_back
from handlers.cashout.prompts import stay
from handlers.cashout.recipient import (
    chose_bank,
    chose_network,
    chose_recipient_kind,
    chose_saved_recipient,
    holder_confirmed,
    searched_bank,
    typed_account,
    typed_bank_holder,
    typed_holder_name,
    typed_paybill_account,
    typed_phone,
    typed_shortcode,
)
from handlers.cashout.states import (
    AMOUNT,
    BANK_ACCOUNT,
    BANK_HOLDER,
    BANK_PICK,
    CHAIN,
    COUNTRY,
    EDIT,
    HOLDER_CONFIRM,
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
from handlers.language import language_command
from ui import callbacks as cb
from ui.texts import LANGUAGES, catalog


def back_labels() -> list[str]:
    """The Back button's label in every language (a reply-keyboard button arrives as text)."""
    return [catalog(code)["btn_back"] for code in LANGUAGES]


def build_cashout_conversation() -> ConversationHandler[Any]:
    text = filters.TEXT & ~filters.COMMAND

    def catch_all(state: int) -> list[Any]:
        # buttons of other features (transactions, refunds, history) fall through to their handlers
        return [
            # the flow's own Cancel first: state handlers run before the fallbacks, and the
            # catch-all below would otherwise answer Cancel with "I did not understand"
            CallbackQueryHandler(cancel_flow, pattern=cb.CANCEL_FLOW.pattern),
            CallbackQueryHandler(went_back, pattern=cb.BACK.pattern),
            MessageHandler(filters.ALL & ~filters.COMMAND, stay(state)),
            CallbackQueryHandler(stay(state), pattern=cb.CASHOUT_ANY),
        ]

    states: dict[object, list[Any]] = {
        COUNTRY: [CallbackQueryHandler(chose_country, pattern=cb.COUNTRY.pattern)],
        TOKEN: [
            CallbackQueryHandler(chose_token_only, pattern=cb.TOKEN_PICK.pattern),
            CallbackQueryHandler(chose_token, pattern=cb.TOKEN.pattern),  # a token and network in one (old screens)
        ],
        CHAIN: [CallbackQueryHandler(chose_token, pattern=cb.TOKEN.pattern)],
        AMOUNT: [
            MessageHandler(text, typed_amount),
            CallbackQueryHandler(toggle_mode, pattern=cb.AMOUNT_MODE.pattern),
            CallbackQueryHandler(chose_amount_reading, pattern=cb.AMOUNT_PICK.pattern),
        ],
        QUOTE: [
            CallbackQueryHandler(quote_action, pattern=cb.QUOTE_ACTION.pattern),
            CallbackQueryHandler(chose_amount_reading, pattern=cb.AMOUNT_PICK.pattern),
            MessageHandler(text, typed_amount_on_quote),
        ],
        RECIPIENT: [
            CallbackQueryHandler(chose_saved_recipient, pattern=cb.SAVED_RECIPIENT.pattern),
            CallbackQueryHandler(chose_recipient_kind, pattern=cb.RECIPIENT_KIND.pattern),
        ],
        MM_NUMBER: [
            MessageHandler(filters.Text(back_labels()), went_back),  # Back on the "share my number" keyboard
            MessageHandler(text | filters.CONTACT, typed_phone),
        ],
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
        SUMMARY: [
            CallbackQueryHandler(confirmed, pattern=cb.CONFIRM.pattern),
            CallbackQueryHandler(edit_action, pattern=cb.EDIT.pattern),
            CallbackQueryHandler(save_recipient, pattern=cb.SAVE_RECIPIENT.pattern),
        ],
        EDIT: [CallbackQueryHandler(edit_action, pattern=cb.EDIT.pattern)],
    }
    for state, handlers in states.items():
        handlers.extend(catch_all(int(state)))  # type: ignore[call-overload]
    return ConversationHandler(
        entry_points=[
            CommandHandler("cashout", start_cashout),
            CommandHandler("forcustomer", start_for_customer),
            CallbackQueryHandler(start_cashout, pattern=cb.MENU_CASHOUT.pattern),
            CallbackQueryHandler(send_again, pattern=cb.AGAIN.pattern),
        ],
        states=states,
        fallbacks=[
            CommandHandler("cancel", cancel_flow),
            CommandHandler("language", language_command),
            CommandHandler("help", help_in_flow),
            CommandHandler("status", status_in_flow),
            CallbackQueryHandler(chose_language_in_flow, pattern=cb.LANGUAGE.pattern),
            CallbackQueryHandler(cancel_flow, pattern=cb.CANCEL_FLOW.pattern),
            MessageHandler(filters.COMMAND, other_command),
        ],
        name="cashout",
        persistent=True,
        allow_reentry=True,
    )
