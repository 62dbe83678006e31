"""Ask Kotani's API about one offramp and record its answer.

The reconciler's rounds and an unsigned Kotani callback (a hint, ``kotani.webhooks.WebhookHint``)
both come here, so what is recorded is always what Kotani's API says, authenticated by our API
key, and never what an unsigned body claims.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.observations import from_offramp, from_refund
from bot.services import Services
from kotani import errors
from kotani.models import Offramp
from storage.models import OfframpRecord

#: Stored statuses in which Kotani's refund-status endpoint says more than the offramp does.
REFUND_STATES = ("FAILED", "REFUND_PENDING", "REFUND_FAILED")

T = TypeVar("T")


@dataclass(frozen=True)
class Refreshed:
    """``changed``: how many observations moved the offramp; ``current``: Kotani's answer, or
    ``None`` when Kotani does not know an offramp whose create never reached it."""

    changed: int
    current: Offramp | None


async def refresh_offramp(svc: Services, offramp: OfframpRecord, *, source: str) -> Refreshed:
    """Fetch the offramp (and its refund state when a refund is under way) and record both.

    Raises :class:`kotani.errors.KotaniError` when Kotani cannot answer; what was recorded
    before that stays recorded (each observation stands on its own).
    """
    try:
        current = await svc.kotani.get_offramp(offramp.reference_id)
    except errors.NotFound:
        if offramp.status == "NEW":
            return Refreshed(0, None)  # the create never reached Kotani; the user's next Confirm retries it
        raise
    result = await svc.storage.offramps.record_observation(from_offramp(current, source=source))
    changed = int(result.changed)
    if current.status.value in REFUND_STATES or offramp.status in REFUND_STATES:
        refund = await svc.kotani.get_refund_status(offramp.reference_id)
        changed += int((await svc.storage.offramps.record_observation(from_refund(refund, source=source))).changed)
    await svc.storage.offramps.mark_polled(offramp.reference_id)
    return Refreshed(changed, current)


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
