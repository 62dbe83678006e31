"""Reading an amount a person typed, and writing amounts for people to read."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_decimal

# Digits with optional thousands separators (comma, space, thin/no-break space) and a dot decimal part.
_GROUPED = re.compile(r"^\d{1,3}(?:[, \u00a0\u202f]\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$|^\.\d+$")
# Where the language writes a decimal comma (French): groups of three by spaces, comma decimals.
_GROUPED_COMMA = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?$")
_PLAIN_COMMA = re.compile(r"^\d+,\d+$")
_EXPONENT = re.compile(r"\d+(?:[.,]\d+)?[eE][+-]?\d+")
#: sats in one bitcoin
SATS_PER_BTC = Decimal(100_000_000)
#: more digits than any cash-out has (and than a JSON number carries exactly)
MAX_DIGITS = 15


class AmountError(ValueError):
    """Why the text is not an acceptable amount: a text key and its values (shown translated)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def parse_amount(text: str, *, decimals: int, unit: str, decimal_comma: bool = False) -> Decimal:
    """``10``, ``10.5``, ``1,000``, ``1 000`` → Decimal; anything else → :class:`AmountError`.

    ``decimal_comma``: the reader's language writes decimals with a comma (French ``10,5``,
    ``1 000,5``); a dot is still read as a decimal point, as phones often offer only that.
    """
    cleaned = text.strip().replace("\u2009", " ")
    for suffix in (unit.lower(), unit.upper(), unit):
        cleaned = cleaned.removesuffix(suffix).strip()
    if cleaned.startswith("-"):
        raise AmountError("amount_not_positive", unit=unit)
    if decimal_comma and re.fullmatch(r"\d{1,3}\.\d{3}", cleaned):
        # "1.500": a thousand and a half here, one and a half to the phone's dot: never guess
        whole, part = cleaned.split(".")
        raise AmountError(
            "amount_ambiguous", unit=unit, grouped=whole + part, decimal=f"{whole},{part.rstrip('0') or '0'}",
            readings=(Decimal(whole + part), Decimal(f"{whole}.{part}").normalize()),
        )  # fmt: skip
    if decimal_comma and (_GROUPED_COMMA.match(cleaned) or _PLAIN_COMMA.match(cleaned)):
        cleaned = re.sub(r"[ \u00a0\u202f]", "", cleaned).replace(",", ".")
    elif _GROUPED.match(cleaned):
        cleaned = re.sub(r"[, \u00a0\u202f]", "", cleaned)
    elif not _PLAIN.match(cleaned):
        if _EXPONENT.fullmatch(cleaned):
            raise AmountError("amount_digits", unit=unit)  # 1e3: a calculator's way, not a person's
        if re.fullmatch(r"\d+,\d{1,2}", cleaned):
            raise AmountError("amount_use_dot", unit=unit)
        raise AmountError("amount_not_number", unit=unit)
    if len(cleaned.replace(".", "").lstrip("0")) > MAX_DIGITS:
        raise AmountError("amount_too_long", unit=unit)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise AmountError("amount_not_number", unit=unit) from exc
    if amount <= 0:
        raise AmountError("amount_not_positive", unit=unit)
    places = -amount.normalize().as_tuple().exponent if amount.normalize().as_tuple().exponent < 0 else 0  # type: ignore[operator]
    if places > decimals:
        if decimals == 0:
            raise AmountError("amount_whole", unit=unit)
        raise AmountError("amount_decimals", unit=unit, decimals=decimals)
    return amount


def parse_sats(text: str, *, decimal_comma: bool = False) -> Decimal:
    """A Lightning amount in whole sats, typed as a Lightning wallet shows it: ``5000``,
    ``5,000 sats``, ``10k`` (thousands) or ``0.0001 BTC`` (converted to sats).

    Wallets show all three, so all three are read; anything that is not a whole number of sats
    gets a message that says how to write it instead of a hint about decimals.
    """
    cleaned = text.strip()
    lowered = cleaned.lower()
    if lowered.endswith("btc"):
        btc = parse_amount(cleaned[:-3], decimals=8, unit="BTC", decimal_comma=decimal_comma)
        return (btc * SATS_PER_BTC).quantize(Decimal(1))
    for suffix in ("sats", "sat"):
        if lowered.endswith(suffix):
            cleaned, lowered = cleaned[: -len(suffix)].strip(), lowered[: -len(suffix)].strip()
            break
    if lowered.endswith("k"):
        try:
            thousands = parse_amount(cleaned[:-1], decimals=3, unit="sats", decimal_comma=decimal_comma)
        except AmountError as exc:
            raise AmountError("amount_sats_whole" if exc.key == "amount_decimals" else exc.key, **exc.values) from exc
        return (thousands * 1000).quantize(Decimal(1))
    try:
        return parse_amount(cleaned, decimals=0, unit="sats", decimal_comma=decimal_comma)
    except AmountError as exc:
        if exc.key in ("amount_whole", "amount_not_number", "amount_use_dot"):
            raise AmountError("amount_sats_whole", unit="sats") from exc
        raise


def format_amount(amount: Decimal, unit: str, *, places: int | None = None, locale: str = "en") -> str:
    """``Decimal('1269')``, ``KES`` → ``1,269 KES`` (``1 269 KES`` in French); the unit is always
    shown. Crypto amounts keep every significant digit and drop trailing zeros."""
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        pattern = "#,##0" + ("." + "0" * places if places else "")
    else:
        amount = amount.normalize()
        exponent = amount.as_tuple().exponent
        shown = max(0, -exponent) if isinstance(exponent, int) else 0
        pattern = "#,##0" + ("." + "0" * shown if shown else "")
    text = format_decimal(amount, format=pattern, locale=locale, decimal_quantization=False)
    return f"{text} {unit}".strip()
