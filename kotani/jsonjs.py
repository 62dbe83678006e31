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
