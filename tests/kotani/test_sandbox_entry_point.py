"""``python -m kotani_sandbox`` as the README tells integrators to run it: it says where it is
and how to talk to it, and the client speaks to it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from decimal import Decimal
from pathlib import Path

import httpx

from kotani import KotaniClient, KotaniConfig

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_sandbox_runs_alone_and_answers_the_client(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "sandbox.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as sink:  # a file, not a pipe: an unread pipe would block the process
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kotani_sandbox", "--port", str(port), "--api-key", "entry_point_key",
            cwd=ROOT, env=env, stdout=sink, stderr=sink,
        )  # fmt: skip
    try:
        async with httpx.AsyncClient() as http, asyncio.timeout(20):
            while True:
                try:
                    if (await http.get(f"{url}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        async with KotaniClient(KotaniConfig(base_url=url, api_key="entry_point_key")) as kotani:
            quote = await kotani.quote_offramp("USDT", "KES", Decimal(10))
        assert quote.fiat_amount > 0
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 10)
    printed = log.read_text()
    assert f"KOTANI_BASE_URL={url}" in printed
    assert "KOTANI_API_KEY=entry_point_key" in printed
