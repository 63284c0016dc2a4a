"""Retries with exponential backoff and full jitter (FS-6.3).

Only :class:`~feedcore.errors.TransientSinkError` is retried: a refused password
or a host-key mismatch must fail at once, not after a minute of backoff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from feedcore.errors import TransientSinkError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0
    deadline: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def run(
        self,
        fn: Callable[[], T],
        on_retry: Callable[[int, TransientSinkError, float], None] | None = None,
    ) -> T:
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return fn()
            except TransientSinkError as exc:
                attempt += 1
                elapsed = time.monotonic() - started
                if attempt >= self.attempts or elapsed >= self.deadline:
                    raise TransientSinkError(
                        f"{exc} (gave up after {attempt} attempts, {elapsed:.1f}s)"
                    ) from exc
                wait = min(self.delay(attempt), max(0.0, self.deadline - elapsed))
                if on_retry is not None:
                    on_retry(attempt, exc, wait)
                self.sleep(wait)


NO_RETRY = RetryPolicy(attempts=1)
