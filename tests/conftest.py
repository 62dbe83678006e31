"""Shared fixtures: the Kotani sandbox and a webhook receiver, both real HTTP on loopback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kotani.client import KotaniClient, KotaniConfig
from kotani_sandbox import SandboxClock, SandboxConfig, create_app
from kotani_sandbox.app import SandboxApp
from tests.support.servers import LiveServer, WebhookReceiver

API_KEY = "test_api_key_0123456789abcdef"
WEBHOOK_SECRET = "whsec_test_5f2b8c1d9e"
FROZEN_AT = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@dataclass
class Sandbox:
    url: str
    app: SandboxApp
    clock: SandboxClock
    control: httpx.AsyncClient

    @property
    def config(self) -> SandboxConfig:
        return self.app.config

    async def deposit(self, reference: str, **body: Any) -> dict[str, Any]:
        response = await self.control.post(f"/sandbox/offramps/{reference}/deposit", json=body)
        response.raise_for_status()
        return dict(response.json())

    async def advance(self, reference: str) -> dict[str, Any]:
        response = await self.control.post(f"/sandbox/offramps/{reference}/advance")
        response.raise_for_status()
        return dict(response.json())

    async def state(self, reference: str) -> dict[str, Any]:
        response = await self.control.get(f"/sandbox/offramps/{reference}")
        response.raise_for_status()
        return dict(response.json())

    async def webhooks(self) -> list[dict[str, Any]]:
        response = await self.control.get("/sandbox/webhooks")
        response.raise_for_status()
        return list(response.json())

    async def configure(self, **settings: Any) -> None:
        response = await self.control.patch("/sandbox/config", json=settings)
        response.raise_for_status()

    async def run_until_settled(self, reference: str, limit: int = 20) -> list[str]:
        """Run the offramp's scheduled steps one by one until none is left (or ``limit``)."""
        ran: list[str] = []
        for _ in range(limit):
            response = await self.control.post(f"/sandbox/offramps/{reference}/advance")
            if response.status_code == 409:
                return ran
            response.raise_for_status()
            step = response.json()["ran"]
            if step == "expire":
                return ran
            ran.append(step)
        return ran


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(api_keys=(API_KEY,), webhook_secret=WEBHOOK_SECRET, lookup_timeout_delay=0)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    hooks = WebhookReceiver()
    async with LiveServer(hooks.app()) as server:
        yield hooks, server.url


@pytest.fixture
async def sandbox(sandbox_config: SandboxConfig) -> AsyncIterator[Sandbox]:
    clock = SandboxClock(frozen_at=FROZEN_AT)
    app = create_app(sandbox_config, clock, autorun=False)
    async with LiveServer(app) as server:
        sandbox_config.public_base_url = server.url
        async with httpx.AsyncClient(base_url=server.url) as control:
            yield Sandbox(server.url, app.state.sandbox, clock, control)


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[KotaniClient]:
    config = KotaniConfig(base_url=sandbox.url, api_key=API_KEY, api_secret=sandbox.config.api_secret)
    async with KotaniClient(config, clock=sandbox.clock.now, sleep=_no_sleep) as kotani:
        yield kotani


@dataclass
class Proxied:
    proxy: Any  # tests.support.proxy.FaultyProxy
    client: KotaniClient
    sleeps: list[float]


@pytest.fixture
async def proxied(sandbox: Sandbox) -> AsyncIterator[Proxied]:
    """A client talking to the sandbox through a proxy that injects faults."""
    from tests.support.proxy import FaultyProxy

    proxy = FaultyProxy(sandbox.url)
    sleeps: list[float] = []

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with LiveServer(proxy.app()) as server:
        config = KotaniConfig(base_url=server.url, api_key=API_KEY, timeout=0.5, max_attempts=3)
        async with KotaniClient(config, clock=sandbox.clock.now, sleep=record_sleep) as kotani:
            yield Proxied(proxy, kotani, sleeps)


# --- the whole suite's log output is scanned for secrets and personal data ------------------


class _LogTap(logging.Handler):
    """Keeps every log line the suite produces at production verbosity (INFO and above)."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


LOG_TAP = _LogTap()
SUITE_SECRETS = [API_KEY, WEBHOOK_SECRET, "test_api_secret_0123456789abcdef", "123456:TEST-TOKEN",
                 "123456:LOCAL-DEMO-TOKEN", "whsec_sandbox_0123456789", "tg-webhook-secret-for-tests"]  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(LOG_TAP)
    if logging.getLogger().level > logging.INFO or logging.getLogger().level == logging.NOTSET:
        logging.getLogger().setLevel(logging.INFO)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.support.log_scan import find_leaks

    leaks = find_leaks("\n".join(LOG_TAP.lines), SUITE_SECRETS)
    print(f"\nlog scan: {len(LOG_TAP.lines)} log lines checked for secrets and personal numbers, {len(leaks)} found")
    if leaks:
        report = "\n".join(f"  {leak.what}: ...{leak.excerpt}..." for leak in leaks[:20])
        print(f"\nSECURITY: {len(leaks)} secret(s) or personal number(s) reached the logs:\n{report}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
