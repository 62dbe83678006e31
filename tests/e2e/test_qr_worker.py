"""Deposit QR codes are drawn in a worker process; a deposit never goes without one."""

from __future__ import annotations

import os
import signal

from bot import qr_worker
from offramps.rules.qr import qr_png
from tests.e2e.harness import decode_qr

PAYLOAD = "tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t?amount=10.5"


async def test_the_worker_draws_the_same_qr_code_and_a_dead_worker_is_replaced() -> None:
    drawn = await qr_worker.qr_png_elsewhere(PAYLOAD)
    assert drawn == qr_png(PAYLOAD) and decode_qr(drawn) == PAYLOAD
    pool = qr_worker._workers()
    for pid in list(pool._processes):  # the worker dies (say, killed for memory)
        os.kill(pid, signal.SIGKILL)
    assert decode_qr(await qr_worker.qr_png_elsewhere(PAYLOAD)) == PAYLOAD  # drawn here meanwhile
    assert decode_qr(await qr_worker.qr_png_elsewhere(PAYLOAD)) == PAYLOAD  # by a new worker
    assert qr_worker._workers() is not pool
