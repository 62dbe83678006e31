"""Secure mode (spec §3): the sandbox checks signatures as Kotani does; the client's pass."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal

import httpx
import pytest

from kotani import errors
from kotani.client import KotaniClient, KotaniConfig
from kotani.signing import hmac_hex, sign_request
from kotani_sandbox import SandboxConfig
from tests.conftest import API_KEY, WEBHOOK_SECRET, Sandbox
from tests.kotani.helpers import offramp_request

SECRET = "test_api_secret_0123456789abcdef"


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(api_keys=(API_KEY,), api_secret=SECRET, webhook_secret=WEBHOOK_SECRET, lookup_timeout_delay=0)


async def test_signed_client_uses_every_kind_of_request(client: KotaniClient) -> None:
    quote = await client.quote_offramp("USDT", "KES", Decimal("10.0"))
    created = await client.create_offramp(offramp_request("sec-1", amount="10.0", rate_id=quote.id))
    assert (await client.get_offramp("sec-1")).escrow_address == created.escrow_address
    assert (await client.get_customer_by_phone("+254700000001")).phone_number == "+254700000001"
    with pytest.raises(errors.RefundNotRetryable):
        await client.retry_refund("sec-1")  # an empty POST, signed over {}


async def test_a_wrong_secret_is_unauthorized(sandbox: Sandbox) -> None:
    config = KotaniConfig(base_url=sandbox.url, api_key=API_KEY, api_secret="wrong-secret")
    async with KotaniClient(config, clock=sandbox.clock.now) as kotani:
        with pytest.raises(errors.Unauthorized, match="Invalid request signature"):
            await kotani.list_fiat_wallets()


async def test_python_float_bytes_are_refused_exactly_like_kotani_would(sandbox: Sandbox) -> None:
    """json.dumps writes 10.0; Kotani re-serialises it as 10, so a signature over 10.0 fails."""
    body = json.dumps({"from": "USDT", "to": "KES", "cryptoAmount": 10.0}, separators=(",", ":")).encode()
    timestamp = str(int(sandbox.clock.now()))

    async def post(content: bytes, signed_over: bytes) -> httpx.Response:
        nonce = str(uuid.uuid4())
        signature = hmac_hex(SECRET, f"{timestamp}.{nonce}.".encode() + signed_over)
        headers = {"Authorization": f"Bearer {API_KEY}", "x-timestamp": timestamp, "x-nonce": nonce,
                   "x-signature": signature, "Content-Type": "application/json"}  # fmt: skip
        async with httpx.AsyncClient(base_url=sandbox.url) as raw:
            return await raw.post("/api/v3/rate/offramp", content=content, headers=headers)

    assert (await post(body, body)).status_code == 401
    assert (await post(body, body.replace(b"10.0", b"10"))).status_code == 200


async def test_stale_timestamp_and_reused_nonce_are_refused(sandbox: Sandbox) -> None:
    async def get(timestamp: str, nonce: str) -> int:
        headers = sign_request(SECRET, "GET", "/api/v3/wallet/fiat", None, timestamp, nonce)
        headers["Authorization"] = f"Bearer {API_KEY}"
        async with httpx.AsyncClient(base_url=sandbox.url) as raw:
            return (await raw.get("/api/v3/wallet/fiat", headers=headers)).status_code

    now = int(sandbox.clock.now())
    assert await get(str(now - 301), "n-1") == 401
    assert await get(str(now), "n-2") == 200
    assert await get(str(now), "n-2") == 401  # nonce used once
    assert await get(str(int(time.time()) * 0 + now + 299), "n-3") == 200
