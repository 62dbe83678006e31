"""JSON exactly as JavaScript's ``JSON.stringify`` writes it.

Kotani verifies request signatures (spec §3) and signs webhooks (spec §8.4) over the output
of ``JSON.stringify`` on the *parsed* body. Python's ``json.dumps`` differs from it for
integral floats (``10.0`` vs ``10``), small and large exponents (``1e-07`` vs ``1e-7``) and
non-ASCII text, so a signature computed over Python's bytes is refused. Everything that is
signed goes through this module, and the client sends exactly the bytes it signed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any


def js_number(value: int | float | Decimal) -> str:
    """Format a number the way ``JSON.stringify`` does (``Number.prototype.toString``).

    A ``Decimal`` is first turned into the IEEE double the server will parse it as; if that
    double does not hold the exact value, the amount cannot travel as a JSON number without
    changing, and we refuse rather than silently send a different amount.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("a non-finite amount cannot be sent as JSON")
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise ValueError(f"{value} has more precision than a JSON number can carry")
        value = as_float
    if math.isnan(value) or math.isinf(value):
        return "null"
    if value == 0:
        return "0"
    text = repr(value)
    if "e" in text:
        mantissa, exp_text = text.split("e")
        exponent = int(exp_text)
        if -7 < exponent < 21:
            text = format(Decimal(text), "f")
        else:
            text = f"{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"
    return text[:-2] if text.endswith(".0") else text


def js_stringify(value: Any) -> str:
    """Serialise like ``JSON.stringify``: compact, key order kept, non-ASCII unescaped."""
    if value is None:
        return "null"
    if isinstance(value, bool | int | float | Decimal):
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return (
            "{"
            + ",".join(
                json.dumps(str(key), ensure_ascii=False) + ":" + js_stringify(item) for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, Sequence):
        return "[" + ",".join(js_stringify(item) for item in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__} as JSON")


def js_dumps(value: Any) -> bytes:
    """The UTF-8 bytes of :func:`js_stringify`, ready to sign and send."""
    return js_stringify(value).encode("utf-8")


def loads_exact(raw: bytes | str) -> Any:
    """Parse JSON keeping every fractional number as an exact ``Decimal`` (never a float)."""
    return json.loads(raw, parse_float=Decimal)


def loads_like_js(raw: bytes | str) -> Any:
    """Parse JSON the way a JavaScript server does: every number becomes a double.

    Used where we must reproduce what Kotani's server computes (signature checks), so that
    ``10.0`` on the wire becomes ``10`` again exactly as ``JSON.parse`` would make it.
    """
    return json.loads(raw, parse_int=float)


# --- strict reading of what others send us ------------------------------------------------


class StrictJSONError(ValueError):
    """A body a strict reader refuses; the message says why and never quotes the body."""


#: How deeply a Kotani webhook may nest (theirs have three levels: envelope, ``data``, ``rate``).
WEBHOOK_MAX_DEPTH = 16
#: ``Number.MAX_SAFE_INTEGER``: above it a JavaScript double no longer holds every integer, so
#: Kotani's server could read (and sign) a different number from the one written.
MAX_SAFE_INTEGER = 2**53 - 1
#: A double's shortest form is at most 24 characters; longer number text is refused unread (and
#: long before Python's 4,300-digit ``int()`` limit could raise from inside the parser).
MAX_NUMBER_CHARS = 40
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Python keeps the last of two equal keys and JavaScript does too, but a verifier that
    # reads one copy and an attacker who appends another must never disagree: refuse.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise StrictJSONError("an object repeats a key")
    return result


def _refuse_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not a JSON number")


def _js_exact_int(text: str) -> int:
    """The integer, if a JavaScript double holds it exactly and JSON.stringify writes it back
    with the same digits (integers up to 2**53 always; larger ones only when they are a double
    in its own written form, e.g. 1e19 as 10000000000000000000)."""
    if len(text) > 22:  # "-" and 21 digits: JSON.stringify writes 1e21 and above with an exponent
        raise StrictJSONError("an integer has too many digits")
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        as_float = float(value)
        if as_float != value or js_number(as_float) != text:
            raise StrictJSONError("an integer is not exactly a JavaScript number")
    return value


def _js_exact_decimal(text: str) -> Decimal:
    """The number as an exact Decimal, if JavaScript would write the same value back.

    Kotani signs ``JSON.stringify(JSON.parse(body))``: a number JavaScript reads as a nearby
    double (``10.0000000000000001`` → ``10``) signs like that double while the bot would act on
    the written value. Only numbers a double holds exactly, in their shortest form, get through.
    """
    if len(text) > MAX_NUMBER_CHARS:
        raise StrictJSONError("a number has too many digits")
    as_float = float(text)
    if not math.isfinite(as_float):
        raise StrictJSONError("a number is out of range")
    try:
        value = Decimal(text)
    except ArithmeticError:  # an exponent beyond Decimal's range (float() just gives 0.0)
        raise StrictJSONError("a number is out of range") from None
    if Decimal(repr(as_float)) != value:
        raise StrictJSONError("a number has more precision than a JavaScript number")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > 20:  # a signed 64-bit integer has at most 19 digits
        raise StrictJSONError("an integer has too many digits")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise StrictJSONError("a number has too many digits")
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError("a number is out of range")
    return value


_JS_EXACT = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_int=_js_exact_int, parse_float=_js_exact_decimal,
    parse_constant=_refuse_constant,
)  # fmt: skip
_BOUNDED = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_int=_bounded_int, parse_float=_bounded_float,
    parse_constant=_refuse_constant,
)  # fmt: skip


def loads_webhook(raw: bytes, *, max_depth: int = WEBHOOK_MAX_DEPTH) -> Any:
    """Parse a webhook body exactly as the bot will act on it, or raise StrictJSONError.

    The one reader for Kotani's webhooks (verified and unsigned alike), so that what is checked
    against the signature and what is acted on are the same thing: strict UTF-8, no repeated
    keys, bounded nesting, no NaN/Infinity, integers a JavaScript double holds exactly (written
    as JavaScript writes them), and fractional numbers kept as exact Decimals only when
    JavaScript would write them back with the same value. Never raises anything but StrictJSONError for any input.
    """
    return _read(raw, _JS_EXACT, max_depth)


def loads_bounded(raw: bytes, *, max_depth: int = 64) -> Any:
    """Parse JSON from a party that is not a JavaScript signer (Telegram), still refusing what
    could exhaust the parser: deep nesting, huge numbers, repeated keys, NaN/Infinity. Numbers
    are plain ``int``/``float`` (what python-telegram-bot expects)."""
    return _read(raw, _BOUNDED, max_depth)


def _read(raw: bytes, decoder: json.JSONDecoder, max_depth: int) -> Any:
    try:
        text = raw.decode("utf-8")  # not json's own detection, which also accepts UTF-16/32
        value = decoder.decode(text)
    except StrictJSONError:
        raise
    except RecursionError:  # nesting deeper than the interpreter's stack: refused, not a 500
        raise StrictJSONError("nested too deeply") from None
    except (ValueError, TypeError, ArithmeticError) as exc:  # JSONDecodeError, UnicodeDecodeError, …
        raise StrictJSONError("not valid JSON") from exc
    # Every nesting level opens with a bracket outside a string, so fewer brackets than the limit
    # (the usual webhook has three or four) means nothing to measure.
    if raw.count(b"{") + raw.count(b"[") > max_depth:
        _check_depth(value, max_depth)
    if _SURROGATE_ESCAPE.search(raw):
        _check_text(value)
    return value


def _check_depth(value: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > max_depth:
            raise StrictJSONError("nested too deeply")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _check_text(value: Any) -> None:
    """A lone ``\\ud800`` escape decodes to text that cannot be written as UTF-8 again (nor
    stored): refuse it here rather than fail later while signing or storing."""
    stack = [value]
    while stack:
        item = stack.pop()
        try:
            if isinstance(item, str):
                item.encode("utf-8")
            elif isinstance(item, dict):
                for key in item:
                    key.encode("utf-8")
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        except UnicodeEncodeError:
            raise StrictJSONError("text with an unpaired surrogate") from None
