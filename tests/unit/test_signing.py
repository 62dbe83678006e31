"""The spec's worked examples (§3.1, §8.5) as fixed vectors."""

from decimal import Decimal

from kotani.jsonjs import js_dumps
from kotani.models import MobileMoneyReceiver, OfframpRequest
from kotani.signing import (
    request_message,
    sign_request,
    verify_webhook_signature,
    webhook_signature,
)

SECRET = "test_api_secret_0123456789abcdef"
TS = "1767225600"
SPEC_BODY = (
    '{"cryptoAmount":10,"currency":"KES","chain":"TRON","token":"USDT","referenceId":"tg-7781-0001",'
    '"senderAddress":"TQ5NmZ8c1pXv3QnKzY7sW2rT9uJ4hL6bDe","callbackUrl":"https://bot.example.com/kotani/webhook",'
    '"mobileMoneyReceiver":{"phoneNumber":"+254700000001","accountName":"Jane Doe","networkProvider":"MPESA"}}'
)


def spec_request() -> OfframpRequest:
    return OfframpRequest(
        reference_id="tg-7781-0001",
        crypto_amount=Decimal("10.0"),  # the JavaScript number trap: must go out as 10
        currency="KES",
        chain="TRON",
        token="USDT",
        receiver=MobileMoneyReceiver("+254700000001", "Jane Doe", "MPESA"),
        sender_address="TQ5NmZ8c1pXv3QnKzY7sW2rT9uJ4hL6bDe",
        callback_url="https://bot.example.com/kotani/webhook",
    )


def test_create_body_is_byte_identical_to_the_spec_example() -> None:
    assert js_dumps(spec_request().to_api()).decode() == SPEC_BODY


def test_post_signature_matches_spec_example() -> None:
    body = js_dumps(spec_request().to_api())
    headers = sign_request(SECRET, "POST", "/api/v3/offramp", body, TS, "9b2f6c1e-4d7a-4c3b-8e5f-2a1d0c9b8e7f")
    assert headers == {
        "x-timestamp": TS,
        "x-nonce": "9b2f6c1e-4d7a-4c3b-8e5f-2a1d0c9b8e7f",
        "x-signature": "321896292d9dc52a5922a3708c55e061ed82aa5bd4280f6c02dc9eec085cb046",
    }


def test_get_signature_covers_the_last_path_segment_only() -> None:
    nonce = "0c8e2a4f-7b1d-4e6a-9f3c-5d2b1a0e9c8d"
    expected = "75560b422d6e0987d8376ef76b11ffb460e6a60311a516e38b40a46f130d8445"
    assert sign_request(SECRET, "GET", "/api/v3/offramp/tg-7781-0001", None, TS, nonce)["x-signature"] == expected
    with_query = sign_request(SECRET, "GET", "/api/v3/offramp/tg-7781-0001?x=1", None, TS, nonce)
    assert with_query["x-signature"] == expected


def test_empty_post_is_signed_as_empty_object() -> None:
    nonce = "5e1d9c3b-2a4f-4b8e-a7d6-1f0e9d8c7b6a"
    assert request_message("POST", "/api/v3/offramp/retry-refund/x", None, TS, nonce).endswith(b".{}")
    signature = sign_request(SECRET, "POST", "/api/v3/offramp/retry-refund/x", None, TS, nonce)["x-signature"]
    assert signature == "4364b6fc0fdd38af85528413f1ac85a0035d24477db4eac09fea957e71151147"


WEBHOOK_SECRET = "whsec_test_5f2b8c1d9e"
SIGNED_STRING = (
    '{"event":"transaction.offramp.status.updated","data":{"referenceId":"tg-7781-0001","status":"SUCCESSFUL",'
    '"onchainStatus":"SUCCESSFUL","fiatAmount":1305,"fiatTransactionAmount":1279,"cryptoAmount":10,"fiatCurrency":"KES",'
    '"customerKey":"cust_demo_01","senderAddress":"TQ5NmZ8c1pXv3QnKzY7sW2rT9uJ4hL6bDe",'
    '"escrowAddress":"TXk3PqL8mN2vB7cR5tY9wZ4sD6fG1hJ2aQ",'
    '"transactionHash":"7c4a8d09ca3762af61e59520943dc26494f8941b7c4a8d09ca3762af61e59520","transactionHashAmount":10,'
    '"rate":{"from":"USDT","to":"KES","fiatAmount":1305},"updated_at":"2026-01-05T10:15:30.000Z"}}'
)
SPEC_HEADER = "sha256=3039d79a7a9bc35ee9e0e15e254e98c020ee9f64cd76fdaa5ecb3a961d94fe1c"


def spec_raw_body() -> bytes:
    return (SIGNED_STRING[:-1] + f',"signature":"{SPEC_HEADER}"}}').encode()


def test_webhook_signature_matches_spec_example() -> None:
    import json

    assert webhook_signature(WEBHOOK_SECRET, json.loads(SIGNED_STRING)) == SPEC_HEADER
    assert verify_webhook_signature(spec_raw_body(), SPEC_HEADER, [WEBHOOK_SECRET])


def test_hmac_over_the_raw_body_is_not_the_algorithm() -> None:
    import hashlib
    import hmac

    raw_hmac = hmac.new(WEBHOOK_SECRET.encode(), spec_raw_body(), hashlib.sha256).hexdigest()
    assert raw_hmac == "64845d47d42d7a955cd426d07dbd42f763b047d773baf44b105896a952285c64"
    assert not verify_webhook_signature(spec_raw_body(), "sha256=" + raw_hmac, [WEBHOOK_SECRET])


def test_reserialised_form_is_accepted_when_the_raw_bytes_differ() -> None:
    # Same JSON re-indented by a proxy: raw-strip no longer applies, re-serialising does.
    import json

    pretty = json.dumps(json.loads(spec_raw_body()), indent=2).encode()
    assert verify_webhook_signature(pretty, SPEC_HEADER, [WEBHOOK_SECRET])


def test_rotation_accepts_old_and_new_secret_and_refuses_others() -> None:
    assert verify_webhook_signature(spec_raw_body(), SPEC_HEADER, ["whsec_new_secret", WEBHOOK_SECRET])
    assert not verify_webhook_signature(spec_raw_body(), SPEC_HEADER, ["whsec_new_secret"])
    assert not verify_webhook_signature(spec_raw_body(), "", [WEBHOOK_SECRET])
    tampered = spec_raw_body().replace(b'"fiatTransactionAmount":1279', b'"fiatTransactionAmount":9279')
    assert not verify_webhook_signature(tampered, SPEC_HEADER, [WEBHOOK_SECRET])


def test_the_raw_strip_path_needs_64_hex_digits_closing_the_object() -> None:
    # issue 12: the bytes before `,"signature":"sha256=` kept, the rest replaced (same length)
    raw = spec_raw_body()
    marker = b',"signature":"sha256='
    forged = raw[: raw.index(marker) + len(marker)] + b'","event":"refund.completed","' + b"k" * 31 + b'":""}'
    assert len(forged) == len(raw)
    assert not verify_webhook_signature(forged, SPEC_HEADER, [WEBHOOK_SECRET])
    # a member after a genuine signature, or an object that does not close there
    assert not verify_webhook_signature(raw[:-1] + b',"event":"refund.completed"}', SPEC_HEADER, [WEBHOOK_SECRET])
    assert not verify_webhook_signature(raw[:-1] + b"}}", SPEC_HEADER, [WEBHOOK_SECRET])
    assert verify_webhook_signature(raw + b"\n", SPEC_HEADER, [WEBHOOK_SECRET])


def test_numbers_changed_within_float_rounding_do_not_verify() -> None:
    # JSON.parse reads both as the same double, so they sign alike, but the bot would act on
    # the exact written value
    raw = spec_raw_body()
    for before, after in [
        (b'"cryptoAmount":10,', b'"cryptoAmount":10.0000000000000001,'),
        (b'"fiatTransactionAmount":1279,', b'"fiatTransactionAmount":1279.0000000000000001,'),
        (b'"fiatAmount":1305,', b'"fiatAmount":1305.00000000000000000000000000000000000001,'),
    ]:
        assert before in raw
        assert not verify_webhook_signature(raw.replace(before, after), SPEC_HEADER, [WEBHOOK_SECRET]), after
    # the same numbers written the way JavaScript would read them back are the same content
    assert verify_webhook_signature(raw.replace(b'"cryptoAmount":10,', b'"cryptoAmount":10.0,'), SPEC_HEADER,
                                    [WEBHOOK_SECRET])  # fmt: skip


def test_the_header_must_be_exactly_sha256_and_64_lowercase_hex() -> None:
    raw = spec_raw_body()
    for header in (SPEC_HEADER.upper(), "sha256=" + SPEC_HEADER[7:].upper(), SPEC_HEADER[:-1], SPEC_HEADER + "0",
                   SPEC_HEADER[7:], SPEC_HEADER + ",sha256=" + "0" * 64):  # fmt: skip
        assert not verify_webhook_signature(raw, header, [WEBHOOK_SECRET]), header
    assert verify_webhook_signature(raw, f" {SPEC_HEADER}\t", [WEBHOOK_SECRET])


def test_a_repeated_key_never_verifies_whichever_copy_was_signed() -> None:
    raw = spec_raw_body()
    duplicated = raw.replace(b'{"referenceId":"tg-7781-0001",', b'{"referenceId":"tg-7781-0001","status":"FAILED",')
    assert not verify_webhook_signature(duplicated, SPEC_HEADER, [WEBHOOK_SECRET])
    assert not verify_webhook_signature(raw[:1] + b'"event":"refund.completed",' + raw[1:], SPEC_HEADER,
                                        [WEBHOOK_SECRET])  # fmt: skip
