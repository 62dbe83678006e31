"""Kotani's errors in plain words, with a way forward, in the reader's language."""

from __future__ import annotations

import logging

from kotani import errors
from kotani.models import AccountValidation
from ui.texts import country_name, has_text, t

logger = logging.getLogger("ui.problems")


def kotani_problem(exc: errors.KotaniError) -> str:
    """Plain words for a Kotani error, with a way forward, in the user's language."""
    logger.warning("kotani error shown to user: %s (%s)", type(exc).__name__, exc)
    if isinstance(exc, errors.Forbidden) and exc.banned_until is not None:
        return t("kotani_Suspended", until=f"{exc.banned_until:%Y-%m-%d %H:%M}")
    for cls in type(exc).__mro__:
        key = f"kotani_{cls.__name__}"
        if has_text(key):
            return t(key, message=exc.message)
    return t("kotani_KotaniError")


#: A provider's payout failure text (English, free form) → the catalog sentence a customer reads.
#: Checked in order; the first fragment found in the lowercased text wins.
_PAYOUT_REASONS: tuple[tuple[str, str], ...] = (
    ("insufficient", "reason_operator_funds"),
    ("not found", "reason_account_not_found"),
    ("not registered", "reason_account_not_found"),
    ("limit", "reason_limit"),
    ("cancel", "reason_cancelled_by_recipient"),
    ("frozen", "reason_account_frozen"),
    ("restricted", "reason_account_restricted"),
    ("blocked", "reason_account_restricted"),
    ("timeout", "reason_timeout"),
    ("timed out", "reason_timeout"),
    ("error", "reason_provider_error"),
)

#: A check's status (name look-up or account status) → the catalog sentence.
_CHECK_REASONS = {
    "NOT_FOUND": "reason_account_not_found",
    "FROZEN": "reason_account_frozen",
    "RESTRICTED": "reason_account_restricted",
    "BLOCKED": "reason_account_restricted",
    "ACCOUNT_UNAVAILABLE": "reason_account_unavailable",
    "TIMEOUT": "reason_timeout",
    "ERROR": "reason_provider_error",
    "UNSUPPORTED": "reason_lookup_unsupported",
}


def payout_reason(provider_text: str | None) -> str:
    """Why a payout (or a deposit) failed, as a plain sentence of the catalog in the reader's
    language. The provider's own text is English and written for engineers ("Insufficient
    funds" is the operator's float, not the customer's wallet), so it is logged and kept for
    agents (ops alerts, the database), never shown to the customer as it is."""
    if not provider_text:
        return t("no_reason_given")
    lowered = provider_text.lower()
    for fragment, key in _PAYOUT_REASONS:
        if fragment in lowered:
            return t(key)
    logger.info("provider reason without a plain sentence: %r", provider_text)
    return t("reason_other")


def check_reason(*statuses: str | None, provider_text: str | None = None) -> str:
    """Why a number or account check failed or could not be done: the first known status of
    ``statuses`` (the look-up status, the account status…), else the provider's text read like
    a payout failure; always a catalog sentence."""
    if provider_text and "no registered name" in provider_text.lower():
        return t("reason_no_registered_name")  # the network shares names; this number has none
    for status in statuses:
        if status and status.upper() in _CHECK_REASONS:
            return t(_CHECK_REASONS[status.upper()])
    if provider_text:
        logger.info("check failed: %r", provider_text)
        lowered = provider_text.lower()
        for fragment, key in _PAYOUT_REASONS:
            if fragment in lowered:
                return t(key)
    return t("reason_not_confirmed")


def validation_reason(check: AccountValidation) -> str:
    """Why Kotani's check of a number or account failed or gave no name, as a catalog sentence
    (the account's status first: a frozen account says so, then the name look-up's)."""
    return check_reason(
        check.account_status, check.name_lookup_status, provider_text=check.message or check.name_lookup_reason
    )


def address_hint(chain: str) -> str:
    """What an address of ``chain`` looks like, in the reader's language (an EVM address by default)."""
    key = f"hint_address_{chain}"
    return t(key) if has_text(key) else t("hint_address_evm")


def phone_problem(key: str, values: dict[str, object]) -> str:
    """A phone number problem (``offramps.rules.phones.PhoneError``) in the reader's words:
    ISO codes (``region``, ``country``) become the country's name in the reader's language."""
    named = {
        name: country_name(str(value)) if name in ("region", "country") and value != "?" else value
        for name, value in values.items()
    }
    if named.get("region") == "?":
        return t("phone_invalid", **named)
    return t(key, **named)
