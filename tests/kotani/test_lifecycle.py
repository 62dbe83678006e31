"""Whole offramp lifecycles in the sandbox, observed through the client and the webhooks our
own verifier accepts (spec §6.2, §6.3, §7, §8)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from kotani import errors
from kotani.client import KotaniClient
from kotani.models import MobileMoneyReceiver, RefundConfig
from kotani.status import OfframpStatus, RefundStatus
from kotani.webhooks import WebhookEvent, parse_hint, parse_webhook
from kotani_sandbox import SandboxConfig
from kotani_sandbox.lightning import make_invoice
from tests.conftest import API_KEY, FROZEN_AT, WEBHOOK_SECRET, Sandbox
from tests.kotani.helpers import mpesa, offramp_request
from tests.support.servers import WebhookReceiver

Receiver = tuple[WebhookReceiver, str]


def events(hooks: WebhookReceiver, secrets: list[str] | None = None) -> list[WebhookEvent]:
    """Every delivery so far, verified and parsed by the bot's own webhook code."""
    return [
        parse_webhook(r.body, r.headers, [WEBHOOK_SECRET] if secrets is None else secrets)
        for r in hooks.received
        if r.path == "/hook"
    ]


def statuses(hooks: WebhookReceiver, secrets: list[str] | None = None) -> list[tuple[str, str]]:
    return [(e.event, e.status.value) for e in events(hooks, secrets)]


async def test_success(client: KotaniClient, sandbox: Sandbox, receiver: Receiver) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("ok-1", callback_url=f"{url}/hook"))
    await sandbox.deposit("ok-1", txHash="0xfeed")
    assert await sandbox.run_until_settled("ok-1") == ["confirm", "payout", "settle"]
    final = await client.get_offramp("ok-1")
    assert final.status is OfframpStatus.SUCCESSFUL
    assert final.transaction_hash == "0xfeed" and final.transaction_hash_amount == Decimal(10)
    assert statuses(hooks) == [
        ("transaction.offramp.status.updated", "CRYPTO_RECEIVED"),
        ("transaction.offramp.status.updated", "IN_PROGRESS"),
        ("transaction.offramp.status.updated", "SUCCESSFUL"),
    ]
    first = hooks.received[0]
    assert first.headers["x-kotani-event"] == "transaction.offramp.status.updated"
    assert first.headers["x-kotani-integrator"] == sandbox.config.integrator_id


async def test_payout_failure_is_refunded_and_balance_reversed(
    client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    before = (await client.get_fiat_wallet("KES", "KE")).balance
    await client.create_offramp(offramp_request("fail-1", receiver=mpesa("+254700000011"), callback_url=f"{url}/hook"))
    await sandbox.deposit("fail-1")
    await sandbox.advance("fail-1")  # confirm
    await sandbox.advance("fail-1")  # payout starts: wallet debited
    assert (await client.get_fiat_wallet("KES", "KE")).balance == before - Decimal(1295)
    await sandbox.advance("fail-1")  # payout fails
    failed = await client.get_offramp("fail-1")
    assert failed.status is OfframpStatus.FAILED and failed.error == "Account not found"
    assert failed.onchain_status == "SUCCESSFUL"
    assert (await client.get_fiat_wallet("KES", "KE")).balance == before  # debit reversed
    await sandbox.run_until_settled("fail-1")
    refund = await client.get_refund_status("fail-1")
    assert refund.status is OfframpStatus.REVERSED and refund.refund_status is RefundStatus.SUCCESSFUL
    assert refund.refund_address == "TQ5NmZ8c1pXv3QnKzY7sW2rT9uJ4hL6bDe" and refund.refund_transaction_hash
    assert [s for _, s in statuses(hooks)][-4:] == ["FAILED", "REFUND_PENDING", "REVERSED", "REVERSED"]
    assert [e.event for e in events(hooks)][-2] == "refund.completed"


async def test_refund_failure_then_retry_refund(client: KotaniClient, sandbox: Sandbox, receiver: Receiver) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("rf-1", receiver=mpesa("+254700000010"), callback_url=f"{url}/hook"))
    await sandbox.control.post("/sandbox/offramps/rf-1/refund-failures", json={"count": 5, "kind": "other"})
    with pytest.raises(errors.RefundNotRetryable):
        await client.retry_refund("rf-1")  # nothing has failed yet
    await sandbox.deposit("rf-1")
    await sandbox.run_until_settled("rf-1")
    info = await client.get_refund_status("rf-1")
    assert info.status is OfframpStatus.REFUND_FAILED and info.retry_count == 5
    refund_failed = [e for e in events(hooks) if e.event == "refund.failed"]
    assert len(refund_failed) == 1 and refund_failed[0].total_retries == 5
    retried = await client.retry_refund("rf-1")
    assert retried.refund_status is RefundStatus.PENDING
    await sandbox.run_until_settled("rf-1")
    assert (await client.get_offramp("rf-1")).status is OfframpStatus.REVERSED


async def test_manual_retries_have_a_budget_and_manual_intervention_is_final(
    client: KotaniClient, sandbox: Sandbox
) -> None:
    await client.create_offramp(offramp_request("rf-2", receiver=mpesa("+254700000012")))
    await sandbox.control.post("/sandbox/offramps/rf-2/refund-failures", json={"count": 100, "kind": "other"})
    await sandbox.deposit("rf-2")
    await sandbox.run_until_settled("rf-2")
    for _ in range(4):  # spec: 4 manual retries for non-gas errors
        await client.retry_refund("rf-2")
        await sandbox.run_until_settled("rf-2")
    with pytest.raises(errors.RefundNotRetryable, match="Cannot retry refund"):
        await client.retry_refund("rf-2")
    await client.create_offramp(offramp_request("rf-3", receiver=mpesa("+254700000012")))
    await sandbox.control.post(
        "/sandbox/offramps/rf-3/refund-failures", json={"count": 100, "kind": "gas", "manualIntervention": True}
    )
    await sandbox.deposit("rf-3")
    assert (await sandbox.run_until_settled("rf-3")).count("refund-attempt") == 10  # gas: 10 automatic tries
    with pytest.raises(errors.RefundNotRetryable):
        await client.retry_refund("rf-3")


def _invoice(amount_msat: int, *, network: str = "bc", created: float = FROZEN_AT, expiry: int = 3600) -> str:
    return make_invoice(amount_msat, network=network, created_at=int(created), expiry=expiry, description="refund")


async def test_lightning_invoice_needed_then_submit(client: KotaniClient, sandbox: Sandbox, receiver: Receiver) -> None:
    hooks, url = receiver
    created = await client.create_offramp(
        offramp_request("ln-1", chain="LIGHTNING", token="MSAT", amount="1500000", sender=None,
                        receiver=mpesa("+254700000013"), callback_url=f"{url}/hook")
    )  # fmt: skip
    assert created.escrow_address and created.escrow_address.startswith("lnbc15u")
    await sandbox.deposit("ln-1")
    await sandbox.run_until_settled("ln-1")
    needed = [e for e in events(hooks) if e.needs_lightning_invoice and e.event == "refund.lightning.invoice_needed"]
    assert len(needed) == 1
    assert needed[0].refund_amount == 1500000 and needed[0].refund_amount_sats == 1500
    assert needed[0].raw["data"]["action"]["submitUrl"].endswith("/api/v3/offramp/submit-refund-invoice/ln-1")
    for bad in (
        _invoice(1_400_000),  # wrong amount
        _invoice(1_500_000, created=FROZEN_AT - 7200, expiry=600),  # expired
        _invoice(1_500_000, network="tb"),  # wrong network
        "lnbc1notaninvoice",
    ):
        with pytest.raises(errors.InvoiceRefused):
            await client.submit_refund_invoice("ln-1", bad)
    accepted = await client.submit_refund_invoice("ln-1", _invoice(1_500_000))
    assert accepted.refund_status is RefundStatus.PROCESSING
    await sandbox.run_until_settled("ln-1")
    assert (await client.get_offramp("ln-1")).status is OfframpStatus.REVERSED
    with pytest.raises(errors.InvoiceRefused):  # no longer waiting for an invoice
        await client.submit_refund_invoice("ln-1", _invoice(1_500_000))
    with pytest.raises(errors.NotFound, match="Offramp transaction not found"):
        await client.submit_refund_invoice("nope", _invoice(1_500_000))


async def test_lightning_refund_uses_the_invoice_given_up_front(client: KotaniClient, sandbox: Sandbox) -> None:
    invoice = _invoice(1_500_000)
    config = RefundConfig(
        bolt11=invoice, amount_msat=1_500_000, expires_at=datetime.fromtimestamp(FROZEN_AT, UTC) + timedelta(hours=1)
    )
    await client.create_offramp(
        offramp_request("ln-2", chain="LIGHTNING", token="MSAT", amount="1500000", sender=None,
                        receiver=mpesa("+254700000011"), refund_config=config)
    )  # fmt: skip
    await sandbox.deposit("ln-2")
    await sandbox.run_until_settled("ln-2")
    assert (await client.get_offramp("ln-2")).status is OfframpStatus.REVERSED


async def test_lightning_refund_asks_generate_invoice_url(
    client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    hooks.invoice_answer = {"bolt11": _invoice(2_000_000), "amount_msat": 2_000_000, "payment_hash": "x"}
    config = RefundConfig(generate_invoice_url=f"{url}/invoice")
    await client.create_offramp(
        offramp_request("ln-3", chain="LIGHTNING", token="MSAT", amount="2000000", sender=None,
                        receiver=mpesa("+254700000011"), refund_config=config)
    )  # fmt: skip
    await sandbox.deposit("ln-3")
    await sandbox.run_until_settled("ln-3")
    asked = [json.loads(r.body) for r in hooks.received if r.path == "/invoice"]
    assert asked == [{"amount_msat": 2000000, "reference_id": "ln-3"}]
    assert (await client.get_offramp("ln-3")).status is OfframpStatus.REVERSED


async def test_cancel_while_pending_and_refused_after_deposit(
    client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("c-1", callback_url=f"{url}/hook"))
    cancelled = await client.cancel_offramp("c-1")
    assert cancelled.status is OfframpStatus.CANCELLED
    assert (await client.cancel_offramp("c-1")).status is OfframpStatus.CANCELLED  # idempotent for us
    assert statuses(hooks) == [("transaction.offramp.status.updated", "CANCELLED")]
    await client.create_offramp(offramp_request("c-2"))
    await sandbox.deposit("c-2")
    await sandbox.advance("c-2")
    with pytest.raises(errors.NotCancellable) as refused:
        await client.cancel_offramp("c-2")
    assert "already on its way" in refused.value.user_message
    with pytest.raises(errors.NotFound):
        await client.cancel_offramp("nope")


async def test_crypto_arriving_after_cancel_is_refunded(client: KotaniClient, sandbox: Sandbox) -> None:
    await client.create_offramp(offramp_request("c-3"))
    await client.cancel_offramp("c-3")
    await sandbox.deposit("c-3", **{"from": "TQ5NmZ8c1pXv3QnKzY7sW2rT9uJ4hL6bDe"})
    await sandbox.run_until_settled("c-3")
    assert (await client.get_refund_status("c-3")).status is OfframpStatus.REVERSED


async def test_unpaid_offramp_expires(client: KotaniClient, sandbox: Sandbox, receiver: Receiver) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("exp-1", callback_url=f"{url}/hook"))
    await sandbox.control.post("/sandbox/clock/advance", json={"seconds": 3599})
    assert (await client.get_offramp("exp-1")).status is OfframpStatus.PENDING
    await sandbox.control.post("/sandbox/clock/advance", json={"seconds": 2})
    assert (await client.get_offramp("exp-1")).status is OfframpStatus.EXPIRED
    assert statuses(hooks) == [("transaction.offramp.status.updated", "EXPIRED")]


async def test_wrong_amount_fails_on_chain_without_refund(client: KotaniClient, sandbox: Sandbox) -> None:
    await client.create_offramp(offramp_request("amt-1"))
    await sandbox.deposit("amt-1", amount="9.5")
    await sandbox.run_until_settled("amt-1")
    final = await client.get_offramp("amt-1")
    assert final.status is OfframpStatus.FAILED and final.onchain_status == "FAILED"
    assert final.error and "Amount mismatch" in final.error


async def test_never_settling_and_slow_numbers(client: KotaniClient, sandbox: Sandbox) -> None:
    await client.create_offramp(offramp_request("slow-0", receiver=mpesa("+254700000020")))
    await sandbox.deposit("slow-0")
    await sandbox.run_until_settled("slow-0")
    assert (await client.get_offramp("slow-0")).status is OfframpStatus.IN_PROGRESS
    uganda = MobileMoneyReceiver("+256700000021", "Jane Doe", "MTN")
    await client.create_offramp(offramp_request("slow-1", receiver=uganda, currency="UGX"))
    await sandbox.deposit("slow-1")
    await sandbox.advance("slow-1")
    await sandbox.advance("slow-1")
    steps = (await sandbox.state("slow-1"))["scheduled"]
    assert steps == [{"step": "settle", "referenceId": "slow-1", "dueAt": "2026-01-01T00:01:00.000Z"}]


async def test_webhooks_are_retried_until_acknowledged(
    client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    hooks.status = 500
    await client.create_offramp(offramp_request("rt-1", callback_url=f"{url}/hook"))
    await client.cancel_offramp("rt-1")
    hooks.status = 200
    await sandbox.control.post("/sandbox/clock/advance", json={"seconds": 30})
    log = await sandbox.webhooks()
    assert log[0]["state"] == "delivered"
    assert [a["status"] for a in log[0]["attempts"]] == [500, 200]


async def test_duplicate_and_reordered_delivery_switches(
    client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await sandbox.configure(duplicate_webhooks=True, hold_webhooks=True)
    await client.create_offramp(offramp_request("dup-w", callback_url=f"{url}/hook"))
    await sandbox.deposit("dup-w")
    await sandbox.run_until_settled("dup-w")
    assert hooks.received == []
    await sandbox.control.post("/sandbox/webhooks/flush", json={"order": "reverse"})
    assert [s for _, s in statuses(hooks)] == [
        "SUCCESSFUL", "SUCCESSFUL", "IN_PROGRESS", "IN_PROGRESS", "CRYPTO_RECEIVED", "CRYPTO_RECEIVED",
    ]  # fmt: skip
    assert len({e.dedupe_key for e in events(hooks)}) == 3


async def test_late_correction_expired_then_successful(
    client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await client.create_offramp(offramp_request("late-1", callback_url=f"{url}/hook"))
    await sandbox.control.post("/sandbox/clock/advance", json={"seconds": 3601})
    await sandbox.control.post("/sandbox/offramps/late-1/correct", json={"status": "SUCCESSFUL"})
    assert [s for _, s in statuses(hooks)] == ["EXPIRED", "SUCCESSFUL"]
    assert (await client.get_offramp("late-1")).status is OfframpStatus.SUCCESSFUL


async def test_dropped_webhooks_are_recorded_but_never_sent(
    client: KotaniClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    hooks, url = receiver
    await sandbox.configure(deliver_webhooks=False)
    await client.create_offramp(offramp_request("drop-1", callback_url=f"{url}/hook"))
    await client.cancel_offramp("drop-1")
    assert hooks.received == []
    assert [d["state"] for d in await sandbox.webhooks()] == ["dropped"]


class TestDirectMode:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(api_keys=(API_KEY,), webhook_secret=None, lookup_timeout_delay=0, status_vocabulary="flow")

    async def test_direct_callbacks_only_on_terminal_states(
        self, client: KotaniClient, sandbox: Sandbox, receiver: Receiver
    ) -> None:
        hooks, url = receiver
        await client.create_offramp(offramp_request("d-1", receiver=mpesa("+254700000011"), callback_url=f"{url}/hook"))
        await sandbox.deposit("d-1")
        await sandbox.run_until_settled("d-1")
        assert all("x-kotani-signature" not in r.headers for r in hooks.received)
        # the bot reads only the reference from an unsigned callback (and asks Kotani the rest)
        assert [parse_hint(r.body).reference_id for r in hooks.received] == ["d-1", "d-1"]
        assert [json.loads(r.body)["status"] for r in hooks.received] == ["FAILED", "REFUNDED"]
        assert (await client.get_offramp("d-1")).raw_status == "REFUNDED"
