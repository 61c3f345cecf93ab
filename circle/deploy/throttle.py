"""Refused sign-ins, counted per typed name across the server's sessions.

After ``limit`` refusals of one name within ``window_s`` seconds, that name is
refused without checking its password until the window has passed. Names that
are no account count the same, so the throttle tells nothing about which exist.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class SignInThrottle:
    """Count refused sign-ins per name in a sliding window (thread-safe, one per server)."""

    def __init__(self, limit: int = 5, window_s: float = 900.0, clock=time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._refused: dict[str, deque[float]] = {}

    def _recent(self, name: str, now: float) -> deque[float]:
        times = self._refused.setdefault(name, deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        if not times:
            self._refused.pop(name, None)
        return times

    def blocked(self, name: str) -> bool:
        """Whether ``name`` has been refused ``limit`` times within the window."""
        with self._lock:
            return len(self._recent(name.strip().lower(), self._clock())) >= self.limit

    def refuse(self, name: str) -> None:
        """Count one refusal of ``name``."""
        key = name.strip().lower()
        with self._lock:
            now = self._clock()
            self._recent(key, now)
            self._refused.setdefault(key, deque()).append(now)

    def forget(self, name: str) -> None:
        """Clear ``name``'s refusals (after it signed in)."""
        with self._lock:
            self._refused.pop(name.strip().lower(), None)
