from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import Sandbox
from tests.e2e.harness import Harness, bot_world


@pytest.fixture
async def bot(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Harness]:
    async with bot_world(sandbox, tmp_path) as harness:
        yield harness


@pytest.fixture
async def live(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot with its web server, outbox sender and reconciler, receiving Kotani's webhooks."""
    async with bot_world(sandbox, tmp_path, live=True) as harness:
        yield harness
