"""Reading an amount a person typed, and writing amounts for people to read."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Digits with optional thousands separators (comma, space, thin/no-break space) and a dot decimal part.
_GROUPED = re.compile(r"^\d{1,3}(?:[, \u00a0\u202f]\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$|^\.\d+$")


class AmountError(ValueError):
    """Why the text is not an acceptable amount; the message is shown to the user."""


def parse_amount(text: str, *, decimals: int, unit: str) -> Decimal:
    """``10``, ``10.5``, ``1,000``, ``1 000`` → Decimal; anything else → :class:`AmountError`."""
    cleaned = text.strip().replace("\u2009", " ")
    for suffix in (unit.lower(), unit.upper(), unit):
        cleaned = cleaned.removesuffix(suffix).strip()
    if cleaned.startswith("-"):
        raise AmountError(f"The amount must be more than zero. Type it like 10 or 10.5 ({unit}).")
    if _GROUPED.match(cleaned):
        cleaned = re.sub(r"[, \u00a0\u202f]", "", cleaned)
    elif not _PLAIN.match(cleaned):
        if re.fullmatch(r"\d+,\d{1,2}", cleaned):
            raise AmountError(f"Please use a dot for decimals, like 10.5 ({unit}).")
        raise AmountError(f"That is not a number. Type the amount in {unit}, like 10 or 10.5.")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise AmountError(f"That is not a number. Type the amount in {unit}, like 10 or 10.5.") from exc
    if amount <= 0:
        raise AmountError(f"The amount must be more than zero. Type it like 10 or 10.5 ({unit}).")
    places = -amount.normalize().as_tuple().exponent if amount.normalize().as_tuple().exponent < 0 else 0  # type: ignore[operator]
    if places > decimals:
        if decimals == 0:
            raise AmountError(f"{unit} amounts are whole numbers. Type it without decimals, like 1500.")
        raise AmountError(f"{unit} amounts have at most {decimals} decimal places.")
    return amount


def format_amount(amount: Decimal, unit: str, *, places: int | None = None) -> str:
    """``Decimal('1269')``, ``KES`` → ``1,269 KES``; trailing zeros of crypto amounts dropped."""
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{amount:,.{places}f}"
    else:
        normal = amount.normalize()
        exponent = normal.as_tuple().exponent
        shown = max(0, -exponent) if isinstance(exponent, int) else 0
        text = f"{normal:,.{shown}f}"
    return f"{text} {unit}"
