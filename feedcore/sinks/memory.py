"""An in-memory sink: the test double for the writer (like httpx's MockTransport)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from feedcore.errors import AlreadyExistsError, SinkError
from feedcore.sinks.base import (
    ClosingSink,
    Listeners,
    ObjectInfo,
    Payload,
    SinkListener,
    check_limit,
)

#: A hook a test can set to fail chosen operations: called as (action, key).
FaultHook = Callable[[str, str], None]

#: One lock for every memory sink: sinks opened on one MemoryTarget share their dict.
_LOCK = threading.Lock()


class MemorySink(ClosingSink):
    """Stores objects in a dict; ``fault`` lets tests inject failures per call.

    ``objects`` is the dict to store into (shared by every sink on one
    :class:`~feedcore.targets.MemoryTarget`); by default a new, private one.
    """

    label = "memory://"

    def __init__(
        self,
        listeners: list[SinkListener] | None = None,
        fault: FaultHook | None = None,
        *,
        objects: dict[str, bytes] | None = None,
    ) -> None:
        self.objects: dict[str, bytes] = {} if objects is None else objects
        self.fault = fault
        self._lock = _LOCK
        self.listeners = Listeners(list(listeners or []))

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None:
        if self.fault is not None:
            self.fault("put", key)
        data = payload.read_all()
        with self._lock:
            existing = self.objects.get(key)
            if exclusive and existing is not None:
                if existing == data:
                    self.listeners.emit("skip-existing", key, size=len(data))
                    return
                raise AlreadyExistsError(f"{key} already exists with other content (write-once)")
            self.objects[key] = data
        self.listeners.emit("put", key, size=len(data))

    def exists(self, key: str) -> bool:
        with self._lock:
            return key in self.objects

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        with self._lock:
            items = sorted(self.objects.items())
        for key, data in items:
            if key.startswith(prefix):
                yield ObjectInfo(key, len(data))

    def read(self, key: str, limit: int | None = None) -> bytes:
        check_limit(limit)
        with self._lock:
            try:
                data = self.objects[key]
            except KeyError:
                raise SinkError(f"{key} does not exist") from None
        return data if limit is None else data[:limit]

    def close(self) -> None:
        pass
