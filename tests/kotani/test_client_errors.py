"""Error mapping, retries and create idempotency, over real HTTP with injected faults."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from kotani import errors
from kotani.client import KotaniClient, KotaniConfig
from kotani.status import OfframpStatus
from tests.conftest import API_KEY, Proxied, Sandbox
from tests.kotani.helpers import offramp_request
from tests.support.proxy import Fault


async def test_wrong_api_key_is_unauthorized_with_a_user_safe_message(sandbox: Sandbox) -> None:
    config = KotaniConfig(base_url=sandbox.url, api_key="not-the-key")
    async with KotaniClient(config) as kotani:
        with pytest.raises(errors.Unauthorized) as refused:
            await kotani.list_fiat_wallets()
    assert refused.value.http_status == 401
    assert "not-the-key" not in refused.value.user_message
    assert "configuration problem on our side" in refused.value.user_message


async def test_validation_errors_carry_the_per_field_messages(client: KotaniClient) -> None:
    with pytest.raises(errors.ValidationFailed) as refused:
        await client.create_offramp(offramp_request("bad-1", amount="0"))
    assert "cryptoAmount must be a positive number" in refused.value.errors


async def test_the_sandbox_refuses_a_sender_address_of_another_chain(sandbox: Sandbox) -> None:
    """The client never sends one (kotani.models.SenderAddressRequired), so ask over raw HTTP."""
    body = offramp_request("bad-2").to_api() | {"senderAddress": "0xnot-a-tron-address", "cryptoAmount": 10}
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        response = await http.post("/api/v3/offramp", json=body, headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 400
    assert "senderAddress must be a valid TRON address" in response.json()["data"]["errors"]


async def test_unknown_reference_is_not_found(client: KotaniClient) -> None:
    with pytest.raises(errors.NotFound, match="Reference Id not found"):
        await client.get_offramp("does-not-exist")


async def test_suspended_recipient_is_forbidden_with_the_date(client: KotaniClient, sandbox: Sandbox) -> None:
    await sandbox.control.post(
        "/sandbox/customers/suspend", json={"phoneNumber": "+254700000001", "until": "2026-02-01T12:00:00Z"}
    )
    with pytest.raises(errors.Forbidden) as refused:
        await client.create_offramp(offramp_request("susp-1"))
    assert refused.value.banned_until is not None
    assert "2026-02-01 12:00" in refused.value.user_message


async def test_expired_and_reused_quotes_are_refused(client: KotaniClient, sandbox: Sandbox) -> None:
    quote = await client.quote_offramp("USDT", "KES", Decimal("10"))
    await client.create_offramp(offramp_request("q-1", rate_id=quote.id))
    with pytest.raises(errors.RateExpired):  # single use
        await client.create_offramp(offramp_request("q-2", rate_id=quote.id))
    stale = await client.quote_offramp("USDT", "KES", Decimal("10"))
    sandbox.clock.advance(61)
    with pytest.raises(errors.RateExpired) as refused:
        await client.create_offramp(offramp_request("q-3", rate_id=stale.id))
    assert "refresh" in refused.value.user_message


async def test_insufficient_payout_balance_is_a_service_problem(client: KotaniClient, sandbox: Sandbox) -> None:
    await sandbox.control.post("/sandbox/wallets", json={"currency": "KES", "balance": "100"})
    with pytest.raises(errors.InsufficientPayoutBalance) as refused:
        await client.create_offramp(offramp_request("bal-1"))
    assert "on our side" in refused.value.user_message


async def test_amount_limits_and_unsupported_pairs(client: KotaniClient) -> None:
    with pytest.raises(errors.BadRequest, match="Amount below minimum of 100 KES"):
        await client.create_offramp(offramp_request("lim-1", amount="0.5"))
    with pytest.raises(errors.BadRequest, match="Amount above maximum of 250000 KES"):
        await client.create_offramp(offramp_request("lim-2", amount="5000"))
    with pytest.raises(errors.BadRequest, match="USDC on TRON is not supported"):
        await client.create_offramp(offramp_request("pair-1", token="USDC"))


async def test_rate_limit_is_honoured_with_retry_after(sandbox: Sandbox, client: KotaniClient) -> None:
    await sandbox.configure(rate_limits={"read": [[2, 5]]})
    await client.get_networks("KE")
    await client.get_networks("KE")
    config = KotaniConfig(base_url=sandbox.url, api_key=API_KEY, max_attempts=1)
    async with KotaniClient(config, clock=sandbox.clock.now) as impatient:
        with pytest.raises(errors.RateLimited) as limited:
            await impatient.get_networks("KE")
    assert limited.value.retry_after == 5


async def test_reads_retry_5xx_and_429_then_succeed(proxied: Proxied) -> None:
    proxied.proxy.faults += [Fault("status", 503), Fault("rate_limited", retry_after=7)]
    wallets = await proxied.client.list_fiat_wallets()
    assert wallets
    assert len(proxied.sleeps) == 2
    assert proxied.sleeps[1] >= 7  # retryAfter honoured


async def test_reads_give_up_after_max_attempts(proxied: Proxied) -> None:
    proxied.proxy.faults += [Fault("status", 500)] * 3
    with pytest.raises(errors.ServerError) as failed:
        await proxied.client.list_fiat_wallets()
    assert "trouble" in failed.value.user_message
    assert len(proxied.proxy.requests) == 3


async def test_a_200_with_success_false_is_an_error(proxied: Proxied) -> None:
    proxied.proxy.faults.append(Fault("success_false"))
    with pytest.raises(errors.BadRequest, match="Invalid request"):
        await proxied.client.get_networks("KE")


async def test_create_that_times_out_after_kotani_created_it_returns_that_offramp(proxied: Proxied) -> None:
    proxied.proxy.faults.append(Fault("late", delay=1.0, method="POST", path_prefix="/api/v3/offramp"))
    created = await proxied.client.create_offramp(offramp_request("idem-1"))
    assert created.reference_id == "idem-1" and created.status is OfframpStatus.PENDING
    posts = [r for r in proxied.proxy.requests if r.method == "POST"]
    assert len(posts) == 1  # never re-posted: it asked GET /offramp/idem-1 instead
    assert any(r.method == "GET" and r.path == "/api/v3/offramp/idem-1" for r in proxied.proxy.requests)


async def test_create_that_failed_with_5xx_before_creating_is_posted_again(proxied: Proxied) -> None:
    proxied.proxy.faults.append(Fault("status", 502, method="POST", path_prefix="/api/v3/offramp"))
    created = await proxied.client.create_offramp(offramp_request("idem-2"))
    assert created.reference_id == "idem-2"
    posts = [r for r in proxied.proxy.requests if r.method == "POST"]
    assert len(posts) == 2
    page = await proxied.client.list_offramps()
    assert [o.reference_id for o in page.items] == ["idem-2"]


async def test_a_retried_create_returns_the_first_offramp_and_makes_no_second(client: KotaniClient) -> None:
    first = await client.create_offramp(offramp_request("dup-1"))
    again = await client.create_offramp(offramp_request("dup-1"))
    assert again.escrow_address == first.escrow_address
    assert (await client.list_offramps()).total == 1


async def test_reusing_a_reference_for_a_different_offramp_is_a_duplicate(client: KotaniClient) -> None:
    await client.create_offramp(offramp_request("dup-2", amount="10"))
    with pytest.raises(errors.Duplicate, match="different offramp"):
        await client.create_offramp(offramp_request("dup-2", amount="12"))


async def test_cannot_connect_is_a_transport_error() -> None:
    config = KotaniConfig(base_url="http://127.0.0.1:9", api_key=API_KEY, max_attempts=2)

    async def no_sleep(_: float) -> None:
        return None

    async with KotaniClient(config, sleep=no_sleep) as kotani:
        with pytest.raises(errors.KotaniTransportError) as failed:
            await kotani.get_offramp("x")
    assert "cannot be reached" in failed.value.user_message


async def test_logs_never_show_the_key_or_full_phone_numbers(
    client: KotaniClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    await client.ensure_mobile_money_customer("KE", "+254799123456", network="MPESA", account_name=None)
    text = caplog.text
    assert "customer/mobile-money/phone" in text
    assert "799123456" not in text and "+254799123456" not in text
    assert API_KEY not in text


async def test_http_status_is_what_counts_not_the_body(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as raw:
        response = await raw.get("/api/v3/offramp/x")
    assert response.status_code == 401
    assert response.json() == {"success": False, "message": "Unauthorized", "error_code": 401, "data": {}}


async def test_health_is_open_and_says_ok(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as raw:
        response = await raw.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
