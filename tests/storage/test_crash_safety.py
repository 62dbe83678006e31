"""A process killed with SIGKILL loses nothing it had committed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from storage import Storage

ROOT = Path(__file__).resolve().parents[2]


def test_sigkill_mid_stream_keeps_every_committed_row(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.crash_writer", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout is not None
    committed: list[tuple[str, int]] = []
    try:
        while len(committed) < 60:
            line = writer.stdout.readline()
            assert line, "the writer died before it was killed"
            reference, outbox_id = line.split()
            committed.append((reference, int(outbox_id)))
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert writer.returncode == -signal.SIGKILL

    asyncio.run(_all_there(path, committed))


async def _all_there(path: Path, committed: list[tuple[str, int]]) -> None:
    store = await Storage.open(path)
    try:
        for reference, outbox_id in committed:
            offramp = await store.offramps.get(reference)
            assert offramp is not None and offramp.status == "CRYPTO_RECEIVED", reference
            message = await store.outbox.get(outbox_id)
            assert message is not None and message.reference_id == reference and message.kind == "crypto_received"
        assert await store.outbox.pending_count() >= len(committed)
    finally:
        await store.close()
