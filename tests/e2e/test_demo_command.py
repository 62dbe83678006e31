"""The README's first command, as a new user runs it: ``python -m bot demo`` in a terminal,
cashing out from /start to the deposit instructions by typing button numbers and text."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


async def test_the_terminal_demo_cashes_out(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo",
        cwd=tmp_path, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": ""},
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    seen = ""

    async def until(pattern: str, limit: float = 30) -> None:
        nonlocal seen
        async with asyncio.timeout(limit):
            while pattern not in seen:
                chunk = await process.stdout.read(4096)  # type: ignore[union-attr]
                assert chunk, f"the demo exited before showing {pattern!r}:\n{seen[-2000:]}"
                seen += ANSI.sub("", chunk.decode())

    async def type_(line: str) -> None:
        process.stdin.write(line.encode() + b"\n")  # type: ignore[union-attr]
        await process.stdin.drain()  # type: ignore[union-attr]

    try:
        await until("[1] 💸 Cash out")
        for line, expect in [
            ("1", "Where should the money go"), ("1", "Which crypto"), ("1", "How much USDT"), ("10", "Your quote"),
            ("1", "Who gets the money"), ("1", "Share my number"), ("c", "registered to J*** M*** D**"),
            ("1", "Which wallet will you send from"), ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "Please check and confirm"),
            ("1", "Scan to send 10 USDT"),
        ]:  # fmt: skip
            await type_(line)
            await until(expect)
        assert "Send exactly 10 USDT on Tron" in seen
        assert "█" in seen.split("Scan to send")[1]  # the QR code, drawn
        await until("Delivered!", limit=60)  # the sandbox "receives" the crypto; Kotani's webhooks reach the chat
        assert "We received your 10 USDT" in seen
        process.stdin.close()
        async with asyncio.timeout(20):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert "Traceback" not in seen
