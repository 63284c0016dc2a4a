"""Retries with exponential backoff and full jitter (FS-6.3).

Only :class:`~feedcore.errors.TransientSinkError` is retried: a refused password
or a host-key mismatch must fail at once, not after a minute of backoff.

The time a delivery step can take is bounded twice: at most ``attempts``
attempts, and no new attempt once ``deadline`` seconds have passed (a wait is
also cut short to end at the deadline). Sinks bound each attempt themselves
(SFTP: a timeout on every request; S3: botocore's connect/read timeouts).

**[decision] Two layers, budgeted together.** The S3 sink keeps botocore's
"standard" retries per HTTP request (``total_max_attempts`` = 3 by default, its
backoff sleeping at most 1 s + 2 s) so one failed part of a multipart upload
is resent alone instead of restarting the whole upload. The writer's policy
retries the whole ``put`` around that. With the defaults below, a target that
fails fast every time costs at most 5 x 3 = 15 requests and about
5 x 3 s (botocore) + 0.4 + 0.8 + 1.6 + 3.2 s (ours) = 21 s of sleeping before
the export gives up, never minutes. Tests inject :meth:`RetryPolicy.immediate`,
which never sleeps.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from feedcore.errors import TransientSinkError

T = TypeVar("T")


def _no_sleep(seconds: float) -> None:
    """The sleep of :meth:`RetryPolicy.immediate`."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0
    deadline: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.deadline < 0:
            raise ValueError("delays and the deadline must not be negative")

    @classmethod
    def immediate(cls, attempts: int = 5) -> RetryPolicy:
        """The same policy without sleeping: for tests (jitter is still drawn and reported)."""
        return cls(attempts=attempts, sleep=_no_sleep)

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def max_total_sleep(self) -> float:
        """The most this policy can sleep in one :meth:`run` (the bound the jitter draws under)."""
        total = sum(
            min(self.max_delay, self.base_delay * float(2**n)) for n in range(1, self.attempts)
        )
        return min(float(total), self.deadline)

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
