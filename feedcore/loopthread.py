"""An asyncio event loop running forever on a private daemon thread.

Blocking code that needs asyncio (the SFTP sink over asyncssh) and in-process
servers that must keep answering whatever the caller's own loop is doing (the
mock SFTP server, the TCP proxy) all want the same thing: one loop on one
thread of their own, coroutines submitted to it from any other thread, and a
shutdown that runs a last coroutine on the loop, stops it, joins the thread and
closes the loop. :class:`LoopThread` is that, once.

The thread starts lazily (on the first :meth:`LoopThread.submit`) or explicitly
(:meth:`LoopThread.start`, :meth:`LoopThread.start_with`), and can be started
again after :meth:`LoopThread.stop`. A ``LoopThread`` dropped without ``stop()``
does not leave its thread spinning: a :func:`weakref.finalize` stops the loop
when the object is collected (the thread itself holds only the loop, never the
``LoopThread``); at interpreter exit daemon threads are simply abandoned.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """The thread's body: run until stopped, then close (unless the stopper already did)."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.close()


def _stop_soon(loop: asyncio.AbstractEventLoop) -> None:
    """Ask ``loop`` to stop from any thread; a loop already closed needs nothing."""
    if not loop.is_closed():
        with contextlib.suppress(RuntimeError):  # closed between the check and the call
            loop.call_soon_threadsafe(loop.stop)


class LoopThread:
    """One event loop on one daemon thread named ``name``, for blocking callers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._stopping = False

    def __repr__(self) -> str:
        return f"LoopThread({self.name!r}, {'running' if self.running else 'stopped'})"

    @property
    def running(self) -> bool:
        """True from :meth:`start` until :meth:`stop` has finished."""
        return self._thread is not None

    def in_loop_thread(self) -> bool:
        """True when called from this object's loop thread (where blocking would deadlock)."""
        thread = self._thread
        return thread is not None and threading.current_thread() is thread

    def start(self) -> asyncio.AbstractEventLoop:
        """Start the thread unless it runs; returns the loop (idempotent, thread-safe)."""
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=_serve, args=(loop,), name=self.name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
                # Dropped without stop(): the collector stops the loop, ending the thread.
                # Not at interpreter exit: daemon threads are abandoned then, and a loop
                # stopped that late only has its pending tasks complain during teardown.
                self._finalizer = weakref.finalize(self, _stop_soon, loop)
                self._finalizer.atexit = False
            return self._loop

    def start_with(
        self,
        setup: Callable[[], Coroutine[Any, Any, T]],
        *,
        timeout: float | None = None,
        stop_timeout: float = 5.0,
    ) -> T:
        """Start the thread and run ``setup()`` on its loop (e.g. bind a listening socket).

        Returns what ``setup()`` returns. If it raises or times out, the thread
        is stopped again (joined for up to ``stop_timeout`` seconds) and the
        error propagates to the caller, so a failed start leaves nothing running.
        """
        if self.running:
            raise RuntimeError(f"{self.name}: start_with() needs a stopped loop thread")
        future = self.submit(setup())
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            self.stop(stop_timeout)
            raise

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        """Schedule ``coro`` on the loop (starting the thread if needed); never blocks."""
        return asyncio.run_coroutine_threadsafe(coro, self.start())

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (at most ``timeout`` seconds).

        A timeout raises :class:`TimeoutError` and leaves ``coro`` running. From
        the loop thread itself this would deadlock, so it raises RuntimeError.
        """
        if self.in_loop_thread():
            coro.close()
            raise RuntimeError(f"{self.name}: run() would block its own loop thread")
        return self.submit(coro).result(timeout)

    def stop(
        self,
        timeout: float = 5.0,
        *,
        shutdown: Callable[[], Awaitable[object]] | None = None,
        shutdown_timeout: float | None = None,
    ) -> bool:
        """Run ``shutdown()`` on the loop, stop the loop, join the thread, close the loop.

        Returns False (and does nothing) when not running or already stopping.
        The thread is joined for up to ``timeout`` seconds; the loop is closed
        once the thread has ended. An error or timeout of ``shutdown()``
        (``shutdown_timeout`` seconds) propagates, after the loop is stopped.

        Called from the loop thread itself (a callback stopping its own server)
        it cannot wait: it schedules ``shutdown()`` and then the stop, and
        returns at once; the thread closes its loop when it ends.
        """
        with self._lock:
            loop, thread, finalizer = self._loop, self._thread, self._finalizer
            if loop is None or thread is None or self._stopping:
                return False
            self._stopping = True
        if finalizer is not None:
            finalizer.detach()
        if threading.current_thread() is thread:
            self._stop_from_inside(loop, shutdown, shutdown_timeout)
            self._forget()
            return True
        try:
            if shutdown is not None:
                asyncio.run_coroutine_threadsafe(_awaited(shutdown), loop).result(shutdown_timeout)
        finally:
            _stop_soon(loop)
            thread.join(timeout)
            if not thread.is_alive():
                loop.close()
            self._forget()
        return True

    def _forget(self) -> None:
        with self._lock:
            self._loop = self._thread = self._finalizer = None
            self._stopping = False

    @staticmethod
    def _stop_from_inside(
        loop: asyncio.AbstractEventLoop,
        shutdown: Callable[[], Awaitable[object]] | None,
        shutdown_timeout: float | None,
    ) -> None:
        if shutdown is None:
            loop.stop()
            return

        async def shut_then_stop() -> None:
            try:
                with contextlib.suppress(Exception):  # nobody is left to hear about it
                    await asyncio.wait_for(_awaited(shutdown), shutdown_timeout)
            finally:
                loop.stop()

        loop.create_task(shut_then_stop())


async def _awaited(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()
