"""A lean HTTP/1.1 load generator: keep-alive connections on asyncio streams.

httpx spends about a millisecond of CPU per request, which on a 2-core machine would make the
benchmark measure its own client; this writes the request bytes and reads the status line and
``Content-Length`` body, nothing more.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence


async def post_all(
    host: str, port: int, path: str, requests: Sequence[tuple[bytes, dict[str, str]]], *, connections: int = 64
) -> tuple[list[float], list[int]]:
    """POST every ``(body, headers)``; returns each answer's latency (s) and status, in order."""
    latencies = [0.0] * len(requests)
    statuses = [0] * len(requests)
    cursor = iter(range(len(requests)))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for index in cursor:
                body, headers = requests[index]
                head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
                request = (
                    f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n{head}\r\n"
                ).encode() + body
                started = time.monotonic()
                writer.write(request)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies[index] = time.monotonic() - started
                statuses[index] = int(status_line.split()[1])
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return latencies, statuses
