from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from offramps.notices import notices
from storage import Database, Storage
from storage.models import NewOfframp


class ManualClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def store(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Storage]:
    db = await Database(tmp_path / "data" / "bot.sqlite3", clock=clock).open()
    storage = Storage.on(db, owed=notices(None))
    await storage.users.touch(1001, 1001, "en")
    await storage.users.touch(2002, 2002, "sw")
    yield storage
    await storage.close()


def new_offramp(reference: str = "tg-1001-1", *, user: int = 1001, agent: int | None = None) -> NewOfframp:
    return NewOfframp(
        reference_id=reference,
        user_id=user,
        chat_id=user,
        token="USDT",
        chain="TRON",
        crypto_amount=Decimal("10.5"),
        currency="KES",
        agent_id=agent,
        fiat_transaction_amount=Decimal("1333"),
    )
