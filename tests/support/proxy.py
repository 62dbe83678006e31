"""A real HTTP proxy in front of the sandbox that injects Kotani-side faults on demand.

Used to prove the client's retry and idempotency rules against genuine HTTP failures
(5xx, 429, a 200 with ``success: false``, a response that arrives too late) without
mocking any of our own code.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Fault:
    kind: str  # "status", "rate_limited", "success_false", "late" (forward, then answer too late)
    status: int = 500
    retry_after: int = 1
    delay: float = 1.0
    method: str | None = None
    path_prefix: str = ""


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    response_status: int | None = None
    response_body: bytes = b""

    def status_line(self) -> str:
        return f"{self.method} {self.path} -> {self.response_status}"


@dataclass
class FaultyProxy:
    target: str
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    #: chaos mode: this fraction of requests fails at random (5xx, 429, or an answer too late)
    fault_rate: float = 0.0
    seed: int = 7
    late_delay: float = 1.0

    def __post_init__(self) -> None:
        import random

        self._rng = random.Random(self.seed)

    def _take(self, method: str, path: str) -> Fault | None:
        if self.fault_rate and self._rng.random() < self.fault_rate:
            return self._rng.choice(
                [Fault("status", 503), Fault("rate_limited", retry_after=0), Fault("late", delay=self.late_delay)]
            )
        for index, fault in enumerate(self.faults):
            if (fault.method in (None, method)) and path.startswith(fault.path_prefix):
                return self.faults.pop(index)
        return None

    def app(self) -> Starlette:
        client = httpx.AsyncClient(base_url=self.target)

        async def forward(request: Request) -> Response:
            body = await request.body()
            raw_path = request.scope["raw_path"].decode()
            recorded = RecordedRequest(request.method, raw_path, dict(request.headers), body)
            self.requests.append(recorded)
            fault = self._take(request.method, request.url.path)
            if fault and fault.kind == "status":
                return JSONResponse({"success": False, "message": "Internal server error", "data": {}}, fault.status)
            if fault and fault.kind == "rate_limited":
                return JSONResponse(
                    {"statusCode": 429, "message": "Too many requests.", "error": "Too Many Requests",
                     "data": {"retryAfter": fault.retry_after}},
                    429,
                )  # fmt: skip
            if fault and fault.kind == "success_false":
                return JSONResponse(
                    {"success": False, "message": "Invalid request", "error_code": 400, "data": {}}, 200
                )
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
            query = request.url.query
            upstream = await client.request(
                request.method, raw_path + (f"?{query}" if query else ""), content=body, headers=headers
            )
            recorded.response_status = upstream.status_code
            recorded.response_body = upstream.content
            if fault and fault.kind == "late":
                await asyncio.sleep(fault.delay)
            return Response(upstream.content, upstream.status_code, media_type="application/json")

        return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])])
