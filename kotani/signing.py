"""Secure-mode request signing (spec §3) and webhook signatures (spec §8.4).

Both are HMAC-SHA256 in lowercase hex over bytes that must match what Kotani's JavaScript
server computes. Request bodies are signed over the exact bytes we send (produced by
:mod:`kotani.jsonjs`); webhooks are verified over the body without its ``signature`` member.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from kotani.jsonjs import js_stringify, loads_like_js

SIGNED_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_SIGNATURE_SUFFIX_LENGTH = len(',"signature":"sha256=') + 64 + len('"}')


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


def webhook_signature(secret: str, payload: dict[str, object]) -> str:
    """``sha256=<hex>`` over ``JSON.stringify({event, data})`` (the body minus ``signature``)."""
    unsigned = {key: value for key, value in payload.items() if key != "signature"}
    return "sha256=" + hmac_hex(secret, js_stringify(unsigned))


def _signed_strings(raw: bytes) -> Iterator[bytes]:
    """Candidate byte strings Kotani may have signed for this raw body (spec §8.4), cheapest
    first and each computed only if the ones before did not match (a webhook storm is mostly
    raw-strip matches, which need no JSON work at all):

    1. raw-strip: the raw bytes with a trailing ``,"signature":"sha256=…"`` member removed;
    2. re-serialised body without ``signature`` (JS number formatting);
    3. re-serialised ``{event, data}`` only, if the body carried other members.
    """
    seen: set[bytes] = set()
    stripped = raw.rstrip()
    if stripped.endswith(b'"}') and len(stripped) > _SIGNATURE_SUFFIX_LENGTH:
        index = len(stripped) - _SIGNATURE_SUFFIX_LENGTH
        if stripped[index:].startswith(b',"signature":"sha256='):
            seen.add(candidate := stripped[:index] + b"}")
            yield candidate
    # JavaScript reads every number as a double; a signer that kept integers above 2**53 exact
    # (not Kotani, but a careful non-JS one) is matched by the exact reading too.
    for body in (loads_like_js(raw), json.loads(raw)):
        if isinstance(body, dict):
            without = {key: value for key, value in body.items() if key != "signature"}
            shapes = [without]
            if set(without) - {"event", "data"}:
                shapes.append({key: without[key] for key in ("event", "data") if key in without})
            for shape in shapes:
                candidate = js_stringify(shape).encode("utf-8")
                if candidate not in seen:
                    seen.add(candidate)
                    yield candidate


def verify_webhook_signature(raw: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """True when ``header`` is a valid signature of ``raw`` under any of ``secrets``.

    Several secrets are accepted so a secret can be rotated without refusing deliveries
    signed with the old one while Kotani switches (spec §8.6). Every comparison is
    constant-time. ``raw`` must be valid JSON (the caller checks that first).
    """
    presented = (header or "").strip().encode()
    usable = [secret for secret in secrets if secret]
    if not presented or not usable:
        return False
    for message in _signed_strings(raw):  # stopping at a match tells nothing about the secret
        for secret in usable:
            if hmac.compare_digest(("sha256=" + hmac_hex(secret, message)).encode(), presented):
                return True
    return False
