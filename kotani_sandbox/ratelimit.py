"""Per key, per endpoint sliding-window limits (spec §2.3)."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, limits: dict[str, tuple[tuple[int, float], ...]], clock: Callable[[], float]) -> None:
        self.limits = limits
        self._clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def check(self, key: str, endpoint: str, endpoint_class: str) -> float | None:
        """Record a hit; return seconds to wait if it is over a limit (the hit is not kept)."""
        now = self._clock()
        windows = self.limits.get(endpoint_class, ())
        hits = self._hits[(key, endpoint)]
        longest = max((window for _, window in windows), default=0.0)
        while hits and hits[0] <= now - longest:
            hits.popleft()
        for limit, window in windows:
            recent = [hit for hit in hits if hit > now - window]
            if len(recent) >= limit:
                return max(1.0, math.ceil(recent[0] + window - now))
        hits.append(now)
        return None
