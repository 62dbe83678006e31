"""Run as a subprocess by test_crash_safety: write offramps and outbox rows forever, printing
each reference only after its transaction committed, until killed."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

from offramps.notices import notices
from storage import Database, Storage
from storage.models import NewOfframp, Observation


async def main(path: str) -> None:
    store = Storage.on(await Database(path).open(), owed=notices(None))
    await store.users.touch(1, 1)
    index = 0
    while True:
        index += 1
        reference = f"crash-{index}"
        await store.offramps.create(
            NewOfframp(
                reference, 1, 1, "USDT", "TRON", Decimal("10.25"), "KES", fiat_transaction_amount=Decimal("1300")
            )
        )
        result = await store.offramps.record_observation(
            Observation(reference, "webhook", "e", f"e|{reference}|CRYPTO_RECEIVED|", "CRYPTO_RECEIVED", {"i": index})
        )
        print(f"{reference} {result.outbox_ids[0]}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
