"""Without a webhook secret an unsigned callback is a hint, not the truth (issue 12, item 8).

The bot runs without ``KOTANI_WEBHOOK_SECRET`` against the sandbox in direct-callback mode.
Anyone who knows a reference can POST to ``/kotani/webhook``; whatever the body claims, the
bot only asks Kotani's API (authenticated by the API key) and records Kotani's answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web import create_web_app
from kotani.client import KotaniClient, KotaniConfig
from kotani.jsonjs import js_dumps
from tests.conftest import API_KEY, Sandbox
from tests.e2e.flows import full_cashout
from tests.e2e.harness import TELEGRAM_SECRET, Harness, bot_world
from tests.support.proxy import Fault, FaultyProxy
from tests.support.servers import LiveServer

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def direct_live(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Harness]:
    await sandbox.configure(webhook_secret=None)
    async with bot_world(sandbox, tmp_path, live=True, webhook_secret=None) as harness:
        yield harness


def texts(harness: Harness, user_id: int) -> list[str]:
    return [m.text or "" for m in harness.telegram.chat(user_id)]


async def test_a_posted_success_claim_changes_nothing_and_a_hint_lands_kotanis_real_status(
    direct_live: Harness,
) -> None:
    live = direct_live
    reference = await full_cashout(live.user(8201))
    own: dict[str, Any] = dict((await live.services.kotani.get_offramp(reference)).raw)
    assert own["status"] == "PENDING"  # nothing deposited
    claims = [
        {**own, "status": "SUCCESSFUL", "onchainStatus": "SUCCESSFUL", "fiatTransactionAmount": 999999},
        {"event": "refund.completed", "data": {"referenceId": reference, "status": "REVERSED", "refundStatus": "SUCCESSFUL"}},
        {"event": "transaction.offramp.status.updated", "data": {**own, "status": "SUCCESS"}, "signature": "sha256=0"},
    ]  # fmt: skip
    async with httpx.AsyncClient(base_url=live.web_url) as http:
        for claim in claims:
            response = await http.post("/kotani/webhook", content=js_dumps(claim), headers=JSON)
            assert response.status_code == 200 and response.json() == {"ok": True, "fetched": True, "changed": False}
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "PENDING"
    events = await live.services.storage.offramps.events(reference)
    assert {e.status for e in events} == {"PENDING"}  # what Kotani said, never what the bodies said
    await live.drain()
    assert not any("Delivered" in t or "Refunded" in t for t in texts(live, 8201))

    # Kotani really pays out, but its own callbacks are lost; the next hint, whatever it
    # claims, makes Kotani's real outcome (and amount) land
    await live.sandbox.configure(deliver_webhooks=False)
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    lie = {**own, "status": "FAILED", "transactionError": "Recipient mobile number is not registered"}
    async with httpx.AsyncClient(base_url=live.web_url) as http:
        response = await http.post("/kotani/webhook", content=js_dumps(lie), headers=JSON)
    assert response.status_code == 200 and response.json()["changed"] is True
    [delivered] = await live.notified(8201, "Delivered!")
    assert "1,269 KES reached M-PESA" in (delivered.text or "")
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "SUCCESSFUL"
    assert not any("not registered" in t or "payout failed" in t for t in texts(live, 8201))


async def test_kotanis_own_direct_callbacks_still_bring_every_outcome(direct_live: Harness) -> None:
    reference = await full_cashout(direct_live.user(8202), phone="0700000011")  # this payout fails
    await direct_live.sandbox.deposit(reference)
    await direct_live.sandbox.run_until_settled(reference)
    await direct_live.notified(8202, "The payout failed")
    await direct_live.notified(8202, "Refunded")
    offramp = await direct_live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "REVERSED"
    assert {e.source for e in await direct_live.services.storage.offramps.events(reference)} <= {
        "create", "callback", "callback.refund"
    }  # fmt: skip


@pytest.fixture
async def proxied_kotani(direct_live: Harness) -> AsyncIterator[FaultyProxy]:
    """The bot's Kotani client goes through a recording proxy that injects faults on demand."""
    proxy = FaultyProxy(direct_live.sandbox.url)
    original = direct_live.services.kotani
    async with LiveServer(proxy.app()) as server, KotaniClient(KotaniConfig(server.url, API_KEY)) as client:
        direct_live.services.kotani = client
        try:
            yield proxy
        finally:
            direct_live.services.kotani = original


async def test_a_hint_for_an_unknown_or_malformed_reference_fetches_nothing(
    direct_live: Harness, proxied_kotani: FaultyProxy
) -> None:
    async with httpx.AsyncClient(base_url=direct_live.web_url) as http:
        unknown = await http.post("/kotani/webhook", content=b'{"referenceId":"tg-0-nobody","status":"SUCCESSFUL"}')
        assert unknown.status_code == 404
        for body in (b'{"referenceId":7}', b'{"status":"SUCCESSFUL"}', b"[]", b'{"referenceId":"a","referenceId":"b"}'):
            assert (await http.post("/kotani/webhook", content=body)).status_code == 400, body
    assert proxied_kotani.requests == []


async def test_when_kotani_cannot_answer_the_hint_gets_503_and_nothing_is_recorded(
    direct_live: Harness, proxied_kotani: FaultyProxy
) -> None:
    reference = await full_cashout(direct_live.user(8203))
    events_before = await direct_live.services.storage.offramps.events(reference)
    hint = js_dumps({"referenceId": reference, "status": "SUCCESSFUL"})
    proxied_kotani.faults.append(Fault("rate_limited", retry_after=120, method="GET"))
    proxied_kotani.faults.append(Fault("status", 503, method="GET"))
    proxied_kotani.faults.extend([Fault("status", 502, method="GET")] * 2)
    async with httpx.AsyncClient(base_url=direct_live.web_url) as http:
        for _ in range(2):  # rate limited; then Kotani's 5xx outlast the client's retries
            response = await http.post("/kotani/webhook", content=hint, headers=JSON)
            assert response.status_code == 503
        assert await direct_live.services.storage.offramps.events(reference) == events_before
        response = await http.post("/kotani/webhook", content=hint, headers=JSON)  # Kotani's retry
        assert response.status_code == 200
    offramp = await direct_live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "PENDING"


class GatedKotani:
    """Forwards to the sandbox, holding each offramp status request until the gate opens."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.gate = asyncio.Event()
        self.status_requests: list[str] = []

    def app(self, client: httpx.AsyncClient) -> Starlette:
        async def forward(request: Request) -> Response:
            path = request.scope["raw_path"].decode()
            if request.method == "GET" and path.startswith("/api/v3/offramp/"):
                self.status_requests.append(path)
                await self.gate.wait()
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
            upstream = await client.request(request.method, path, content=await request.body(), headers=headers)
            return Response(upstream.content, upstream.status_code, media_type="application/json")

        return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST"])])


async def test_a_flood_of_hints_for_one_offramp_is_one_fetch_and_one_follow_up(direct_live: Harness) -> None:
    reference = await full_cashout(direct_live.user(8204))
    gated = GatedKotani(direct_live.sandbox.url)
    original = direct_live.services.kotani
    async with (
        httpx.AsyncClient(base_url=direct_live.sandbox.url) as upstream,
        LiveServer(gated.app(upstream)) as proxy,
        KotaniClient(KotaniConfig(proxy.url, API_KEY)) as kotani,
    ):
        direct_live.services.kotani = kotani
        try:
            web = create_web_app(direct_live.application, direct_live.services, telegram_secret=TELEGRAM_SECRET)
            fetches = web.state.kotani_fetches
            async with LiveServer(web) as server, httpx.AsyncClient(base_url=server.url) as http:
                hint = js_dumps({"referenceId": reference, "status": "SUCCESSFUL"})
                posts = [asyncio.create_task(http.post("/kotani/webhook", content=hint)) for _ in range(40)]
                await direct_live.until(lambda: fetches.callers(reference) == 40, "40 callbacks waiting")
                assert len(gated.status_requests) == 1  # the first fetch, held at the gate
                gated.gate.set()
                responses = await asyncio.gather(*posts)
        finally:
            direct_live.services.kotani = original
    assert [r.status_code for r in responses] == [200] * 40
    # the fetch under way and one follow-up for every callback that came meanwhile
    assert gated.status_requests == [f"/api/v3/offramp/{reference}"] * 2
