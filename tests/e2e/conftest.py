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
