"""At most one run of a piece of work per key at a time (the unsigned-callback fetches)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """At most one run per key at a time, shared by everyone who asks meanwhile.

    A flood of callbacks about one offramp must not become a flood of API calls (Kotani
    counts reads per key, spec §2.3). But a callback that arrives while a fetch is already
    under way may be about a change that fetch is too early to see, so such callers share one
    follow-up run, started when the current one ends: at most two runs per key, however many
    callers. A caller that goes away (client disconnect) does not cancel the shared run.
    """

    def __init__(self) -> None:
        self._current: dict[str, asyncio.Future[T]] = {}
        self._next: dict[str, asyncio.Future[T]] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # held so a run is not garbage-collected
        self._callers: dict[str, int] = {}

    def callers(self, key: str) -> int:
        """How many callers are waiting for a run for ``key`` (for logs and tests)."""
        return self._callers.get(key, 0)

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        """``work()``'s result, from a run started now or shared with others for ``key``;
        ``work`` must depend on ``key`` alone (a follow-up run uses the first caller's)."""
        if key not in self._current:
            future = self._new_future()
            self._current[key] = future
            task = asyncio.get_running_loop().create_task(self._drive(key, work, future), name="single-flight")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif (queued := self._next.get(key)) is not None:
            future = queued
        else:
            future = self._next[key] = self._new_future()
        self._callers[key] = self._callers.get(key, 0) + 1
        try:
            return await asyncio.shield(future)
        finally:
            self._callers[key] -= 1
            if not self._callers[key]:
                del self._callers[key]

    async def _drive(self, key: str, work: Callable[[], Awaitable[T]], future: asyncio.Future[T]) -> None:
        try:
            while True:
                try:
                    future.set_result(await work())
                except asyncio.CancelledError:  # the loop is shutting down: nobody waits forever
                    future.cancel()
                    if (following := self._next.pop(key, None)) is not None:
                        following.cancel()
                    raise
                except Exception as exc:  # handed to every caller of this run
                    future.set_exception(exc)
                following = self._next.pop(key, None)
                if following is None:
                    return
                self._current[key] = future = following
        finally:
            self._current.pop(key, None)

    @staticmethod
    def _new_future() -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        # every caller may have gone away: an unread exception must not be logged as lost
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        return future
