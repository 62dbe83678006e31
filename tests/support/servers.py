"""Real HTTP servers on loopback for tests: uvicorn on a free port, in the test's event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp


class LiveServer:
    def __init__(self, app: ASGIApp) -> None:
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def __aenter__(self) -> LiveServer:
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(500):
            if self._server.started:
                break
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        else:
            raise RuntimeError("server did not start")
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Records what Kotani (the sandbox) POSTs to it; answers with ``status`` (tests flip it)."""

    received: list[ReceivedRequest] = field(default_factory=list)
    status: int = 200
    invoice_answer: dict[str, Any] | None = None

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.received.append(ReceivedRequest(request.url.path, dict(request.headers), await request.body()))
            return Response(b"ok" if self.status < 300 else b"no", status_code=self.status)

        async def invoice(request: Request) -> Response:
            self.received.append(ReceivedRequest(request.url.path, dict(request.headers), await request.body()))
            if self.invoice_answer is None:
                return JSONResponse({"error": "no invoice"}, status_code=500)
            return JSONResponse(self.invoice_answer)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"]), Route("/invoice", invoice, methods=["POST"])])
