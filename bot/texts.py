"""Every text the bot sends, in one catalog keyed by name, ready for translation (issue #7).

Texts use Telegram HTML; values from users or the API must be passed through ``html.escape``
by the caller (``t`` does it for every placeholder value that is a ``str``).
"""

from __future__ import annotations

import html
from typing import Any

EN: dict[str, str] = {
    # entry
    "welcome": (
        "👋 <b>Welcome to Kotani Cash-out.</b>\n"
        "Turn USDT, USDC, cUSD or bitcoin (Lightning) into mobile money or a bank payout in "
        "Kenya, Ghana, Uganda, Tanzania and more.\n\nWhat would you like to do?"
    ),
    "menu": "What would you like to do?",
    "btn_cashout": "💸 Cash out",
    "btn_history": "🧾 My transactions",
    "btn_recipients": "👥 Saved recipients",
    "btn_help": "❓ Help",
    "help": (
        "<b>How it works</b>\n"
        "1. Choose the country, the token and the amount; you see the rate and the fee first.\n"
        "2. Choose who gets the money: a mobile money number, a bank account, or a till/paybill.\n"
        "3. Send the exact crypto amount to the deposit address we show (with a QR code).\n"
        "4. We tell you here when your crypto arrives and when the money is delivered.\n\n"
        "<b>Commands</b>\n/cashout – start a cash-out\n/status – your latest cash-out\n"
        "/history – your last cash-outs\n/cancel – stop what you are doing\n\n"
        "Questions? Write to {support}."
    ),
    "cmd_start": "Main menu",
    "cmd_cashout": "Cash out crypto",
    "cmd_status": "Status of my latest cash-out",
    "cmd_history": "My cash-outs",
    "cmd_help": "How it works",
    "cmd_cancel": "Stop the current step",
    "cmd_forcustomer": "Cash out for a walk-in customer",
    "cmd_queue": "My open cash-outs",
    "cmd_find": "Find a cash-out (reference or phone)",
    "cmd_summary": "Today and this week",
    "cmd_export": "Export cash-outs as CSV",
    "cmd_agents": "Add or remove agents",
    "cmd_audit": "Recent agent and admin actions",
    # agent desk
    "staff_only": "This command is for {role}s. If you work at a Kotani agent desk, ask an admin to add you.",
    "agents_list": "👥 <b>Agents</b>\n{lines}",
    "agents_none": "👥 There are no agents yet.",
    "btn_add_agent": "➕ Add agent",
    "btn_remove_agent": "➖ Remove {user}",
    "ask_agent_id": "Send the new agent's Telegram user id (a number; they can see it in @userinfobot).",
    "agent_id_invalid": "That is not a Telegram user id. Send the number, like 123456789.",
    "agent_added": "✅ {user} is now an agent. Their agent menu is active.",
    "agent_removed": "➖ {user} is no longer an agent.",
    "cannot_remove_admin": "{user} is an admin from ADMIN_IDS; change the configuration to remove them.",
    "for_customer_start": "🧑‍💼 <b>Cash-out for a walk-in customer.</b> The customer's number is typed, never shared.",
    "ask_phone_customer": "📱 Type the <b>customer's mobile money number</b> in {country} (like {example}).",
    "customer_link": "📲 If the customer has Telegram, they can follow this cash-out here: {link}",
    "queue_empty": "✅ Your queue is empty.",
    "queue_header": "🗂 <b>Your open cash-outs</b> (oldest first)",
    "find_usage": "Usage: /find &lt;reference or phone number&gt;",
    "find_none": "Nothing found for “{query}”.",
    "find_header": "🔎 <b>Found</b>",
    "summary_header": "📊 <b>{scope}</b>",
    "summary_period": "<b>{period}</b>: {count} cash-outs\n{statuses}\n{volumes}",
    "summary_empty": "<b>{period}</b>: no cash-outs",
    "export_usage": "Usage: /export today | week | month | YYYY-MM-DD YYYY-MM-DD",
    "export_caption": "Cash-outs {start} to {end}: {count} rows.",
    "audit_header": "🧾 <b>Recent agent and admin actions</b>\n{lines}",
    "audit_empty": "🧾 No agent or admin actions yet.",
    "customer_view": "👀 Cash-out shared with you by an agent:\n\n{details}",
    "ops_alert": "🚨 <b>{what}</b>: {reference} — {receive} to {recipient}{reason}",
    "ops_low_balance": "🚨 <b>Low payout balance</b> ({currency}): {balance} is below the alert level of {threshold}. New cash-outs to {currency} may be refused until it is topped up.",
    # conversation
    "ask_country": "🌍 <b>Where should the money go?</b> Choose the country.",
    "countries_fallback": (
        "⚠️ We could not load the current list of countries from the payment service, so here are "
        "the usual ones. If yours does not work, please try again in a few minutes."
    ),
    "ask_token": "🪙 <b>Which crypto will you send?</b> Only the networks listed here work.",
    "ask_amount_crypto": (
        "✍️ <b>How much {token} will you send?</b>\nType the amount, like {example}.\n"
        "Or tap the button to say how much the recipient should get in {currency}."
    ),
    "ask_amount_fiat": (
        "✍️ <b>How much should the recipient get in {currency}?</b>\nType the amount, like 1000.\n"
        "Or tap the button to type the {token} amount instead."
    ),
    "btn_amount_fiat": "Amount in {currency}",
    "btn_amount_crypto": "Amount in {token}",
    "amount_out_of_range": "The amount must be between {low} and {high}. Please type another amount.",
    "quote": (
        "💱 <b>Your quote</b>\n"
        "You send: <b>{crypto}</b> on {chain}\n"
        "Rate: 1 {token_unit} = {rate} {currency}\n"
        "Fee: {fee}\n"
        "Recipient gets: <b>{receive}</b>\n\n"
        "⏱ Valid for {seconds} seconds."
    ),
    "btn_confirm": "✅ Confirm",
    "btn_refresh": "🔄 Refresh",
    "btn_change_amount": "✏️ Change amount",
    "btn_cancel": "✖️ Cancel",
    "quote_expired": "⏱ This quote has expired. Tap <b>Refresh</b> for the current rate.",
    "ask_recipient": "👤 <b>Who gets the money?</b> Choose a saved recipient or add a new one.",
    "btn_new_mobile": "➕ Mobile money",
    "btn_new_bank": "➕ Bank account",
    "btn_new_till": "➕ Till (Buy Goods)",
    "btn_new_paybill": "➕ Paybill",
    "ask_phone": "📱 Type the <b>mobile money number</b> in {country} (like {example}).",
    "ask_phone_or_contact": "📱 Type the <b>mobile money number</b> in {country} (like {example}), or tap <b>Share my number</b>.",
    "btn_share_contact": "📱 Share my number",
    "ask_network": "📶 Which mobile money network is {phone} on?",
    "checking": "⏳ Checking with the payment service…",
    "phone_invalid_kotani": "❌ The payment service says this number cannot receive money: {reason}\nPlease type another number.",
    "confirm_holder": "🔎 This number is registered to <b>{name}</b>.\nIs that the person you want to pay?",
    "confirm_business": "🔎 This number belongs to <b>{name}</b>.\nIs that who you want to pay?",
    "btn_yes": "✅ Yes",
    "btn_no_change": "✏️ No, change it",
    "ask_holder_name": "✍️ Type the recipient's <b>full name</b> as registered with {what}.",
    "name_invalid": "Please type the name with letters (2 to 60 characters), like Jane Doe.",
    "lookup_unavailable": "ℹ️ The name check is not available right now ({reason}).",
    "ask_bank": "🏦 Choose the bank, or type part of its name to search.",
    "no_banks": "Bank payouts are not available for {currency} right now. Choose another kind of recipient.",
    "bank_no_match": "No bank matches “{query}”. Type another part of the name, or choose from the list.",
    "ask_account": "🔢 Type the <b>account number</b> at {bank}.",
    "account_invalid": "Account numbers have 5 to 20 digits. Please type the account number again.",
    "ask_bank_holder": "✍️ Type the <b>account holder's full name</b> as the bank has it.",
    "bank_invalid": "❌ The bank account could not be verified: {reason}\nPlease type the account number again.",
    "bank_name_mismatch": "⚠️ The bank has a different name on this account: <b>{name}</b>. Pay this account anyway?",
    "ask_till": "🏪 Type the <b>till number</b> (Buy Goods), 5 to 7 digits.",
    "ask_paybill": "🏢 Type the <b>paybill number</b>, 5 to 7 digits.",
    "ask_paybill_account": "🔢 Type the <b>account number</b> at paybill {paybill}.",
    "shortcode_invalid": "That is not a valid number: use 5 to 7 digits.",
    "paybill_account_invalid": "Please type the account number (1 to 30 letters or digits).",
    "shortcode_not_found": "❌ The payment service could not find this number: {reason}\nPlease type another one.",
    "ask_refund_address": (
        "↩️ <b>Your wallet address on {chain}</b>\n"
        "If the payout fails, your {token} is sent back automatically — to this address. "
        "Paste the address of the wallet you will send from."
    ),
    "btn_skip": "Skip",
    "refund_address_invalid": "That is not a valid {chain} address ({hint}). Paste it again, or tap Skip.",
    "refund_skipped_warning": "⚠️ Without your address, a failed payout cannot be refunded automatically; our support team would have to help.",
    "summary": (
        "🧾 <b>Please check and confirm</b>\n"
        "You send: <b>{crypto}</b> on {chain}\n"
        "Recipient gets: <b>{receive}</b>\n"
        "To: {recipient}\n"
        "Fee: {fee} · Rate: 1 {token_unit} = {rate} {currency}\n"
        "Refunds go to: {refund}"
    ),
    "summary_requoted": "ℹ️ The rate was updated while you entered the details. Here are the current numbers.",
    "creating": "⏳ Creating your cash-out…",
    "create_retry": "⚠️ {reason}\nYour cash-out is saved. Tap <b>Confirm</b> again to retry — you will not be charged twice.",
    "create_failed": "❌ {reason}",
    "deposit": (
        "📥 <b>Send exactly {crypto}</b> on <b>{chain}</b> to:\n"
        "<code>{address}</code>\n(tap the address to copy it)\n\n"
        "⚠️ Only {token} on the {chain} network. Anything else sent here is lost.\n"
        "⏳ Send before {deadline}.\n"
        "Recipient gets {receive} ({recipient}).\n"
        "Reference: <code>{reference}</code>"
    ),
    "deposit_lightning": (
        "⚡ <b>Pay this Lightning invoice: {crypto}</b>\n"
        "<code>{address}</code>\n(tap to copy, or scan the QR code)\n\n"
        "⏳ Pay before {deadline}.\n"
        "Recipient gets {receive} ({recipient}).\n"
        "Reference: <code>{reference}</code>"
    ),
    "qr_caption": "Scan to send {crypto} ({chain}).",
    "btn_check_status": "🔄 Check status",
    "cancelled_flow": "OK, nothing was created. What next?",
    "unexpected_input": "🤔 I did not understand that.",
    "other_command_in_flow": "You are in the middle of a cash-out. Finish it, or send /cancel to stop.",
    "stale_button": "This button is from an earlier message and no longer works.",
    "not_yours": "This transaction is not yours.",
    "unknown_transaction": "I do not know this transaction.",
    "internal_error": "😕 Something went wrong on our side. Nothing was lost; please try again.",
    # status, history, cancel
    "status_line": "<b>{reference}</b>\n{crypto} → {receive}\nStatus: {status}",
    "no_transactions": "You have no cash-outs yet. Tap 💸 Cash out to start.",
    "history_header": "🧾 <b>Your cash-outs</b> ({start}–{end} of {total})",
    "btn_older": "Older ›",
    "btn_newer": "‹ Newer",
    "timeline_header": "<b>Timeline</b>",
    "cancel_done": "✖️ Cash-out {reference} is cancelled. Do not send any crypto to its address.",
    "cancel_not_pending": "This cash-out cannot be cancelled any more: {why}",
    "no_saved_recipients": "You have no saved recipients yet. They are saved when you cash out to them.",
    "saved_recipients": "👥 <b>Saved recipients</b>\n{lines}",
    # notifications (pushed when Kotani reports a change)
    "n_crypto_received": "📥 <b>We received your {crypto}</b> ({reference}).\nThe payout of {receive} to {recipient} starts now.",
    "n_in_progress": "⏳ <b>Payout in progress</b>: {receive} is on its way to {recipient} ({reference}).",
    "n_successful": (
        "✅ <b>Delivered!</b> {receive} reached {recipient}.\n"
        "The recipient gets a confirmation SMS from {network}. Reference: {reference}."
    ),
    "n_failed": (
        "❌ <b>The payout failed</b> ({reference}): {reason}.\n"
        "Your {crypto} will be sent back to your wallet automatically, usually within minutes. "
        "You do not need to do anything; we will tell you when it is done."
    ),
    "n_failed_deposit": "❌ <b>Your deposit could not be accepted</b> ({reference}): {reason}. Please contact {support}.",
    "n_reversed": "↩️ <b>Refunded</b>: {amount} went back to your wallet ({reference}).",
    "n_refund_tx": "\nTransaction: <code>{hash}</code>",
    "n_refund_failed": (
        "⚠️ <b>The refund failed</b> ({reference}). Your {crypto} is safe with the payment service, but it "
        "could not be sent back automatically. Tap <b>Retry refund</b>, or contact {support} with the reference."
    ),
    "n_cancelled": "✖️ Cash-out {reference} was cancelled. Do not send any crypto to its address.",
    "n_expired": (
        "⌛ Cash-out {reference} expired: no crypto arrived in time. If you sent some anyway, it will be "
        "refunded; contact {support} if you have questions."
    ),
    "n_require_review": "🔎 The payment service is reviewing cash-out {reference}. We will tell you the outcome.",
    "n_invoice_needed": (
        "⚡ <b>The payout failed, so we are refunding {sats} sats</b> ({reference}).\n"
        "Lightning refunds need an invoice from you: create one in your wallet for <b>exactly {sats} sats</b>, "
        "then tap <b>Send refund invoice</b> and paste it."
    ),
    "n_correction": "ℹ️ <b>Update</b>: the payment service corrected this cash-out (it was {previous}).",
    "n_agent": "🧾 Agent copy: cash-out {reference} for {recipient} is now <b>{status}</b> ({receive}).",
    "btn_retry_refund": "🔁 Retry refund",
    "btn_refund_status": "↩️ Refund status",
    "btn_send_invoice": "⚡ Send refund invoice",
    # refunds
    "ask_invoice": (
        "⚡ Paste a Lightning invoice for <b>exactly {sats} sats</b> (it starts with lnbc). "
        "Send /cancel to do this later."
    ),
    "invoice_not_needed": "This cash-out is not waiting for a refund invoice.",
    "invoice_unreadable": "That is not a Lightning invoice. Paste the whole invoice; it starts with lnbc.",
    "invoice_wrong_network": "That invoice is for another Bitcoin network ({network}). Create a mainnet invoice (lnbc…).",
    "invoice_wrong_amount": "That invoice is for {given}; it must be for exactly {sats} sats. Create a new one.",
    "invoice_no_amount": "That invoice has no amount; it must be for exactly {sats} sats. Create a new one.",
    "invoice_expired": "That invoice has expired. Create a new one for exactly {sats} sats.",
    "invoice_accepted": "✅ Invoice accepted. Your {sats} sats refund is on its way; we will tell you when it is done.",
    "invoice_refused": "❌ The payment service did not accept that invoice: {reason}\nCreate a new invoice for exactly {sats} sats and paste it.",
    "refund_retry_started": "🔁 The refund is being retried ({reference}). We will tell you the result.",
    "refund_not_retryable": "This refund cannot be retried automatically. Please contact {support} with reference {reference}.",
    "refund_status_line": "↩️ Refund for {reference}: {state}.{details}",
    "refund_state_NOT_REQUIRED": "no refund is needed",
    "refund_state_PENDING": "scheduled",
    "refund_state_PROCESSING": "being sent",
    "refund_state_INVOICE_NEEDED": "waiting for your Lightning invoice",
    "refund_state_SUCCESSFUL": "sent",
    "refund_state_FAILED": "failed (support can help)",
    "refund_state_UNKNOWN": "unknown",
    "ask_refund_invoice_upfront": (
        "⚡ <b>Refund invoice (optional)</b>\nIf the payout fails, we refund you over Lightning. Paste an invoice "
        "for exactly {sats} sats that stays valid for a day, or tap Skip and give one only if it is ever needed."
    ),
    # plain-words statuses
    "st_NEW": "being created",
    "st_PENDING": "waiting for your crypto",
    "st_CRYPTO_RECEIVED": "crypto received, payout starting",
    "st_IN_PROGRESS": "payout in progress",
    "st_SUCCESSFUL": "✅ delivered",
    "st_FAILED": "❌ payout failed, refund follows",
    "st_REFUND_PENDING": "↩️ refund in progress",
    "st_REVERSED": "↩️ refunded",
    "st_REFUND_FAILED": "⚠️ refund failed, support will help",
    "st_CANCELLED": "✖️ cancelled",
    "st_EXPIRED": "⌛ expired (no crypto arrived in time)",
    "st_REQUIRE_REVIEW": "🔎 under review by the payment service",
    "why_not_pending": "your crypto has already been received",
    "why_terminal": "it is already {status}",
}


def t(key: str, **values: Any) -> str:
    """The text for ``key`` with ``values`` filled in (strings are HTML-escaped)."""
    template = EN[key]
    escaped = {name: html.escape(value) if isinstance(value, str) else value for name, value in values.items()}
    return template.format(**escaped) if escaped else template


def raw(key: str, **values: Any) -> str:
    """Like :func:`t` but without escaping (button labels are plain text, not HTML)."""
    template = EN[key]
    return template.format(**values) if values else template


def status_words(status: str) -> str:
    return EN.get(f"st_{status}", status.replace("_", " ").lower())
