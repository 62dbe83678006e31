"""Kotani's reserved sandbox numbers (spec §10): what a payout or a name look-up does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PayoutOutcome:
    success: bool
    error: str | None = None
    slow: bool = False
    never_settles: bool = False


@dataclass(frozen=True)
class LookupOutcome:
    status: str  # MATCHED, NOT_FOUND, UNSUPPORTED, TIMEOUT, ERROR, ACCOUNT_UNAVAILABLE
    name: str | None = None
    reason: str | None = None
    masked: bool = False
    account_status: str | None = None
    usable: bool = True


_PAYOUT_BY_PHONE: dict[str, PayoutOutcome] = {
    "700000010": PayoutOutcome(False, "Insufficient funds"),
    "700000011": PayoutOutcome(False, "Account not found"),
    "700000012": PayoutOutcome(False, "Limit exceeded"),
    "700000013": PayoutOutcome(False, "Cancelled by customer"),
    "700000020": PayoutOutcome(True, never_settles=True),
    "700000021": PayoutOutcome(True, slow=True),
}

_PAYOUT_BY_ACCOUNT_SUFFIX: dict[str, PayoutOutcome] = {
    "0000003": PayoutOutcome(False, "Account frozen"),
    "0000004": PayoutOutcome(False, "Account restricted"),
    "0000005": PayoutOutcome(False, "Account not found"),
    "0000007": PayoutOutcome(False, "Bank provider error"),
}

_PAYOUT_BY_SHORTCODE: dict[str, PayoutOutcome] = {
    "100002": PayoutOutcome(False, "Account not found"),
    "100003": PayoutOutcome(False, "Provider error"),
}

_MOBILE_LOOKUP: dict[str, LookupOutcome] = {
    "700000001": LookupOutcome("MATCHED", "JANE MARY DOE", account_status="ACTIVE"),
    "700000002": LookupOutcome("MATCHED", "ROBERT JAMES SMITH", account_status="ACTIVE"),
    "700000003": LookupOutcome(
        "NOT_FOUND", reason="No mobile money account is registered to this number.", usable=False
    ),
    "700000004": LookupOutcome("UNSUPPORTED", reason="Name lookup is not available for this network."),
    "700000005": LookupOutcome("TIMEOUT", reason="The network did not answer the name lookup in time."),
    "700000006": LookupOutcome("ERROR", reason="The network returned an error for the name lookup."),
    "700000007": LookupOutcome("MATCHED", "JANE MARY DOE", masked=True, account_status="ACTIVE"),
}

_BANK_LOOKUP: dict[str, LookupOutcome] = {
    "1000000001": LookupOutcome("MATCHED", "JANE MARY DOE", account_status="ACTIVE"),
    "1000000002": LookupOutcome("MATCHED", "ACME HOLDINGS LIMITED", account_status="ACTIVE"),
    "1000000003": LookupOutcome("MATCHED", "JANE MARY DOE", account_status="FROZEN", usable=False),
    "1000000004": LookupOutcome("MATCHED", "JANE MARY DOE", account_status="RESTRICTED", usable=False),
    "1000000005": LookupOutcome("NOT_FOUND", reason="No account with this number at this bank.", usable=False),
    "1000000006": LookupOutcome("UNSUPPORTED", reason="Name lookup is not available for this bank."),
    "1000000007": LookupOutcome("ERROR", reason="The bank returned an error for the name lookup."),
}

_SHORTCODE_LOOKUP: dict[str, LookupOutcome] = {
    "100001": LookupOutcome("MATCHED", "ACME TRADING LIMITED", account_status="ACTIVE"),
    "100002": LookupOutcome("NOT_FOUND", reason="No business is registered to this shortcode.", usable=False),
    "100003": LookupOutcome("ERROR", reason="M-PESA returned an error for the lookup."),
}

_NO_LOOKUP = LookupOutcome("UNSUPPORTED", reason="The sandbox has no registered name for this account.")


def _last9(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-9:]


def payout_outcome(receiver_kind: str, receiver: dict[str, Any]) -> PayoutOutcome:
    """Outcome of the fiat leg, from the receiver's reserved number (spec §10, §11 #10)."""
    if receiver_kind == "mobileMoneyReceiver":
        return _PAYOUT_BY_PHONE.get(_last9(str(receiver.get("phoneNumber", ""))), PayoutOutcome(True))
    if receiver_kind == "bankReceiver":
        account = str(receiver.get("accountNumber", ""))
        return (
            _PAYOUT_BY_ACCOUNT_SUFFIX.get(account[-7:], PayoutOutcome(True))
            if len(account) >= 7
            else PayoutOutcome(True)
        )
    if receiver_kind == "lipaNaMpesaReceiver":
        return _PAYOUT_BY_SHORTCODE.get(str(receiver.get("businessShortcode", "")), PayoutOutcome(True))
    if receiver_kind == "paybillReceiver":
        return _PAYOUT_BY_SHORTCODE.get(str(receiver.get("paybillNumber", "")), PayoutOutcome(True))
    return PayoutOutcome(True)


def mobile_lookup(phone: str) -> LookupOutcome:
    return _MOBILE_LOOKUP.get(_last9(phone), _NO_LOOKUP)


def bank_lookup(account_number: str) -> LookupOutcome:
    return _BANK_LOOKUP.get(account_number, _NO_LOOKUP)


def shortcode_lookup(short_code: str) -> LookupOutcome:
    return _SHORTCODE_LOOKUP.get(short_code, _NO_LOOKUP)
