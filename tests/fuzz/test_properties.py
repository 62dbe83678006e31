"""Property-based tests: hostile input to parsers and verifiers either parses or is refused
in the documented way — never another exception."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from kotani.signing import verify_webhook_signature, webhook_signature
from kotani.webhooks import WebhookRefused, parse_hint, parse_webhook
from offramps.rules.invoices import InvoiceProblem, check_refund_invoice

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
NOW = datetime(2026, 1, 1, tzinfo=UTC)

#: JSON a JavaScript signer writes: integers a double holds exactly, finite numbers (JavaScript
#: writes Infinity as null, and the webhook reader refuses anything else)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=200))
def test_any_pasted_text_is_an_invoice_or_a_named_problem(text: str) -> None:
    try:
        check_refund_invoice(text, amount_msat=1_500_000, network="bc", now=NOW)
    except InvoiceProblem as problem:
        assert problem.key.startswith("invoice_")


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([[], ["whsec_a"], ["whsec_a", "whsec_b"]]), st.text(max_size=80))
def test_any_body_is_an_event_or_a_refusal(raw: bytes, secrets: list[str], signature: str) -> None:
    try:
        event = parse_webhook(raw, {"x-kotani-signature": signature}, secrets) if secrets else parse_hint(raw)
    except WebhookRefused as refused:
        assert refused.http_status in (400, 401)
    else:
        assert event.reference_id


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6), st.text(max_size=40))
def test_a_forged_envelope_never_verifies_and_a_signed_one_always_does(data: dict[str, object], reference: str) -> None:
    body = {"event": "transaction.offramp.status.updated", "data": {**data, "referenceId": reference or "r"}}
    signature = webhook_signature("whsec_real", body)
    raw = json.dumps({**body, "signature": signature}).encode()
    assert verify_webhook_signature(raw, signature, ["whsec_real"])
    assert not verify_webhook_signature(raw, signature, ["whsec_guess"])
    assert not verify_webhook_signature(raw, "sha256=" + "0" * 64, ["whsec_real"])
