"""Genuine signed deliveries, re-shaped every way an attacker can (issue 12, item 2): none is
accepted unless what the bot acts on is exactly what Kotani signed.

Each example signs a delivery as Kotani does (``JSON.stringify`` of ``{event, data}``, the
signature appended as the last member), checks the bot accepts it, then re-shapes its bytes
and checks the one-way property: if the bot accepts the new bytes, the event and data it
reads are the signed ones, value for value and type for type.
"""

from __future__ import annotations

import json
import os
import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kotani.jsonjs import js_number, js_stringify
from kotani.signing import webhook_signature
from kotani.webhooks import KNOWN_EVENTS, WebhookRefused, parse_webhook

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
SECRET = "whsec_reshape_0123456789"
MARKER = b',"signature":"sha256='

amounts = (
    st.integers(0, 10**12)
    | st.sampled_from([2**53 - 1, 2**53, 10**19, 10**20 * 3])  # large, but doubles JavaScript writes as digits
    | st.floats(0, 1e9, allow_nan=False, allow_infinity=False).map(lambda f: Decimal(repr(f)))
)
statuses = st.sampled_from(["PENDING", "CRYPTO_RECEIVED", "IN_PROGRESS", "SUCCESSFUL", "FAILED", "REVERSED"])
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@st.composite
def deliveries(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {
        "referenceId": draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=24)),
        "status": draw(statuses),
        "onchainStatus": draw(st.none() | statuses),
        "fiatAmount": draw(amounts),
        "fiatTransactionAmount": draw(amounts),
        "cryptoAmount": draw(amounts),
        "fiatCurrency": "KES",
        "transactionHash": draw(st.text("0123456789abcdef", max_size=64)),
        "transactionError": draw(st.none() | texts | st.just({})),
        "rate": {"from": "USDT", "to": "KES", "fiatAmount": draw(amounts)},
        "note": draw(texts),
    }
    if draw(st.booleans()):
        data["requiresAction"] = draw(st.booleans())
    if draw(st.booleans()):
        data["totalRetries"] = draw(st.integers(0, 20))
    keys = list(data)
    draw(st.randoms()).shuffle(keys)
    return {"event": draw(st.sampled_from(sorted(KNOWN_EVENTS))), "data": {key: data[key] for key in keys}}


def signed(payload: dict[str, Any]) -> tuple[bytes, str]:
    signature = webhook_signature(SECRET, payload)
    return (js_stringify(payload)[:-1] + f',"signature":"{signature}"}}').encode(), signature


def render(value: Any, rng: random.Random, *, spaces: bool, numbers: bool, escape: bool) -> str:
    """JSON for ``value`` written differently from JSON.stringify, same content."""
    space = (lambda: rng.choice(["", " ", "\n", "\t "])) if spaces else (lambda: "")
    if isinstance(value, dict):
        members = [
            space() + render(key, rng, spaces=spaces, numbers=numbers, escape=escape) + space() + ":" + space()
            + render(item, rng, spaces=spaces, numbers=numbers, escape=escape)
            for key, item in value.items()
        ]  # fmt: skip
        return "{" + ",".join(members) + space() + "}"
    if isinstance(value, list):
        return "[" + ",".join(render(item, rng, spaces=spaces, numbers=numbers, escape=escape) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=escape)
    if isinstance(value, bool) or value is None:
        return js_stringify(value)
    if numbers and rng.random() < 0.5:  # the same number another way: 10 as 10.0 or 1e1
        exact = Decimal(value)
        longer = f"{exact}0" if "." in str(exact) else f"{exact}.0"
        return rng.choice([longer if "E" not in str(exact) else f"{exact:e}", f"{exact:e}"])
    return js_number(value)


def canonical(value: Any) -> Any:
    """What the bot reads, with types kept apart (True is not 1, "10" is not 10)."""
    if isinstance(value, dict):
        return ("object", sorted((key, canonical(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("array", [canonical(item) for item in value])
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | Decimal | float):
        return ("number", Decimal(value).normalize() + 0)
    return (type(value).__name__, value)


def duplicate_inside(raw: bytes, where: str, key: str, value: str, first: bool) -> bytes:
    member = f'"{key}":{value}'.encode()
    if where == "top":
        return b"{" + member + b"," + raw[1:] if first else raw[:-1] + b"," + member + b"}"
    opening = raw.index(b'"data":{') + len(b'"data":{')
    closing = raw.index(MARKER) - 1  # data closes just before the signature member
    if first:
        return raw[:opening] + member + b"," + raw[opening:]
    return raw[:closing] + b"," + member + raw[closing:]


@st.composite
def reshapings(draw: st.DrawFn, payload: dict[str, Any]) -> tuple[str, bytes, str]:
    """(what was done, new body, header to send)."""
    raw, signature = signed(payload)
    rng = draw(st.randoms())
    prefix = raw[: raw.index(MARKER) + len(MARKER)]
    kind = draw(
        st.sampled_from(
            ["append_after_prefix", "replace_tail", "duplicate", "float_rounding", "replay_on_changed",
             "spaces", "numbers", "escapes", "reorder", "extra_member", "body_signature", "header", "truncate"]
        )
    )  # fmt: skip
    header = signature
    if kind == "append_after_prefix":
        tail = draw(
            st.sampled_from(
                [
                    b'","event":"refund.completed","' + b"k" * 31 + b'":""}',
                    signature[7:].encode() + b'","event":"refund.completed"}',
                    signature[7:].encode() + b'","data":{"referenceId":"x","status":"SUCCESSFUL"}}',
                    signature[7:].encode() + b'"}, "status":"SUCCESSFUL"}',
                ]
            )
        )
        return kind, prefix + tail, header
    if kind == "replace_tail":
        filler = draw(st.text('abcdef0123456789",:{}[]ek ', min_size=66, max_size=66)).encode()
        return kind, prefix + filler, header
    if kind == "duplicate":
        where = draw(st.sampled_from(["top", "data"]))
        key = draw(st.sampled_from(["event", "data", "signature", "x"] if where == "top" else [*payload["data"], "x"]))
        value = draw(st.sampled_from(['"refund.completed"', '"SUCCESSFUL"', "0", "1e9", '{"referenceId":"x"}', "null"]))
        return kind, duplicate_inside(raw, where, key, value, draw(st.booleans())), header
    if kind == "float_rounding":
        numeric = [key for key, item in payload["data"].items() if isinstance(item, int | Decimal)]
        key = draw(st.sampled_from(numeric))
        written = js_number(payload["data"][key]).encode()
        nudge = written + (b"" if b"." in written or b"e" in written else b".") + b"0000000000000001"
        return kind, raw.replace(f'"{key}":'.encode() + written, f'"{key}":'.encode() + nudge, 1), header
    if kind == "replay_on_changed":
        changed = {"event": payload["event"], "data": dict(payload["data"])}
        field = draw(st.sampled_from(["event", "status", "fiatTransactionAmount", "referenceId", "requiresAction"]))
        if field == "event":
            changed["event"] = draw(st.sampled_from(sorted(KNOWN_EVENTS - {payload["event"]})))
        elif field == "status":
            changed["data"]["status"] = "REVERSED" if payload["data"]["status"] != "REVERSED" else "SUCCESSFUL"
        elif field == "fiatTransactionAmount":
            changed["data"]["fiatTransactionAmount"] = 7 if payload["data"]["fiatTransactionAmount"] != 7 else 8
        elif field == "referenceId":
            changed["data"]["referenceId"] += "x"
        else:
            changed["data"]["requiresAction"] = not payload["data"].get("requiresAction", False)
        body = js_stringify(changed)[:-1] + f',"signature":"{signature}"}}'
        return kind, body.encode(), header
    if kind in ("spaces", "numbers", "escapes"):
        full = {**payload, "signature": signature}
        text = render(full, rng, spaces=kind == "spaces", numbers=kind == "numbers", escape=kind == "escapes")
        return kind, text.encode(), header
    if kind == "reorder":
        data = list(payload["data"].items())
        rng.shuffle(data)
        reordered = {"data": dict(data), "event": payload["event"]} if rng.random() < 0.5 else {**payload}
        reordered["data"] = dict(data)
        return kind, (js_stringify(reordered)[:-1] + f',"signature":"{signature}"}}').encode(), header
    if kind == "extra_member":
        extra = draw(st.sampled_from(['"status":"SUCCESSFUL"', '"x":1', '"data":{}', '"event":"refund.completed"']))
        return kind, raw[:-1] + b"," + extra.encode() + b"}", header
    if kind == "body_signature":
        bad = draw(st.sampled_from([signature.upper(), signature[:-1], signature + "0", "sha256=", '"x"']))
        return kind, prefix[: -len("sha256=")] + bad.encode() + b'"}', header
    if kind == "header":
        header = draw(st.sampled_from([signature.upper(), signature[:-1], signature + "0", signature[7:],
                                       "sha256=" + signature[7:].upper(), signature + " " + signature]))  # fmt: skip
        return kind, raw, header
    cut = draw(st.integers(1, len(raw) - 1))
    return kind, raw[:cut], header


def read(raw: bytes, header: str) -> Any | None:
    try:
        event = parse_webhook(raw, {"x-kotani-signature": header}, [SECRET, "whsec_old_one"])
    except WebhookRefused:
        return None
    return canonical({"event": event.raw["event"], "data": event.raw["data"]})


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_reshaped_signed_delivery_is_accepted_only_when_it_says_exactly_what_was_signed(data: st.DataObject) -> None:
    payload = data.draw(deliveries())
    raw, signature = signed(payload)
    signed_content = canonical(payload)
    assert read(raw, signature) == signed_content  # the genuine delivery itself is accepted
    kind, reshaped, header = data.draw(reshapings(payload))
    accepted = read(reshaped, header)
    assert accepted is None or accepted == signed_content, kind
    if kind in ("append_after_prefix", "replace_tail", "float_rounding", "replay_on_changed", "body_signature",
                "header", "truncate"):  # fmt: skip
        assert accepted is None, kind
    if kind in ("spaces", "numbers", "escapes"):  # the same content written differently still verifies
        assert accepted == signed_content, kind
