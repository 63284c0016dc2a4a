"""A small TCP proxy on 127.0.0.1 that can reset connections mid-transfer (fault injection).

Put it between a client and a mock server (``S3Sink(endpoint_url=proxy.endpoint_url)``)
and :meth:`TCPProxy.cut_after` makes it reset the next ``times`` connections
once ``after_bytes`` bytes have gone upstream on them, e.g. in the middle of a
multipart part. The reset is a real TCP RST (``SO_LINGER`` 0), which clients
see as "connection reset by peer", exactly as with a flaky load balancer.

Written here rather than taken from PyPI: no pure-Python TCP proxy there is
well kept, and this one needs only asyncio. It is bounded on purpose: it
listens on 127.0.0.1 only, accepts at most ``max_connections`` at once
(refusing the rest), and relays through fixed-size reads with back-pressure,
so its memory use does not grow with a transfer.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading

from feedcore.loopthread import LoopThread
from mock_targets.lifecycle import Startable

__all__ = ["TCPProxy"]

_CHUNK = 64 * 1024
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN: the peer sees 'connection reset'."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Connection:
    def __init__(self, number: int) -> None:
        self.number = number
        self.up = 0
        self.down = 0
        self.cut = False


class TCPProxy(Startable):
    """Relay 127.0.0.1:``port`` to ``upstream_host:upstream_port``, counting bytes."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        port: int = 0,
        max_connections: int = 64,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.max_connections = max_connections
        self._requested_port = port
        self._port: int | None = None
        self._lock = threading.Lock()
        self._loop_thread = LoopThread("feedlab-tcp-proxy")
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._active = 0
        # Counters (read from any thread; written on the proxy's loop under the lock).
        self.connections = 0
        self.refused = 0
        self.bytes_up = 0
        self.bytes_down = 0
        self.cuts = 0
        self._cut_after: int | None = None
        self._cut_times = 0

    # -- faults --------------------------------------------------------------

    def cut_after(self, after_bytes: int, *, times: int = 1) -> None:
        """Reset the next ``times`` connections once ``after_bytes`` went upstream on each."""
        if after_bytes < 0 or times < 0:
            raise ValueError("after_bytes and times must be >= 0")
        with self._lock:
            self._cut_after = after_bytes
            self._cut_times = times

    def heal(self) -> None:
        """Stop cutting connections."""
        with self._lock:
            self._cut_after = None
            self._cut_times = 0

    def _should_cut(self, conn: _Connection, incoming: int) -> int | None:
        """Bytes of this chunk to forward before a cut, or None to forward it all."""
        with self._lock:
            limit = self._cut_after
            if limit is None or self._cut_times <= 0 or conn.up + incoming <= limit:
                return None
            self._cut_times -= 1
            self.cuts += 1
            return max(0, limit - conn.up)

    # -- lifecycle -------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("TCPProxy is not started")
        return self._port

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TCPProxy:
        with self._lock:
            if self._loop_thread.running:
                return self
            self._server = self._loop_thread.start_with(
                self._listen, timeout=_START_TIMEOUT, stop_timeout=_STOP_TIMEOUT
            )
            sock = self._server.sockets[0]
            self._port = int(sock.getsockname()[1])
        return self

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(
            self._handle, "127.0.0.1", self._requested_port, limit=_CHUNK
        )

    def stop(self) -> None:
        # Not under self._lock: the relays being cancelled take it on their way out.
        with contextlib.suppress(Exception):
            self._loop_thread.stop(
                _STOP_TIMEOUT, shutdown=self._shutdown, shutdown_timeout=_STOP_TIMEOUT
            )

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def __repr__(self) -> str:
        where = f"127.0.0.1:{self._port}" if self._port is not None else "stopped"
        return (
            f"TCPProxy({where} -> {self.upstream_host}:{self.upstream_port}, "
            f"connections={self.connections}, cuts={self.cuts})"
        )

    # -- relaying ----------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        with self._lock:
            if self._active >= self.max_connections:
                self.refused += 1
                task = None
            else:
                self._active += 1
                self.connections += 1
                number = self.connections
        if task is None:
            _reset(writer)
            return
        self._tasks.add(task)
        try:
            await self._relay(_Connection(number), reader, writer)
        except asyncio.CancelledError:
            pass  # stop(): the connection was closed by _relay's cleanup
        finally:
            self._tasks.discard(task)
            with self._lock:
                self._active -= 1

    async def _relay(
        self, conn: _Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port, limit=_CHUNK
            )
        except OSError:
            _reset(writer)
            return
        upstream = asyncio.ensure_future(self._pump(conn, reader, up_writer, writer, True))
        downstream = asyncio.ensure_future(self._pump(conn, up_reader, writer, up_writer, False))
        try:
            await asyncio.wait({upstream, downstream}, return_when=asyncio.FIRST_COMPLETED)
            # One side finished: give the other a moment to flush, then close both.
            await asyncio.wait({upstream, downstream}, timeout=_STOP_TIMEOUT)
        finally:
            for task in (upstream, downstream):
                task.cancel()
            await asyncio.gather(upstream, downstream, return_exceptions=True)
            for w in (writer, up_writer):
                if conn.cut:
                    _reset(w)
                else:
                    w.close()

    async def _pump(
        self,
        conn: _Connection,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        other: asyncio.StreamWriter,
        is_upstream: bool,
    ) -> None:
        try:
            while not conn.cut:
                data = await source.read(_CHUNK)
                if not data:
                    if sink.can_write_eof():
                        with contextlib.suppress(OSError):
                            sink.write_eof()
                    return
                if is_upstream:
                    keep = self._should_cut(conn, len(data))
                    if keep is not None:
                        if keep:
                            sink.write(data[:keep])
                            with contextlib.suppress(OSError):
                                await sink.drain()
                        conn.up += keep
                        with self._lock:
                            self.bytes_up += keep
                        conn.cut = True
                        _reset(sink)
                        _reset(other)
                        return
                    conn.up += len(data)
                    with self._lock:
                        self.bytes_up += len(data)
                else:
                    conn.down += len(data)
                    with self._lock:
                        self.bytes_down += len(data)
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            return
