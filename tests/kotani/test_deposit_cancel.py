"""A deposit on its way when the customer cancels is never lost (issue #12 item 6; spec §5.8,
§11 #13).

The sandbox refuses a cancel as soon as a deposit has been seen, even while it is still
confirming, so the offramp pays out; crypto that lands after a cancel, after expiry or after a
correction that ends the offramp goes back to the sender. Everything is driven over loopback
HTTP, time moves only on the sandbox's injectable clock, and each offramp body the sandbox
answers with is checked against Kotani's OpenAPI file.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kotani import errors
from kotani.chains import Chain
from kotani.client import KotaniClient
from kotani.models import RefundConfig
from kotani.status import OfframpStatus, RefundStatus
from kotani_sandbox import SandboxConfig
from kotani_sandbox.addresses import new_escrow_address
from tests.conftest import API_KEY, FROZEN_AT, Sandbox
from tests.kotani.helpers import TRON_SENDER, offramp_request
from tests.kotani.test_lifecycle import _invoice, events, statuses
from tests.kotani.test_openapi_conformance import operation_for, validate
from tests.support.servers import LiveServer, WebhookReceiver

Receiver = tuple[WebhookReceiver, str]
UPDATED = "transaction.offramp.status.updated"
NOT_CANCELLABLE = {
    "success": False,
    "message": "Transaction cannot be cancelled in its current status",
    "error_code": 400,
    "data": {},
}


def _offramp_schema() -> dict[str, Any]:
    operation = operation_for("GET", "/api/v3/offramp/any")
    assert operation is not None
    return dict(operation["responses"]["200"]["content"]["application/json"]["schema"])


OFFRAMP_SCHEMA = _offramp_schema()


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """Kotani's API of the sandbox, called raw so the exact answers can be checked."""
    async with httpx.AsyncClient(base_url=sandbox.url, headers={"Authorization": f"Bearer {API_KEY}"}) as raw:
        yield raw


def conforming(response: httpx.Response) -> dict[str, Any]:
    """The ``data`` of a 200 answer carrying an OfframpResponse, validated against the OpenAPI file."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert validate(OFFRAMP_SCHEMA, body) == []
    return dict(body["data"])


async def offramp(api: httpx.AsyncClient, reference: str) -> dict[str, Any]:
    return conforming(await api.get(f"/api/v3/offramp/{reference}"))


async def cancel(api: httpx.AsyncClient, reference: str) -> httpx.Response:
    assert operation_for("GET", f"/api/v3/offramp/cancel/{reference}") is not None
    return await api.get(f"/api/v3/offramp/cancel/{reference}")


async def refund_status(api: httpx.AsyncClient, reference: str) -> dict[str, Any]:
    response = await api.get(f"/api/v3/offramp/refund-status/{reference}")  # no schema in the file
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


async def advance_clock(sandbox: Sandbox, seconds: float) -> None:
    response = await sandbox.control.post("/sandbox/clock/advance", json={"seconds": seconds})
    response.raise_for_status()


def at(sandbox: Sandbox, seconds_from_now: float) -> str:
    return sandbox.clock.iso(sandbox.clock.now() + seconds_from_now)


async def assert_refunded(api: httpx.AsyncClient, sandbox: Sandbox, reference: str, *, address: str | None) -> str:
    """The refund of a deposit nothing paid out, from 'owed' through to 'sent'; returns its hash."""
    owed = await refund_status(api, reference)
    assert (owed["refundInitiated"], owed["refundStatus"], owed["refundAmount"]) == (True, "PENDING", 10)
    assert owed["refundAddress"] == address and owed["refundScheduledAt"] == at(sandbox, 300)
    assert (await offramp(api, reference))["refundStatus"] == "PENDING"
    await advance_clock(sandbox, 299)  # the refund waits its five minutes (spec §5.9) …
    assert (await refund_status(api, reference))["refundStatus"] == "PENDING"
    await advance_clock(sandbox, 1 + 30)  # … then one refund attempt
    done = await refund_status(api, reference)
    assert (done["status"], done["refundStatus"], done["refundAddress"]) == ("REVERSED", "SUCCESSFUL", address)
    assert re.fullmatch(r"[0-9a-f]{64}", done["refundTransactionHash"])
    final = await offramp(api, reference)
    assert (final["status"], final["refundStatus"], final["onchainStatus"]) == ("REVERSED", "SUCCESSFUL", "SUCCESSFUL")
    return str(done["refundTransactionHash"])


def assert_refund_completed(hooks: WebhookReceiver, refund_hash: str, amount: Decimal = Decimal(10)) -> None:
    [completed] = [e for e in events(hooks) if e.event == "refund.completed"]
    assert completed.status is OfframpStatus.REVERSED and completed.refund_transaction_hash == refund_hash
    assert completed.refund_amount == amount


# --- deposit first: the cancel is refused and the offramp goes on ---------------------------


async def test_a_cancel_right_after_the_deposit_is_refused_and_the_offramp_pays_out(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("dc-1", callback_url=f"{url}/hook"))
    await sandbox.deposit("dc-1", txHash="0xdeadbeef")
    confirming = await offramp(api, "dc-1")
    assert (confirming["status"], confirming["transactionHash"]) == ("PENDING", "0xdeadbeef")  # still confirming
    refused = await cancel(api, "dc-1")
    assert (refused.status_code, refused.json()) == (400, NOT_CANCELLABLE)
    with pytest.raises(errors.NotCancellable):  # the bot's client reads it as "too late to cancel"
        await client.cancel_offramp("dc-1")
    assert (await offramp(api, "dc-1"))["status"] == "PENDING"
    await advance_clock(sandbox, 30)  # confirmations
    assert (await offramp(api, "dc-1"))["status"] == "CRYPTO_RECEIVED"
    await advance_clock(sandbox, 3600)  # payout; the deposit window passing changes nothing
    final = await offramp(api, "dc-1")
    assert (final["status"], final["onchainStatus"], final["transactionHashAmount"]) == ("SUCCESSFUL", "SUCCESSFUL", 10)
    assert (await refund_status(api, "dc-1"))["refundStatus"] == "NOT_REQUIRED"
    assert statuses(hooks) == [(UPDATED, "CRYPTO_RECEIVED"), (UPDATED, "IN_PROGRESS"), (UPDATED, "SUCCESSFUL")]


# --- cancel or expiry first: the crypto that lands later goes back ---------------------------


async def test_crypto_arriving_after_a_cancel_is_refunded_to_the_sender(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("dc-2", callback_url=f"{url}/hook"))
    cancelled = conforming(await cancel(api, "dc-2"))
    assert (cancelled["status"], cancelled["onchainStatus"]) == ("CANCELLED", "CANCELLED")
    await sandbox.deposit("dc-2", txHash="0xlate", **{"from": TRON_SENDER})
    late = await offramp(api, "dc-2")
    assert (late["status"], late["onchainStatus"], late["transactionHash"]) == ("CANCELLED", "SUCCESSFUL", "0xlate")
    refund_hash = await assert_refunded(api, sandbox, "dc-2", address=TRON_SENDER)
    assert statuses(hooks) == [
        (UPDATED, "CANCELLED"), (UPDATED, "REFUND_PENDING"), ("refund.completed", "REVERSED"), (UPDATED, "REVERSED"),
    ]  # fmt: skip
    assert_refund_completed(hooks, refund_hash)


async def test_crypto_arriving_after_expiry_is_refunded_to_the_sender(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("dc-3", callback_url=f"{url}/hook"))
    await advance_clock(sandbox, 3601)
    expired = await offramp(api, "dc-3")
    assert (expired["status"], expired["onchainStatus"]) == ("EXPIRED", "EXPIRED")
    refused = await cancel(api, "dc-3")
    assert (refused.status_code, refused.json()) == (400, NOT_CANCELLABLE)
    await sandbox.deposit("dc-3")  # no "from": the refund still knows where to go
    assert (await offramp(api, "dc-3"))["status"] == "EXPIRED"
    refund_hash = await assert_refunded(api, sandbox, "dc-3", address=TRON_SENDER)
    assert statuses(hooks) == [
        (UPDATED, "EXPIRED"), (UPDATED, "REFUND_PENDING"), ("refund.completed", "REVERSED"), (UPDATED, "REVERSED"),
    ]  # fmt: skip
    assert_refund_completed(hooks, refund_hash)


async def test_without_a_sender_address_the_refund_config_address_beats_the_depositing_address(
    api: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    fallback, exchange = new_escrow_address(Chain.TRON), new_escrow_address(Chain.TRON)
    created = await api.post(
        "/api/v3/offramp",
        json={"cryptoAmount": 10, "currency": "KES", "chain": "TRON", "token": "USDT", "referenceId": "dc-4",
              "refund_config": {"address": fallback},
              "mobileMoneyReceiver": {"phoneNumber": "+254700000001", "accountName": "Jane Doe",
                                      "networkProvider": "MPESA"}},
    )  # fmt: skip
    conforming(created)
    conforming(await cancel(api, "dc-4"))
    await sandbox.deposit("dc-4", **{"from": exchange})  # e.g. an exchange's hot wallet: not the customer's
    await assert_refunded(api, sandbox, "dc-4", address=fallback)


async def test_a_late_deposit_matched_by_escrow_address_is_refunded(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox
) -> None:
    created = await client.create_offramp(offramp_request("dc-5"))
    conforming(await cancel(api, "dc-5"))
    matched = await sandbox.control.post(
        "/sandbox/escrow/deposit", json={"address": created.escrow_address, "amount": 10, "from": TRON_SENDER}
    )
    assert matched.status_code == 200 and matched.json()["offramp"]["referenceId"] == "dc-5"
    await assert_refunded(api, sandbox, "dc-5", address=TRON_SENDER)


class TestDirectMode:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(api_keys=(API_KEY,), webhook_secret=None, lookup_timeout_delay=0)

    async def test_crypto_after_a_cancel_is_refunded_with_direct_callbacks(
        self, api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox, receiver: Receiver
    ) -> None:
        hooks, url = receiver
        await client.create_offramp(offramp_request("dc-6", callback_url=f"{url}/hook"))
        conforming(await cancel(api, "dc-6"))
        await sandbox.deposit("dc-6", **{"from": TRON_SENDER})
        await assert_refunded(api, sandbox, "dc-6", address=TRON_SENDER)
        # direct callbacks are the offramp itself, unsigned (read here as JSON: the bot only
        # takes them as a hint to ask the API, kotani.webhooks.parse_hint)
        bodies = [json.loads(r.body) for r in hooks.received]
        assert [(b["referenceId"], b["status"]) for b in bodies] == [("dc-6", "CANCELLED"), ("dc-6", "REVERSED")]
        assert bodies[-1]["refundStatus"] == RefundStatus.SUCCESSFUL.value


# --- Lightning: the refund follows the invoice rules of spec §7 ------------------------------


def _lightning(reference: str, url: str | None, refund_config: RefundConfig | None = None) -> Any:
    return offramp_request(reference, chain="LIGHTNING", token="MSAT", amount="1500000", sender=None,
                           callback_url=f"{url}/hook" if url else None, refund_config=refund_config)  # fmt: skip


async def test_a_lightning_payment_after_a_cancel_asks_for_an_invoice_then_is_refunded(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await client.create_offramp(_lightning("dc-ln-1", url))
    conforming(await cancel(api, "dc-ln-1"))
    await sandbox.deposit("dc-ln-1")
    owed = await refund_status(api, "dc-ln-1")
    assert (owed["refundStatus"], owed["refundAmount"], owed["refundAmountSats"]) == ("PENDING", 1500000, 1500)
    await advance_clock(sandbox, 300)
    assert (await refund_status(api, "dc-ln-1"))["refundStatus"] == "INVOICE_NEEDED"
    await advance_clock(sandbox, 3600)  # it waits for the invoice, and asks only once
    needed = [e for e in events(hooks) if e.event == "refund.lightning.invoice_needed"]
    assert len(needed) == 1 and needed[0].refund_amount == 1500000 and needed[0].refund_amount_sats == 1500
    await client.submit_refund_invoice("dc-ln-1", _invoice(1_500_000, created=sandbox.clock.now()))
    await advance_clock(sandbox, 30)
    done = await refund_status(api, "dc-ln-1")
    assert (done["status"], done["refundStatus"]) == ("REVERSED", "SUCCESSFUL")
    assert_refund_completed(hooks, done["refundTransactionHash"], amount=Decimal(1500))  # sats for Lightning
    assert (await offramp(api, "dc-ln-1"))["status"] == "REVERSED"


async def test_a_lightning_payment_after_expiry_is_refunded_to_the_invoice_given_up_front(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    config = RefundConfig(
        bolt11=_invoice(1_500_000, expiry=4 * 3600),
        amount_msat=1_500_000,
        expires_at=datetime.fromtimestamp(FROZEN_AT, UTC) + timedelta(hours=4),
    )
    await client.create_offramp(_lightning("dc-ln-2", url, config))
    await advance_clock(sandbox, 3601)
    await sandbox.deposit("dc-ln-2")
    assert (await refund_status(api, "dc-ln-2"))["refundStatus"] == "PENDING"
    await advance_clock(sandbox, 330)
    assert (await offramp(api, "dc-ln-2"))["status"] == "REVERSED"
    assert [e.event for e in events(hooks)] == [UPDATED, UPDATED, "refund.completed", UPDATED]


# --- races: whichever of deposit and cancel comes first, no crypto is lost --------------------


async def test_deposit_and_cancel_racing_never_lose_the_crypto(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox
) -> None:
    references = [f"race-{i}" for i in range(8)]
    outcomes: dict[str, int] = {}
    for index, reference in enumerate(references):
        await client.create_offramp(offramp_request(reference))
        deposit = sandbox.control.post(f"/sandbox/offramps/{reference}/deposit", json={})
        calls = [deposit, cancel(api, reference)]
        if index % 2:
            calls.reverse()
        answers = await asyncio.gather(*calls)
        assert all(a.status_code == 200 for a in answers if a.request.url.path.startswith("/sandbox/"))
        [cancelled] = [a for a in answers if "/cancel/" in a.request.url.path]
        outcomes[reference] = cancelled.status_code
    # both orders, one after the other, for certain
    await client.create_offramp(offramp_request("race-d"))
    await sandbox.deposit("race-d")
    outcomes["race-d"] = (await cancel(api, "race-d")).status_code
    await client.create_offramp(offramp_request("race-c"))
    outcomes["race-c"] = (await cancel(api, "race-c")).status_code
    await sandbox.deposit("race-c")
    await advance_clock(sandbox, 400)
    for reference, cancel_status in outcomes.items():
        final = await offramp(api, reference)
        refund = await refund_status(api, reference)
        if cancel_status == 400:  # the deposit was seen first: paid out
            assert (final["status"], refund["refundStatus"]) == ("SUCCESSFUL", "NOT_REQUIRED"), reference
        else:  # the cancel came first: the late crypto went back
            assert cancel_status == 200
            assert (final["status"], refund["refundStatus"]) == ("REVERSED", "SUCCESSFUL"), reference
    assert outcomes["race-d"] == 400 and outcomes["race-c"] == 200


# --- late corrections neither strand nor double the crypto ----------------------------------


async def test_a_correction_to_expired_while_the_deposit_confirms_refunds_it(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox
) -> None:
    await client.create_offramp(offramp_request("dc-7"))
    await sandbox.deposit("dc-7", **{"from": TRON_SENDER})
    corrected = await sandbox.control.post("/sandbox/offramps/dc-7/correct", json={"status": "EXPIRED"})
    assert corrected.status_code == 200
    assert (await offramp(api, "dc-7"))["status"] == "EXPIRED"
    await assert_refunded(api, sandbox, "dc-7", address=TRON_SENDER)


async def test_no_correction_but_a_payout_stops_a_refund_that_is_owed(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox
) -> None:
    await client.create_offramp(offramp_request("dc-10"))
    conforming(await cancel(api, "dc-10"))
    await sandbox.deposit("dc-10")
    for status, refusal in (("EXPIRED", 409), ("FAILED", 409), ("PENDING", 400)):
        answer = await sandbox.control.post("/sandbox/offramps/dc-10/correct", json={"status": status})
        assert answer.status_code == refusal, status
    assert (await offramp(api, "dc-10"))["status"] == "CANCELLED"
    await assert_refunded(api, sandbox, "dc-10", address=TRON_SENDER)


async def test_a_correction_to_successful_cannot_follow_a_refund(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox
) -> None:
    await client.create_offramp(offramp_request("dc-8"))
    conforming(await cancel(api, "dc-8"))
    await sandbox.deposit("dc-8")
    await assert_refunded(api, sandbox, "dc-8", address=TRON_SENDER)
    refused = await sandbox.control.post("/sandbox/offramps/dc-8/correct", json={"status": "SUCCESSFUL"})
    assert refused.status_code == 409  # the customer has the crypto back; the payout cannot also count
    assert (await offramp(api, "dc-8"))["status"] == "REVERSED"


async def test_a_correction_to_successful_calls_off_a_refund_not_yet_sent(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("dc-9", callback_url=f"{url}/hook"))
    await advance_clock(sandbox, 3601)
    await sandbox.deposit("dc-9")
    assert (await refund_status(api, "dc-9"))["refundStatus"] == "PENDING"
    corrected = await sandbox.control.post("/sandbox/offramps/dc-9/correct", json={"status": "SUCCESSFUL"})
    assert corrected.status_code == 200  # the payout went through late after all: that is where the crypto went
    await advance_clock(sandbox, 3600)
    assert (await offramp(api, "dc-9"))["status"] == "SUCCESSFUL"
    assert (await refund_status(api, "dc-9"))["refundStatus"] == "NOT_REQUIRED"
    assert statuses(hooks) == [(UPDATED, "EXPIRED"), (UPDATED, "SUCCESSFUL")]


async def test_a_correction_while_the_refund_waits_for_an_invoice_url_is_not_undone(
    api: httpx.AsyncClient, client: KotaniClient, sandbox: Sandbox
) -> None:
    """The one ``await`` inside a transition: the sandbox asks ``generate_invoice_url`` (§7).

    A correction that lands meanwhile must win; the refund must not carry on afterwards and
    pay the customer back on top of the payout.
    """
    asked, answer = asyncio.Event(), asyncio.Event()

    async def invoice(request: Request) -> Response:
        asked.set()
        await answer.wait()
        return JSONResponse({"bolt11": _invoice(1_500_000, created=sandbox.clock.now()), "amount_msat": 1_500_000})

    async with LiveServer(Starlette(routes=[Route("/invoice", invoice, methods=["POST"])])) as slow:
        config = RefundConfig(generate_invoice_url=f"{slow.url}/invoice")
        await client.create_offramp(_lightning("dc-ln-3", None, config))
        conforming(await cancel(api, "dc-ln-3"))
        await sandbox.deposit("dc-ln-3")
        refund_starts = asyncio.create_task(advance_clock(sandbox, 300))
        await asyncio.wait_for(asked.wait(), 5)
        corrected = await sandbox.control.post("/sandbox/offramps/dc-ln-3/correct", json={"status": "SUCCESSFUL"})
        assert corrected.status_code == 200
        answer.set()
        await refund_starts
        await advance_clock(sandbox, 600)
    assert (await offramp(api, "dc-ln-3"))["status"] == "SUCCESSFUL"
    assert (await refund_status(api, "dc-ln-3"))["refundStatus"] == "NOT_REQUIRED"
