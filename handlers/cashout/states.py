"""The cash-out conversation's steps and the constants its answers are checked against."""

from __future__ import annotations

import re

(
    COUNTRY,
    TOKEN,
    AMOUNT,
    QUOTE,
    RECIPIENT,
    MM_NUMBER,
    MM_NETWORK,
    HOLDER_CONFIRM,
    HOLDER_NAME,
    BANK_PICK,
    BANK_ACCOUNT,
    BANK_HOLDER,
    TILL,
    PAYBILL,
    PAYBILL_ACCOUNT,
    REFUND,
    SUMMARY,
    CHAIN,
    EDIT,
) = range(19)  # fmt: skip  (new steps go at the end: saved conversations keep their numbers)

LIGHTNING_NETWORK = "bc"
NAME_PATTERN = re.compile(r"^[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+)*\.?$")
