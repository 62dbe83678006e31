"""The sandbox's notion of time, injectable so tests move it instead of sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SandboxClock:
    """Real time plus an offset, or a frozen instant plus an offset.

    ``advance`` works in both modes: a demo can skip the deposit window, a test can step
    through a whole refund schedule in microseconds.
    """

    def __init__(self, *, frozen_at: float | None = None) -> None:
        self._frozen_at = frozen_at
        self._offset = 0.0

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> float:
        base = self._frozen_at if self._frozen_at is not None else time.time()
        return base + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset += seconds

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def iso(self, at: float | None = None) -> str:
        moment = datetime.fromtimestamp(self.now() if at is None else at, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
