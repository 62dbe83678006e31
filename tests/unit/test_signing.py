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
