"""Callback data, the one protocol between the buttons the bot shows and the handlers that
answer them: each kind has one builder, one pattern and one parser, here and nowhere else.

Data is ``<prefix>[:<value>…]`` within Telegram's 64 bytes. A handler registers
``KIND.pattern``; a button is made with ``KIND(value…)``; a press is read with
``KIND.parse(data)``, which raises :class:`ForeignCallback` for data the bot did not make
(an old or forged button), so a handler can answer it politely instead of crashing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_BYTES = 64  # Telegram's limit for callback_data


class ForeignCallback(ValueError):
    """Callback data this kind of button does not produce."""


@dataclass(frozen=True)
class Callback:
    """One kind of button: ``prefix`` then one value per regex in ``values``."""

    prefix: str
    values: tuple[str, ...] = ()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = [re.escape(self.prefix), *(f"({value})" for value in self.values)]
        object.__setattr__(self, "_pattern", re.compile("^" + ":".join(parts) + "$"))

    @property
    def pattern(self) -> re.Pattern[str]:
        """What a ``CallbackQueryHandler`` for this kind matches (nothing else)."""
        return self._pattern

    def __call__(self, *values: object) -> str:
        data = ":".join([self.prefix, *(str(value) for value in values)])
        if not self._pattern.match(data) or len(data.encode()) > MAX_BYTES:
            raise ValueError(f"{data!r} is not valid {self.prefix} callback data")
        return data

    def parse(self, data: str | None) -> tuple[str, ...]:
        match = self._pattern.match(data or "")
        if match is None:
            raise ForeignCallback(data or "")
        return match.groups()

    def matches(self, data: str | None) -> bool:
        return bool(self._pattern.match(data or ""))


REFERENCE = r"[A-Za-z0-9_.-]{1,48}"
NUMBER = r"\d{1,12}"

# --- the main menu -------------------------------------------------------------------------
MENU_CASHOUT = Callback("m:cash")
MENU = Callback("m", (r"hist|rcp|help",))
MENU_LANGUAGE = Callback("m:lang")
LANGUAGE = Callback("lang", (r"[a-z]{2}",))

# --- the cash-out conversation (prefix "c") ----------------------------------------------
CASHOUT_ANY = re.compile(r"^c:")  # every button of the cash-out flow, for its "stay" answer
CANCEL_FLOW = Callback("c:x")
COUNTRY = Callback("c:cc", (r"[A-Z]{2}",))
TOKEN = Callback("c:tk", (r"[A-Z]{2,12}", r"[A-Z0-9]{2,10}"))  # a token on one network
TOKEN_PICK = Callback("c:tok", (r"[A-Z0-9]{2,10}",))  # a token; its network is asked next when it has several
BACK = Callback("c:back")  # the previous question, its answer kept
EDIT = Callback("c:edit", (r"menu|amount|recipient|sender",))  # the summary's Edit, and what to change
SAVE_RECIPIENT = Callback("c:save")  # keep this recipient in "Saved recipients"
AMOUNT_MODE = Callback("c:mode", (r"fiat|crypto",))
#: one reading of an amount two languages read differently ("1.500"), offered as a button
AMOUNT_PICK = Callback("c:amt", (r"\d{1,15}(?:\.\d{1,18})?",))
QUOTE_ACTION = Callback("c:q", (r"ok|refresh|amount",))
SAVED_RECIPIENT = Callback("c:r", (NUMBER,))
RECIPIENT_KIND = Callback("c:rk", (r"mobile_money|bank|till|paybill",))
NETWORK = Callback("c:net", (r"[A-Z_]{2,20}",))
HOLDER_NAME = Callback("c:hn", (r"yes|no",))
BANK = Callback("c:bk", (NUMBER,))
SKIP = Callback("c:skip")
SAVED_SENDER_ADDRESS = Callback("c:sa", (NUMBER,))
CONFIRM = Callback("c:ok")
#: start a new cash-out like a past one (same recipient, token, network, sender address) at a fresh quote
AGAIN = Callback("c:again", (REFERENCE,))

# --- saved recipients (rename, delete) ---------------------------------------------------------
RECIPIENTS = Callback("rc:list")
RECIPIENT_OPEN = Callback("rc:open", (NUMBER,))
RECIPIENT_RENAME = Callback("rc:ren", (NUMBER,))
RECIPIENT_DELETE = Callback("rc:del", (NUMBER,))
RECIPIENT_DELETE_SURE = Callback("rc:dely", (NUMBER,))  # the second tap: "yes, delete it"

# --- transactions, refunds, history ----------------------------------------------------------
TX_STATUS = Callback("t:st", (REFERENCE,))
TX_OPEN = Callback("t:open", (REFERENCE,))
TX_CANCEL = Callback("t:cx", (REFERENCE,))
TX_CANCEL_SURE = Callback("t:cxy", (REFERENCE,))  # the second tap: "yes, cancel it"
TX_KEEP = Callback("t:keep", (REFERENCE,))
HISTORY_PAGE = Callback("h:p", (NUMBER,))
#: one entry opened from a history page: the page's offset rides along for the Back button
HISTORY_OPEN = Callback("h:o", (r"\d{1,6}", REFERENCE))
RECEIPT = Callback("t:rc", (REFERENCE,))  # the receipt image of a delivered cash-out
REFUND_INVOICE = Callback("r:inv", (REFERENCE,))
REFUND_RETRY = Callback("r:retry", (REFERENCE,))
REFUND_STATUS = Callback("r:st", (REFERENCE,))

# --- the agent desk ------------------------------------------------------------------------
AGENT_ADD = Callback("a:add")
AGENT_REMOVE = Callback("a:rm", (NUMBER,))
#: end the customer-view links of a walk-in customer's cash-out
LINK_REVOKE = Callback("a:rvk", (REFERENCE,))
