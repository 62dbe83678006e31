"""Hostile or broken deliveries change nothing; Telegram trouble delays but never loses or
repeats a notification; the Lightning refund conversation; direct callbacks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from kotani.jsonjs import js_stringify
from kotani.signing import webhook_signature
from kotani_sandbox.lightning import make_invoice
from tests.conftest import WEBHOOK_SECRET, Sandbox
from tests.e2e.flows import failing_lightning_cashout, full_cashout
from tests.e2e.harness import TELEGRAM_SECRET, Harness, bot_world


def signed_body(event: str, data: dict[str, object], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    signature = webhook_signature(secret, {"event": event, "data": data})
    unsigned = js_stringify({"event": event, "data": data})
    return (unsigned[:-1] + f',"signature":"{signature}"}}').encode(), {
        "X-Kotani-Signature": signature, "X-Kotani-Event": event, "Content-Type": "application/json",
    }  # fmt: skip


async def test_forged_malformed_and_unknown_webhooks_are_refused_and_change_nothing(live: Harness) -> None:
    user = live.user(8001)
    reference = await full_cashout(user)
    success = {"referenceId": reference, "status": "SUCCESSFUL", "onchainStatus": "SUCCESSFUL"}
    async with httpx.AsyncClient(base_url=live.web_url) as http:
        forged, headers = signed_body("transaction.offramp.status.updated", success, secret="whsec_attacker")
        assert (await http.post("/kotani/webhook", content=forged, headers=headers)).status_code == 401
        unsigned = json.dumps({"event": "transaction.offramp.status.updated", "data": success}).encode()
        response = await http.post("/kotani/webhook", content=unsigned)
        assert response.status_code == 401 and response.json() == {"error": "missing_signature"}
        bad_json = await http.post("/kotani/webhook", content=b"{oops", headers=headers)
        assert bad_json.status_code == 400 and bad_json.json() == {"error": "malformed_json"}
        unknown, headers = signed_body("transaction.offramp.status.updated", {**success, "referenceId": "tg-0-nobody"})
        assert (await http.post("/kotani/webhook", content=unknown, headers=headers)).status_code == 404
        update = live.telegram.user_message(8001, "/start")
        wrong = await http.post("/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        assert wrong.status_code == 403
        missing = await http.post("/telegram", json=update)
        assert missing.status_code == 403
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "PENDING"
    assert [e.source for e in await live.services.storage.offramps.events(reference)] == ["create"]
    assert await live.services.storage.outbox.pending_count() == 0
    assert not any("Delivered" in (m.text or "") for m in user.chat)


async def test_telegram_updates_arrive_through_the_webhook_route(live: Harness) -> None:
    async with httpx.AsyncClient(base_url=live.web_url) as http:
        update = live.telegram.user_message(8002, "/start")
        response = await http.post(
            "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        )
        assert response.status_code == 200
        health = await http.get("/healthz")
    assert health.status_code == 200 and health.json()["database"] == "up"
    [welcome] = await live.notified(8002, "Welcome")
    assert welcome.chat_id == 8002


async def test_telegram_429_and_5xx_delay_but_never_lose_or_repeat(live: Harness) -> None:
    user = live.user(8003)
    reference = await full_cashout(user)
    live.telegram.fail_next.extend([(502, 0), (429, 1), (502, 0), (502, 0), (429, 1)])
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    await live.notified(8003, "Delivered!")
    await live.drain()
    texts = [m.text or "" for m in user.chat]
    for marker in ("We received your", "Payout in progress"):  # dropped if a later one came first (#14)
        assert sum(marker in t for t in texts) <= 1, marker
    assert sum("Delivered!" in t for t in texts) == 1
    assert live.telegram.fail_next == []


async def test_a_user_who_blocked_the_bot_is_marked_and_not_retried_forever(live: Harness) -> None:
    user = live.user(8004)
    reference = await full_cashout(user)
    sent_before = sum(1 for method, _ in live.telegram.calls if method == "sendMessage")
    live.telegram.blocked_chats.add(8004)
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    await live.drain()
    blocked = await live.services.storage.users.get(8004)
    assert blocked is not None and blocked.blocked_bot
    messages = await live.services.storage.outbox.for_reference(reference)
    assert messages and all(m.dead_at is not None for m in messages)
    assert any("blocked" in (m.last_error or "") for m in messages)
    assert all(any(why in (m.last_error or "") for why in ("blocked", "superseded")) for m in messages)
    attempts = sum(1 for method, _ in live.telegram.calls if method == "sendMessage") - sent_before
    assert attempts == 1  # the first refusal stops every later notification to that chat


async def test_lightning_refund_invoice_conversation(live: Harness) -> None:
    user = live.user(8005)
    await failing_lightning_cashout(user)
    [offramp] = await live.services.storage.offramps.for_user(8005)
    reference = offramp.reference_id
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    [needed] = await live.notified(8005, "Lightning refunds need an invoice")
    assert "exactly 1,500 sats" in (needed.text or "")
    await user.press("Send refund invoice")
    assert "exactly 1,500 sats" in user.last_text
    now = int(live.sandbox.clock.now())
    for bad, says in [
        ("not an invoice", "not a Lightning invoice"),
        (
            make_invoice(1_400_000, network="bc", created_at=now, expiry=3600, description="r"),
            "must be for exactly 1,500 sats",
        ),
        (make_invoice(1_500_000, network="bc", created_at=now - 7200, expiry=600, description="r"), "has expired"),
        (
            make_invoice(1_500_000, network="tb", created_at=now, expiry=3600, description="r"),
            "another Bitcoin network (testnet)",
        ),
    ]:
        await user.send(bad)
        assert says in user.last_text, bad
    good = make_invoice(1_500_000, network="bc", created_at=now, expiry=3600, description="refund")
    await user.send("LIGHTNING:" + good.upper())
    assert "Invoice accepted" in user.last_text
    await live.sandbox.run_until_settled(reference)
    [refunded] = await live.notified(8005, "Refunded")
    assert "1,500 sats went back to your wallet" in (refunded.text or "")
    await user.press_data(f"r:inv:{reference}", needed)
    assert "not waiting for a refund invoice" in user.last_text


@pytest.fixture
async def direct_live(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Harness]:
    await sandbox.configure(webhook_secret=None)
    async with bot_world(sandbox, tmp_path, live=True, webhook_secret=None) as harness:
        yield harness


async def test_direct_callbacks_without_a_secret(direct_live: Harness) -> None:
    user = direct_live.user(8006)
    reference = await full_cashout(user)
    await direct_live.sandbox.deposit(reference)
    await direct_live.sandbox.run_until_settled(reference)
    [delivered] = await direct_live.notified(8006, "Delivered!")
    assert reference in (delivered.text or "")
    deliveries = await direct_live.sandbox.webhooks()
    assert deliveries and all("X-Kotani-Signature" not in d["headers"] for d in deliveries)
