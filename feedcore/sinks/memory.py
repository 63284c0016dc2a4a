"""An in-memory sink: the test double for the writer (like httpx's MockTransport)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from feedcore.errors import AlreadyExistsError, SinkError
from feedcore.sinks.base import Listeners, ObjectInfo, Payload, SinkListener

#: A hook a test can set to fail chosen operations: called as (action, key).
FaultHook = Callable[[str, str], None]


class MemorySink:
    """Stores objects in a dict; ``fault`` lets tests inject failures per call."""

    label = "memory://"

    def __init__(
        self, listeners: list[SinkListener] | None = None, fault: FaultHook | None = None
    ) -> None:
        self.objects: dict[str, bytes] = {}
        self.fault = fault
        self._lock = threading.Lock()
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

    def read(self, key: str) -> bytes:
        with self._lock:
            try:
                return self.objects[key]
            except KeyError:
                raise SinkError(f"{key} does not exist") from None

    def close(self) -> None:
        pass
