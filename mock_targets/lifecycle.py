"""What every mock server shares: ``with server:`` starts it and stops it again."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["Startable"]


class Startable:
    """A server with ``start()`` (idempotent, returns the server) and ``stop()``.

    Leaving the ``with`` block calls :meth:`_leave`: :meth:`stop`, unless a
    server has more to release (the SFTP mock also deletes its temporary folders).
    """

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def _leave(self) -> None:
        self.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._leave()
