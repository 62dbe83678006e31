"""The cash-out conversation's steps and the constants its answers are checked against."""

from __future__ import annotations

import re

(
    COUNTRY, TOKEN, AMOUNT, QUOTE, RECIPIENT, MM_NUMBER, MM_NETWORK, HOLDER_CONFIRM, HOLDER_NAME,
    BANK_PICK, BANK_ACCOUNT, BANK_HOLDER, TILL, PAYBILL, PAYBILL_ACCOUNT, REFUND, SUMMARY,
) = range(17)  # fmt: skip

LIGHTNING_NETWORK = "bc"
NAME_PATTERN = re.compile(r"^[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+)*\.?$")
