"""Deposit QR codes drawn in a worker process.

segno's encoder is pure Python and takes ~7 ms for a deposit QR code (it scores all eight
masks); on the event loop that stalled every other person's reply once per cash-out, which
showed in the tail latency under load (docs/benchmarks.md). One worker process draws them on
another core. It is started on first use (or by :func:`warm_up` at start-up) and ends with
the bot; if the bot is killed (SIGKILL gives it no chance to stop the worker), the worker
notices its parent is gone within a second and exits.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from offramps.rules.qr import qr_png

logger = logging.getLogger("bot.qr")
_pool: ProcessPoolExecutor | None = None


def _workers() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # spawn, not fork: the bot has threads (the database's) that a fork would copy mid-flight
        _pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
    return _pool


def _exit_with_parent(parent: int) -> None:
    """In the worker: leave as soon as the bot that started us is gone (else it lingers)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


async def qr_png_elsewhere(payload: str) -> bytes:
    """The PNG of ``payload``'s QR code, drawn off the event loop; drawn here after all when no
    worker can run (a host without process support, or a worker that died: the next call
    starts a new one), because a deposit must never go without its QR code."""
    global _pool
    try:
        return await asyncio.get_running_loop().run_in_executor(_workers(), qr_png, payload)
    except (OSError, BrokenProcessPool) as exc:
        logger.warning("QR worker unavailable (%s); drawing the QR code in the bot process", type(exc).__name__)
        _pool = None
        return qr_png(payload)


async def warm_up() -> None:
    """Start the worker now, so the first cash-out does not wait for it."""
    await qr_png_elsewhere("warm-up")


def shut_down() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
