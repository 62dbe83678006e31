"""One fetch per offramp however many unsigned callbacks arrive together (bot.single_flight.SingleFlight)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.single_flight import SingleFlight


async def wait_for(condition: object, what: str) -> None:
    for _ in range(10_000):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


async def test_callers_during_a_run_share_one_follow_up_run() -> None:
    flights: SingleFlight[str] = SingleFlight()
    gate = asyncio.Event()
    runs: list[str] = []

    def fetch(key: str) -> Callable[[], Awaitable[str]]:
        async def work() -> str:
            runs.append(key)
            await gate.wait()
            return f"{key} run {runs.count(key)}"

        return work

    first = asyncio.create_task(flights.run("tg-1", fetch("tg-1")))
    await wait_for(lambda: runs == ["tg-1"], "the first run started")
    later = [asyncio.create_task(flights.run("tg-1", fetch("tg-1"))) for _ in range(50)]
    other = asyncio.create_task(flights.run("tg-2", fetch("tg-2")))  # another offramp is not held back
    await wait_for(lambda: flights.callers("tg-1") == 51 and "tg-2" in runs, "every caller waiting")
    assert runs == ["tg-1", "tg-2"]
    gate.set()
    assert await first == "tg-1 run 1"
    assert set(await asyncio.gather(*later)) == {"tg-1 run 2"}  # one follow-up for all fifty
    assert await other == "tg-2 run 1"
    assert runs.count("tg-1") == 2
    assert flights.callers("tg-1") == 0
    assert await flights.run("tg-1", fetch("tg-1")) == "tg-1 run 3"  # nothing in flight: a new run


async def test_a_failure_reaches_every_caller_of_that_run_and_the_next_call_tries_again() -> None:
    flights: SingleFlight[str] = SingleFlight()
    gate = asyncio.Event()
    attempts: list[str] = []

    async def flaky() -> str:
        attempts.append("x")
        await gate.wait()
        if len(attempts) == 1:
            raise ConnectionError("Kotani is down")
        return "ok"

    callers = [asyncio.create_task(flights.run("tg-1", flaky)) for _ in range(3)]
    await wait_for(lambda: flights.callers("tg-1") == 3, "three callers")
    gate.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert isinstance(results[0], ConnectionError)
    assert results[1:] == ["ok", "ok"]  # they came during the failed run and shared the follow-up


async def test_a_caller_that_goes_away_does_not_cancel_the_shared_run() -> None:
    flights: SingleFlight[str] = SingleFlight()
    gate = asyncio.Event()

    async def work() -> str:
        await gate.wait()
        return "done"

    leaving = asyncio.create_task(flights.run("tg-1", work))
    await wait_for(lambda: flights.callers("tg-1") == 1, "the first caller")
    staying = asyncio.create_task(flights.run("tg-1", work))
    await wait_for(lambda: flights.callers("tg-1") == 2, "the second caller")
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    gate.set()
    assert await staying == "done"
