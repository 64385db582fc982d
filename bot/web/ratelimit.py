"""Per-key request limits for the integration API.

A sliding one-minute window per API key, kept in each process: with N replicas behind a
load balancer a key gets up to N × its limit in the worst case (documented in SECURITY.md).
The window is exact (timestamps of the last minute), so bursts never exceed the limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key_id: int, per_minute: int) -> float | None:
        """None when the request may go on; else the seconds until it may be retried."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key_id, deque())
            while hits and now - hits[0] >= 60.0:
                hits.popleft()
            if len(hits) >= per_minute:
                return max(0.001, 60.0 - (now - hits[0]))
            hits.append(now)
            return None
