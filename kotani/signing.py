"""Secure-mode request signing (spec §3) and webhook signatures (spec §8.4).

Both are HMAC-SHA256 in lowercase hex over bytes that must match what Kotani's JavaScript
server computes. Request bodies are signed over the exact bytes we send (produced by
:mod:`kotani.jsonjs`); webhooks are verified over the body without its ``signature`` member.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from kotani.jsonjs import StrictJSONError, js_stringify, loads_like_js, loads_webhook

SIGNED_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def hmac_hex(secret: str, message: str | bytes) -> str:
    data = message.encode("utf-8") if isinstance(message, str) else message
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def request_message(method: str, path: str, body: bytes | None, timestamp: str, nonce: str) -> bytes:
    """``<ts>.<nonce>.<compact JSON body>`` for writes, ``<ts>.<nonce>.<last path segment>`` else.

    A write without a body is signed as ``{}`` (the server re-serialises an empty body as
    ``{}``). The query string is never part of the GET segment.
    """
    prefix = f"{timestamp}.{nonce}.".encode()
    if method.upper() in SIGNED_METHODS_WITH_BODY:
        return prefix + (body if body else b"{}")
    segment = urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1]
    return prefix + segment.encode("utf-8")


def sign_request(secret: str, method: str, path: str, body: bytes | None, timestamp: str, nonce: str) -> dict[str, str]:
    """The three secure-mode headers for one request."""
    signature = hmac_hex(secret, request_message(method, path, body, timestamp, nonce))
    return {"x-timestamp": timestamp, "x-nonce": nonce, "x-signature": signature}


def reserialised_body(raw: bytes) -> bytes:
    """What Kotani's server signs over for a request body: ``JSON.stringify(JSON.parse(raw))``."""
    if not raw.strip():
        return b"{}"
    return js_stringify(loads_like_js(raw)).encode("utf-8")


# --- webhooks ---------------------------------------------------------------------------

#: ``X-Kotani-Signature`` and the body's ``signature`` member, exactly as Kotani writes them.
SIGNATURE_PATTERN = re.compile(r"sha256=[0-9a-f]{64}")
_SIGNATURE_TAIL = re.compile(rb',"signature":"sha256=[0-9a-f]{64}"\}')
_SIGNATURE_TAIL_LENGTH = len(',"signature":"sha256=') + 64 + len('"}')


def webhook_signature(secret: str, payload: dict[str, object]) -> str:
    """``sha256=<hex>`` over ``JSON.stringify({event, data})`` (the body minus ``signature``)."""
    unsigned = {key: value for key, value in payload.items() if key != "signature"}
    return "sha256=" + hmac_hex(secret, js_stringify(unsigned))


def is_signature(value: object) -> bool:
    """``sha256=`` and 64 lowercase hex digits, nothing else (what Kotani sends, §8.4)."""
    return isinstance(value, str) and SIGNATURE_PATTERN.fullmatch(value) is not None


def _signed_strings(raw: bytes, body: dict[str, Any]) -> Iterator[bytes]:
    """The byte strings Kotani may have signed for this body (spec §8.4), cheapest first, each
    computed only if the ones before did not match (a webhook storm is mostly raw-strip
    matches, which need no serialising).

    ``body`` must be ``raw`` as read by :func:`kotani.jsonjs.loads_webhook` (strict UTF-8, no
    repeated keys, only numbers JavaScript writes back unchanged).

    1. **raw-strip**: when ``raw`` (trailing whitespace aside) ends with exactly
       ``,"signature":"sha256=<64 hex>"}``, the bytes before it plus ``}``. This is equivalent
       to serialising: a match means Kotani signed those bytes ``C``, so ``C`` is the output
       of ``JSON.stringify`` (compact, valid, no repeated keys) and its last ``}`` closes the
       top object; the bytes before it therefore end between two members, outside any string,
       and ``raw`` is ``C``'s members followed by one ``signature`` member. Since the strict
       reader found no repeated key, nothing in ``raw`` overrides or duplicates a member of
       ``C``, and every number in ``C`` is JavaScript's own shortest form, read exactly. So
       ``body`` minus ``signature`` is exactly the object Kotani signed. Anything else (a
       signature value that is not 64 hex digits closing the object, members after it, a
       repeated key) does not take this path.
    2. ``JSON.stringify`` of the body without ``signature``;
    3. ``JSON.stringify`` of ``{event, data}`` alone, only if the body has other members.
    """
    stripped = raw.rstrip(b" \t\r\n")
    fast: bytes | None = None
    index = len(stripped) - _SIGNATURE_TAIL_LENGTH
    if index > 1 and _SIGNATURE_TAIL.fullmatch(stripped, index):
        fast = stripped[:index] + b"}"
        yield fast
    without = {key: value for key, value in body.items() if key != "signature"}
    full = js_stringify(without).encode("utf-8")
    if full != fast:
        yield full
    if set(without) - {"event", "data"}:
        yield js_stringify({key: without[key] for key in ("event", "data") if key in without}).encode("utf-8")


def verify_webhook_signature(
    raw: bytes, header: str | None, secrets: Iterable[str], *, body: dict[str, Any] | None = None
) -> bool:
    """True when ``header`` is a valid signature of ``raw`` under any of ``secrets``.

    Several secrets are accepted so a secret can be rotated without refusing deliveries
    signed with the old one while Kotani switches (spec §8.6). Every comparison is
    constant-time. ``body`` is ``raw`` already read by :func:`kotani.jsonjs.loads_webhook`
    (read here when not given); a body that reader refuses, or a header that is not
    ``sha256=`` and 64 lowercase hex digits, never verifies.
    """
    presented = (header or "").strip()
    usable = [secret for secret in secrets if secret]
    if not usable or not is_signature(presented):
        return False
    if body is None:
        try:
            body = loads_webhook(raw)
        except StrictJSONError:
            return False
    if not isinstance(body, dict):
        return False
    expected = presented.encode()
    for message in _signed_strings(raw, body):  # stopping at a match tells nothing about the secret
        for secret in usable:
            if hmac.compare_digest(("sha256=" + hmac_hex(secret, message)).encode(), expected):
                return True
    return False
