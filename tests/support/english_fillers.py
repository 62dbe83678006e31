"""English left inside Kiswahili or French: a per-language list of known English fillers
(word lists, "unknown", "not found", button words…) and every text the bot can build in a
language, rendered with neutral sample values, to scan for them (#14 items 5 and 12).

Used by the unit tests over the catalogs, and usable on any reply the bot sends (a button
crawler, an end-to-end test): ``english_fillers(reply, language)`` lists what it found."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kotani.chains import Chain
from ui.problems import address_hint, check_reason, payout_reason, phone_problem
from ui.texts import DEFAULT_LANGUAGE, LANGUAGES, catalog, plural_forms, use_language

_COMMON = (
    " or ", " and ", " the ", "unknown", "not found", "skip", "cancel", "please", "refund", "recipient",
    "share my number", "starting with", "letters and digits", "reason", "insufficient", "sandbox",
    "exchange", "tap ", " from ",
)  # fmt: skip

#: Known English fillers per language, matched case-insensitively on the text without its
#: HTML tags and /commands. Product names (Till, Paybill, Buy Goods, Lightning) are not fillers.
ENGLISH_FILLERS: dict[str, tuple[str, ...]] = {
    "sw": _COMMON,
    "fr": (*_COMMON, "au/en", " tx "),
}

_TAGS = re.compile(r"<[^>]+>")
_COMMANDS = re.compile(r"(?<![\w/])/[a-z_]+\b")


def english_fillers(text: str, language: str) -> list[str]:
    """The known English fillers found in ``text`` of ``language`` (none for English)."""
    plain = " " + _COMMANDS.sub(" ", _TAGS.sub(" ", text)).lower().replace("\n", " ") + " "
    return [filler for filler in ENGLISH_FILLERS.get(language, ()) if filler in plain]


class _Sample(dict[str, object]):
    def __missing__(self, key: str) -> object:
        return "7"


#: What the code inserts into texts, as the code inserts it (provider texts are English).
PROVIDER_TEXTS = ("Insufficient funds", "Account not found", "Limit exceeded", "Cancelled by customer",
                  "Account frozen", "Account restricted", "Bank provider error", "Something nobody mapped", None)  # fmt: skip
CHECK_STATUSES = ("NOT_FOUND", "UNSUPPORTED", "TIMEOUT", "ERROR", "ACCOUNT_UNAVAILABLE", "FROZEN", None)


def rendered_texts(language: str) -> Iterator[tuple[str, str]]:
    """(where, text) for every catalog entry (each plural form) and every sentence the ui
    builds from code values (address hints, provider reasons, phone problems), in ``language``."""
    use_language(language)
    try:
        for key, template in catalog(language).items():
            for index, form in enumerate(plural_forms(language).get(key, (template,))):
                yield f"{key}[{index}]", form.format_map(_Sample())
        for chain in Chain:
            yield f"address_hint({chain})", address_hint(chain)
        for text in PROVIDER_TEXTS:
            yield f"payout_reason({text!r})", payout_reason(text)
        for status in CHECK_STATUSES:
            yield f"check_reason({status})", check_reason(status, provider_text="The sandbox has no registered name.")
        yield "phone_problem", phone_problem("phone_wrong_country", {"region": "UG", "country": "KE", "hint": "0712"})
    finally:
        use_language(DEFAULT_LANGUAGE)


TRANSLATED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
