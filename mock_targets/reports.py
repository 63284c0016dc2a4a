"""Operation reports: what a mock server tells its subscribers as writes happen.

Both servers (S3 and SFTP) report through the same small type so the TUI's
activity log and the tests can treat them alike. Callbacks run on the server's
own thread: subscribers must be quick and thread-safe (the TUI posts a message).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Operation:
    """One protocol operation a mock server performed.

    ``server`` is ``"s3"`` or ``"sftp"``; ``op`` is one of
    S3: ``put``, ``multipart-create``, ``multipart-part``, ``multipart-complete``,
    ``multipart-abort``, ``delete``, ``create-bucket``;
    SFTP: ``open``, ``write``, ``close``, ``rename``, ``mkdir``, ``remove``.
    ``key`` is the object key (S3, without bucket) or the path relative to the
    SFTP root; ``target`` the rename destination; ``bucket`` the S3 bucket.
    """

    server: str
    op: str
    key: str
    size: int | None = None
    bucket: str | None = None
    target: str | None = None
    status: int | None = None
    at: float = field(default_factory=time.time)


Subscriber = Callable[[Operation], None]


class Reporter:
    """Thread-safe fan-out of :class:`Operation` reports to subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add ``callback``; returns a function that removes it again."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def report(self, operation: Operation) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            with contextlib.suppress(Exception):  # a broken subscriber must not break the server
                callback(operation)
