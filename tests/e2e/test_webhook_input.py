"""Hostile bytes at the bot's two public routes (issue 12, items 2 and 5), over loopback HTTP
against the real web app: a re-shaped genuine Kotani delivery, bodies built to exhaust the
parser or memory, and malformed Telegram updates. Each is refused with a 4xx, changes
nothing, leaves no traceback in the log, and no body is held in memory beyond the limit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bot.web import MAX_BODY, create_web_app
from tests.e2e.flows import full_cashout
from tests.e2e.harness import TELEGRAM_SECRET, Harness
from tests.e2e.test_live_refusals_and_faults import signed_body
from tests.support.servers import LiveServer

STATUS_EVENT = "transaction.offramp.status.updated"
MARKER = b',"signature":"sha256='


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [
            record.getMessage() for record in self.records
            if record.exc_info or record.levelno >= logging.ERROR or "Traceback" in record.getMessage()
        ]  # fmt: skip


@contextlib.contextmanager
def server_log() -> Iterator[_Records]:
    """Everything logged meanwhile, including uvicorn's own "Exception in ASGI application"
    (its logger does not propagate to the root logger that caplog listens on)."""
    handler = _Records()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn.error"), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


async def genuine_delivery(live: Harness, user_id: int) -> tuple[str, bytes, dict[str, str]]:
    """A cash-out whose crypto arrived, and the signed webhook Kotani (the sandbox) sent for it."""
    reference = await full_cashout(live.user(user_id))
    await live.sandbox.deposit(reference)
    await live.sandbox.advance(reference)  # confirmations: CRYPTO_RECEIVED, signed and delivered
    await live.notified(user_id, "We received your 10 USDT")
    [delivery] = [d for d in await live.sandbox.webhooks() if d["referenceId"] == reference]
    assert delivery["responseStatus"] == 200
    headers = {key: value for key, value in delivery["headers"].items() if key.lower() != "content-length"}
    return reference, delivery["body"].encode(), headers


async def test_the_reshaped_signature_attack_of_issue_12_changes_nothing(live: Harness) -> None:
    reference, body, headers = await genuine_delivery(live, 8101)
    keep = body[: body.index(MARKER) + len(MARKER)]
    attack = keep + b'","event":"refund.completed","' + b"k" * 31 + b'":""}'
    assert len(attack) == len(body)
    amounts = body.replace(b'"cryptoAmount":10,', b'"cryptoAmount":10.0000000000000001,')
    assert amounts != body
    events_before = await live.services.storage.offramps.events(reference)
    with server_log() as log:
        async with httpx.AsyncClient(base_url=live.web_url) as http:
            for forged in (attack, amounts):
                response = await http.post("/kotani/webhook", content=forged, headers=headers)
                assert 400 <= response.status_code < 500, response.text
    assert log.tracebacks() == []
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "CRYPTO_RECEIVED"
    assert await live.services.storage.offramps.events(reference) == events_before
    await live.drain()
    assert not any("Refunded" in (m.text or "") for m in live.telegram.chat(8101))
    # Kotani's real outcome still lands afterwards
    await live.sandbox.run_until_settled(reference)
    await live.notified(8101, "Delivered!")
    assert not any("Refunded" in (m.text or "") for m in live.telegram.chat(8101))


def _status_as(value: Any, reference: str) -> tuple[bytes, dict[str, str]]:
    return signed_body(STATUS_EVENT, {"referenceId": reference, "status": value, "onchainStatus": "SUCCESSFUL"})


async def test_malformed_and_oversized_bodies_are_refused_with_4xx_and_no_traceback(live: Harness) -> None:
    reference = await full_cashout(live.user(8102))
    deep = b"[" * 100_000 + b"]" * 100_000
    huge_number = b'{"event":"' + STATUS_EVENT.encode() + b'","data":{"referenceId":"x","n":' + b"7" * 5000 + b"}}"
    any_signature = {"X-Kotani-Signature": "sha256=" + "0" * 64, "Content-Type": "application/json"}
    kotani_bodies: list[tuple[bytes, dict[str, str]]] = [
        (deep, any_signature),
        (b'{"a":' * 30_000 + b"1" + b"}" * 30_000, any_signature),
        (huge_number, any_signature),
        (b'{"event":"x","data":{"n":1e999999}}', any_signature),
        (b"\xff\xfe", any_signature),
        *(_status_as(value, reference) for value in (1, ["SUCCESSFUL"], {"s": "SUCCESSFUL"}, True)),
        signed_body(STATUS_EVENT, {"referenceId": ["x"], "status": "SUCCESSFUL"}),
        signed_body(STATUS_EVENT, {"referenceId": reference, "status": "SUCCESSFUL", "fiatAmount": [1]}),
    ]
    update = live.telegram.user_message(8102, "/start")
    telegram_bodies = [
        b"[]", b'"x"', b"null", b"1", b"{}", b'{"update_id":"1"}', b'{"update_id":true}',
        b'{"update_id":1,"message":"x"}', b'{"update_id":1,"message":[]}',
        b'{"update_id":1,"message":{"message_id":"x","chat":7,"date":"now"}}',
        b'{"update_id":1,"callback_query":{"id":1,"from":"me"}}', deep, huge_number, b"{not json",
        b'{"update_id":1,"update_id":2}', b'{"update_id":' + str(update["update_id"]).encode() + b"}" + b" " * 3 + b"x",
    ]  # fmt: skip
    with server_log() as log:
        async with httpx.AsyncClient(base_url=live.web_url) as http:
            for body, headers in kotani_bodies:
                response = await http.post("/kotani/webhook", content=body, headers=headers)
                assert 400 <= response.status_code < 500, (body[:80], response.status_code)
            for body in telegram_bodies:
                response = await http.post(
                    "/telegram", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
                )
                assert response.status_code == 400, (body[:80], response.status_code)
            # the route still takes real updates
            good = await http.post(
                "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
            )
            assert good.status_code == 200
    assert log.tracebacks() == []
    await live.notified(8102, "Welcome")
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "PENDING"
    assert [e.source for e in await live.services.storage.offramps.events(reference)] == ["create"]


# --- memory: a body is never read past the limit ---------------------------------------------


async def _raw_post(url: str, path: str, headers: dict[str, str], *, megabytes: int, chunked: bool) -> int:
    """POST ``megabytes`` of body over a plain socket and return the status of the answer,
    reading it while still sending (a server that stops reading must still be heard)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    if chunked:
        head.append("Transfer-Encoding: chunked")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    chunk = b"[" * 65536
    size_line = b"%x\r\n" % len(chunk)

    async def send() -> None:
        with contextlib.suppress(ConnectionError):
            for _ in range(megabytes * 16):
                if chunked:
                    writer.write(size_line)
                writer.write(chunk)
                if chunked:
                    writer.write(b"\r\n")
                await writer.drain()
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()

    sender = asyncio.create_task(send())
    try:
        async with asyncio.timeout(60):  # a guard against a hang, not a measurement
            status_line = await reader.readline()
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await sender
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return int(status_line.split()[1])


HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
           "X-Kotani-Signature": "sha256=" + "0" * 64}  # fmt: skip


@pytest.mark.parametrize("route", ["/kotani/webhook", "/telegram"])
async def test_a_declared_huge_body_is_refused_before_it_is_sent(live: Harness, route: str) -> None:
    declared = {**HEADERS, "Content-Length": str(300 * 1024 * 1024)}
    with server_log() as log:
        assert await _raw_post(live.web_url, route, declared, megabytes=0, chunked=False) == 413
    assert log.tracebacks() == []


@pytest.mark.parametrize("route", ["/kotani/webhook", "/telegram"])
async def test_a_streamed_huge_body_is_refused_without_being_held_in_memory(live: Harness, route: str) -> None:
    with server_log() as log:
        tracemalloc.start()
        try:
            for case, extra, chunked in [
                ("no length, chunked", {}, True),
                ("a lying small length", {"Content-Length": "100"}, False),
            ]:
                tracemalloc.reset_peak()
                before = tracemalloc.get_traced_memory()[0]
                status = await _raw_post(live.web_url, route, {**HEADERS, **extra}, megabytes=24, chunked=chunked)
                peak = tracemalloc.get_traced_memory()[1] - before
                assert 400 <= status < 500, case
                # 24 MB went out (or as much as the server would take); at most a few buffers stayed
                assert peak < 16 * MAX_BODY, (case, peak)
        finally:
            tracemalloc.stop()
    assert log.tracebacks() == []
    async with httpx.AsyncClient(base_url=live.web_url) as http:
        assert (await http.get("/healthz")).status_code == 200


@pytest.mark.parametrize("route", ["/kotani/webhook", "/telegram"])
async def test_a_client_that_leaves_mid_body_leaves_no_traceback(live: Harness, route: str) -> None:
    web = create_web_app(live.application, live.services, telegram_secret=TELEGRAM_SECRET)
    served = LiveServer(web)  # first: configuring uvicorn's logging drops handlers added before
    with server_log() as log:
        async with served as server:
            state = server._server.server_state  # the requests uvicorn is still running
            parts = urlsplit(server.url)
            assert parts.hostname is not None and parts.port is not None
            _, writer = await asyncio.open_connection(parts.hostname, parts.port)
            head = f"POST {route} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: 1000\r\n"
            writer.write(f"{head}X-Telegram-Bot-Api-Secret-Token: {TELEGRAM_SECRET}\r\n\r\n".encode() + b'{"update')
            await writer.drain()
            await live.until(lambda: len(state.tasks) == 1, "the request being handled")
            writer.close()
            await live.until(lambda: not state.tasks, "the request handler to finish")
    assert log.tracebacks() == []
