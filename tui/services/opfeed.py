"""Operation reports from the mock servers' threads, batched for the UI thread.

A server calls the feed on its own thread for every operation (an SFTP upload
reports each block). Posting one message per report would flood the UI, so
reports are queued and the UI is woken only when the queue goes from empty to
non-empty; it then drains everything at once and can fold runs of writes.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from mock_targets.reports import Operation


class OperationFeed:
    """Thread-safe queue of :class:`Operation` with a wake-up callback."""

    def __init__(self, wake: Callable[[], object]) -> None:
        self._wake = wake
        self._lock = threading.Lock()
        self._queue: deque[Operation] = deque()
        self._waiting = False

    def __call__(self, operation: Operation) -> None:
        with self._lock:
            self._queue.append(operation)
            if self._waiting:
                return
            self._waiting = True
        self._wake()

    def drain(self) -> list[Operation]:
        with self._lock:
            items = list(self._queue)
            self._queue.clear()
            self._waiting = False
        return items
