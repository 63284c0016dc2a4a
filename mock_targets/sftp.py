"""An in-process SFTP server for feedlab: a real asyncssh server on 127.0.0.1.

It runs on its own thread with its own event loop so it keeps answering whatever
the caller does with its own loop (pytest's, Textual's, a blocking CLI): a client
that blocks the caller's loop while it talks to us must not deadlock.

Safety is the point of a mock that writes to the developer's disk: the login is
confined to :attr:`MockSFTPServer.root`. Every client path is normalised
lexically (``..`` may not climb above the root, NUL is refused), absolute paths
are virtual (``/x`` is ``root/x``, as on any chrooted server, so they can never
name a host path), and a path whose real location, after symlinks, lies outside
the root is refused, so a symlink planted in the root cannot be used to write
elsewhere. Links cannot be created through SFTP at all. Like a server whose
account is not root, it refuses setuid, setgid and sticky bits (on create,
mkdir and every setstat), giving a file to another owner, and any change to
the login root itself (its mode, times, removal or renaming): "permission
denied", as OpenSSH answers.

Authentication is password or public key for the one user; "none" and every
other trivial method is refused (FS-6.5 verifies the server; this verifies the
client). Every write is reported through a :class:`~mock_targets.reports.Reporter`
as it happens (a file opened only to be read is not reported), and every
request passes a fault-injection seam
(:class:`SFTPFaults`) so failure modes can be added without touching the protocol
code.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import stat
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import asyncssh

from feedcore.loopthread import LoopThread
from mock_targets.access import SFTPAccess
from mock_targets.lifecycle import Startable
from mock_targets.reports import Operation, Reporter, Subscriber

__all__ = [
    "FeedSFTPServer",
    "MockSFTPServer",
    "SFTPFaults",
    "SFTPRequest",
    "known_hosts_entry",
]

_SERVER = "sftp"
#: Open flags (v3) and access bits (v5/v6) of a handle that may write: only those
#: are reported, as the S3 mock reports only writes (reads are not news).
_WRITE_PFLAGS = asyncssh.FXF_WRITE | asyncssh.FXF_APPEND | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC
_WRITE_ACCESS = asyncssh.ACE4_WRITE_DATA | asyncssh.ACE4_APPEND_DATA
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0
#: Flow control sized for bulk uploads. In tests client and server share one
#: Python process (and its GIL), so per-SSH-packet overhead limits throughput: a
#: 256 KiB SFTP write fits one channel packet instead of eight. The window grows
#: with the packet (asyncssh's 2 MiB default with large packets sometimes stalls a
#: pipelined client). The server's CPU per OpenSSH ``sftp put`` was measured the
#: same with these settings as with asyncssh's defaults, so comparisons stay fair.
_CHANNEL_WINDOW = 8 * 1024 * 1024
_CHANNEL_MAX_PACKET = 260 * 1024


@dataclass(frozen=True)
class SFTPRequest:
    """A request about to be performed, as a fault hook sees it.

    ``key`` is relative to the root (``""`` for the root itself); ``size`` is the
    byte count of a write; ``target`` the destination of a rename.
    """

    op: str
    key: str
    offset: int | None = None
    size: int | None = None
    target: str | None = None


class SFTPFaults(Protocol):
    """Fault-injection seam, called before each reported operation is performed.

    A hook may raise an :class:`asyncssh.SFTPError` to fail just that request,
    await to stall it, or call ``session.connection.abort()`` to drop the
    connection mid-transfer; returning lets the request proceed. It runs on the
    server's loop, so it must not block.
    """

    def before(self, request: SFTPRequest, session: FeedSFTPServer) -> Awaitable[None] | None: ...


def _decode(path: bytes) -> str:
    return os.fsdecode(path)


#: Mode bits no client may set: setuid, setgid, sticky.
_SPECIAL_BITS = stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX


def _refuse_special_bits(attrs: asyncssh.SFTPAttrs) -> None:
    if attrs.permissions is not None and attrs.permissions & _SPECIAL_BITS:
        raise asyncssh.SFTPPermissionDenied(
            "setuid, setgid and sticky bits are not allowed on this server"
        )


def _refuse_new_owner(attrs: asyncssh.SFTPAttrs, current: os.stat_result) -> None:
    """A server that does not run as root cannot give a file away; nor may the mock."""
    for wanted, have in ((attrs.uid, current.st_uid), (attrs.gid, current.st_gid)):
        if wanted is not None and wanted != have:
            raise asyncssh.SFTPPermissionDenied("changing a file's owner is not allowed")
    if attrs.owner is not None or attrs.group is not None:
        raise asyncssh.SFTPPermissionDenied("changing a file's owner is not allowed")


class FeedSFTPServer(asyncssh.SFTPServer):
    """One SFTP session, chrooted to the mock's root, reporting as it goes."""

    def __init__(
        self,
        chan: Any,
        *,
        root: bytes,
        reporter: Reporter,
        faults: SFTPFaults | None = None,
    ) -> None:
        super().__init__(chan, chroot=root)
        # asyncssh resolves the chroot with realpath; compare against the same form.
        self._root = os.path.realpath(root)
        self._reporter = reporter
        self._faults = faults
        self._open_keys: dict[object, str] = {}
        self._reading: set[object] = set()

    # -- confinement -------------------------------------------------------

    def map_path(self, path: bytes) -> bytes:
        """Refuse, rather than clamp, anything that would leave the root.

        asyncssh's default clamps ``/..`` to ``/``; refusing makes an escape
        attempt visible to the client and to tests instead of silently writing
        somewhere the client did not ask for.
        """
        if b"\0" in path:
            raise asyncssh.SFTPInvalidFilename("NUL byte in path")
        parts: list[bytes] = []
        for part in path.split(b"/"):
            if part in (b"", b"."):
                continue
            if part == b"..":
                if not parts:
                    raise asyncssh.SFTPPermissionDenied("path escapes the login root")
                parts.pop()
            else:
                parts.append(part)
        local = os.path.join(self._root, *parts) if parts else self._root
        real = os.path.realpath(local)
        if real != self._root and not real.startswith(self._root + b"/"):
            raise asyncssh.SFTPPermissionDenied("path resolves outside the login root")
        return local

    def _key(self, path: bytes) -> str:
        local = self.map_path(path)
        if local == self._root:
            return ""
        return _decode(os.path.relpath(local, self._root))

    async def scandir(self, path: bytes) -> AsyncIterator[asyncssh.SFTPName]:
        """List without asyncssh's ``..`` probe, which our map_path refuses at the root."""
        local = self.map_path(path)
        yield asyncssh.SFTPName(b".", attrs=asyncssh.SFTPAttrs.from_local(os.lstat(local)))
        parent = local if local == self._root else os.path.dirname(local)
        yield asyncssh.SFTPName(b"..", attrs=asyncssh.SFTPAttrs.from_local(os.lstat(parent)))
        with os.scandir(local) as entries:
            for entry in entries:
                attrs = asyncssh.SFTPAttrs.from_local(entry.stat(follow_symlinks=False))
                yield asyncssh.SFTPName(os.fsencode(entry.name), attrs=attrs)

    def _refuse_root(self, path: bytes, what: str, *, follow: bool = False) -> bytes:
        """The local path, unless it is the login root (``follow``: after symlinks)."""
        local = self.map_path(path)
        if (os.path.realpath(local) if follow else local) == self._root:
            raise asyncssh.SFTPPermissionDenied(f"the login root cannot be {what}")
        return local

    # -- attributes: no special bits, no new owner, never the root ------------

    def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        local = self._refuse_root(path, "changed", follow=True)
        _refuse_special_bits(attrs)
        _refuse_new_owner(attrs, os.stat(local))
        super().setstat(path, attrs)

    def lsetstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        local = self._refuse_root(path, "changed")
        _refuse_special_bits(attrs)
        _refuse_new_owner(attrs, os.lstat(local))
        super().lsetstat(path, attrs)

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        _refuse_special_bits(attrs)
        fileno = getattr(file_obj, "fileno", None)
        if callable(fileno):
            _refuse_new_owner(attrs, os.fstat(fileno()))
        super().fsetstat(file_obj, attrs)

    def readlink(self, path: bytes) -> bytes:
        # map_path has already proven the link resolves inside the root.
        real = os.path.realpath(self.map_path(path))
        return bytes(self.reverse_map_path(real))

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied("links are not allowed on this server")

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied("links are not allowed on this server")

    # -- the seam ----------------------------------------------------------

    async def before_op(self, request: SFTPRequest) -> None:
        """Every reported operation passes here first (fault injection)."""
        if self._faults is not None:
            result = self._faults.before(request, self)
            if result is not None:
                await result

    def _report(
        self, op: str, key: str, size: int | None = None, target: str | None = None
    ) -> None:
        self._reporter.report(Operation(_SERVER, op, key, size=size, target=target))

    async def write_block(self, file_obj: object, offset: int, data: bytes) -> int:
        """The single path every written byte takes (fault injection hooks in here)."""
        key = self._open_keys.get(file_obj, "")
        await self.before_op(SFTPRequest("write", key, offset=offset, size=len(data)))
        written = super().write(file_obj, offset, data)
        if isinstance(written, Awaitable):
            written = await written
        self._report("write", key, size=len(data))
        return int(written)

    # -- reported operations -----------------------------------------------

    def _opened(self, file_obj: object, key: str, writing: bool) -> None:
        """Remember the key of a handle; only a handle opened for writing is reported."""
        self._open_keys[file_obj] = key
        if writing:
            self._report("open", key)
        else:
            self._reading.add(file_obj)

    async def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        key = self._key(path)
        _refuse_special_bits(attrs)
        await self.before_op(SFTPRequest("open", key))
        file_obj = super().open(path, pflags, attrs)
        self._opened(file_obj, key, bool(pflags & _WRITE_PFLAGS))
        return file_obj

    async def open56(
        self, path: bytes, desired_access: int, flags: int, attrs: asyncssh.SFTPAttrs
    ) -> object:
        key = self._key(path)
        _refuse_special_bits(attrs)
        await self.before_op(SFTPRequest("open", key))
        file_obj = super().open56(path, desired_access, flags, attrs)
        self._opened(file_obj, key, bool(desired_access & _WRITE_ACCESS))
        return file_obj

    async def write(self, file_obj: object, offset: int, data: bytes) -> int:
        return await self.write_block(file_obj, offset, data)

    async def close(self, file_obj: object) -> None:
        key = self._open_keys.pop(file_obj, "")
        size: int | None = None
        fileno = getattr(file_obj, "fileno", None)
        if callable(fileno):
            with contextlib.suppress(OSError, ValueError):
                size = os.fstat(fileno()).st_size
        await self.before_op(SFTPRequest("close", key, size=size))
        super().close(file_obj)
        if file_obj in self._reading:
            self._reading.discard(file_obj)
        else:
            self._report("close", key, size=size)

    async def rename(self, oldpath: bytes, newpath: bytes) -> None:
        self._refuse_root(oldpath, "renamed")
        key, target = self._key(oldpath), self._key(newpath)
        await self.before_op(SFTPRequest("rename", key, target=target))
        super().rename(oldpath, newpath)
        self._report("rename", key, target=target)

    async def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        self._refuse_root(oldpath, "renamed")
        key, target = self._key(oldpath), self._key(newpath)
        await self.before_op(SFTPRequest("rename", key, target=target))
        super().posix_rename(oldpath, newpath)
        self._report("rename", key, target=target)

    async def mkdir(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        key = self._key(path)
        _refuse_special_bits(attrs)
        await self.before_op(SFTPRequest("mkdir", key))
        super().mkdir(path, attrs)
        self._report("mkdir", key)

    async def remove(self, path: bytes) -> None:
        self._refuse_root(path, "removed")
        key = self._key(path)
        await self.before_op(SFTPRequest("remove", key))
        super().remove(path)
        self._report("remove", key)

    async def rmdir(self, path: bytes) -> None:
        self._refuse_root(path, "removed")
        key = self._key(path)
        await self.before_op(SFTPRequest("remove", key))
        super().rmdir(path)
        self._report("remove", key)


class _AuthGate(asyncssh.SSHServer):
    """Password or key for the one user; never a login without credentials."""

    def __init__(self, owner: MockSFTPServer) -> None:
        self._owner = owner
        self._conn: Any = None

    def connection_made(self, conn: Any) -> None:
        self._conn = conn
        self._owner._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._owner._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        # True = "authentication required". Returning False would be trivial auth.
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        user_ok = secrets.compare_digest(username.encode(), self._owner.username.encode())
        pass_ok = secrets.compare_digest(password.encode(), self._owner.password.encode())
        return user_ok and pass_ok

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        user_ok = secrets.compare_digest(username.encode(), self._owner.username.encode())
        return user_ok and bool(key.public_data == self._owner._client_public.public_data)

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False


def known_hosts_entry(host: str, port: int, key: asyncssh.SSHKey) -> str:
    """OpenSSH known_hosts syntax: ``[host]:port`` except for the default port 22."""
    pattern = host if port == 22 else f"[{host}]:{port}"
    public = key.convert_to_public()
    b64 = bytes(public.export_public_key("openssh")).split()[1].decode("ascii")
    return f"{pattern} {public.get_algorithm()} {b64}"


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 from the start (no window where it is readable)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


class MockSFTPServer(Startable, SFTPAccess):
    """A real SFTP server on 127.0.0.1 for tests, the TUI and ``feedlab serve``.

    Credentials are generated per instance (a password from :mod:`secrets`, an
    ed25519 host key and an authorised ed25519 client key) and published as files
    an outside client can use directly (:attr:`known_hosts_file`,
    :attr:`private_key_file`). ``stop()`` keeps keys, root and port so the same
    instance can be started again (e.g. to simulate a server restart).
    """

    def __init__(
        self,
        root: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "feedlab",
        workdir: Path | None = None,
        *,
        faults: SFTPFaults | None = None,
    ) -> None:
        self._temps: list[tempfile.TemporaryDirectory[str]] = []
        self.host = host
        self.username = username
        self.password = secrets.token_urlsafe(24)
        self.faults = faults
        self.root = (root if root is not None else self._tempdir("feedlab-sftp-root-")).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir if workdir is not None else self._tempdir("feedlab-sftp-keys-")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.reporter = Reporter()

        self.host_key: asyncssh.SSHKey = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519", comment="feedlab-mock-client")
        self._client_public: asyncssh.SSHKey = client_key.convert_to_public()
        self.private_key_file = self.workdir / "client_ed25519"
        _write_private(self.private_key_file, bytes(client_key.export_private_key("openssh")))
        pub = bytes(self._client_public.export_public_key("openssh"))
        (self.workdir / "client_ed25519.pub").write_bytes(pub)
        self.known_hosts_file = self.workdir / "known_hosts"

        self._requested_port = port
        self._port: int | None = None
        self._lock = threading.Lock()
        self._loop_thread = LoopThread("feedlab-mock-sftp")
        self._acceptor: Any = None
        self._connections: set[Any] = set()

    def _tempdir(self, prefix: str) -> Path:
        tmp = tempfile.TemporaryDirectory(prefix=prefix)
        self._temps.append(tmp)
        return Path(tmp.name)

    def __repr__(self) -> str:
        state = f"port={self._port}" if self._port is not None else "stopped"
        return (
            f"MockSFTPServer(host={self.host!r}, {state}, user={self.username!r}, "
            f"root={str(self.root)!r})"
        )

    # -- published facts ---------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("MockSFTPServer is not started: call start() first")
        return self._port

    @property
    def running(self) -> bool:
        return self._loop_thread.running

    @property
    def known_hosts_line(self) -> str:
        """The OpenSSH known_hosts entry for this server (no trailing newline)."""
        return known_hosts_entry(self.host, self.port, self.host_key)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Receive every reported :class:`Operation` (on the server's thread)."""
        return self.reporter.subscribe(callback)

    def reset(self) -> None:
        """Empty the root (the root itself stays, so published paths stay valid)."""
        for entry in list(self.root.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> MockSFTPServer:
        """Serve on a private thread; returns once connections are accepted.

        A restarted server listens on the port it had before; when listening
        fails (the port is taken), the error is raised here and nothing runs.
        """
        with self._lock:
            if self._loop_thread.running:
                return self
            port = self._port if self._port is not None else self._requested_port
            self._acceptor = self._loop_thread.start_with(
                lambda: self._listen(port), timeout=_START_TIMEOUT, stop_timeout=_STOP_TIMEOUT
            )
            self._port = int(self._acceptor.get_port())
            self.known_hosts_file.write_text(self.known_hosts_line + "\n", encoding="ascii")
            return self

    def _make_session(self, chan: Any) -> FeedSFTPServer:
        return FeedSFTPServer(
            chan, root=os.fsencode(self.root), reporter=self.reporter, faults=self.faults
        )

    async def _listen(self, port: int) -> Any:
        return await asyncssh.listen(
            self.host,
            port,
            server_factory=lambda: _AuthGate(self),
            server_host_keys=[self.host_key],
            sftp_factory=self._make_session,
            allow_scp=False,
            gss_host=None,
            kbdint_auth=False,
            host_based_auth=False,
            x509_trusted_certs=None,
            agent_forwarding=False,
            allow_pty=False,
            window=_CHANNEL_WINDOW,
            max_pktsize=_CHANNEL_MAX_PACKET,
        )

    async def _shutdown(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
        for conn in list(self._connections):
            conn.abort()
        waits = [conn.wait_closed() for conn in list(self._connections)]
        if self._acceptor is not None:
            waits.append(self._acceptor.wait_closed())
        if waits:
            await asyncio.wait_for(
                asyncio.gather(*waits, return_exceptions=True), timeout=_STOP_TIMEOUT
            )
        current = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def stop(self) -> None:
        """Stop serving and drop open connections (keys, root and port are kept)."""
        with self._lock:
            if not self._loop_thread.running:
                return
            try:
                self._loop_thread.stop(
                    _STOP_TIMEOUT, shutdown=self._shutdown, shutdown_timeout=_STOP_TIMEOUT * 2
                )
            except TimeoutError:
                pass
            finally:
                self._acceptor = None
                self._connections.clear()

    def cleanup(self) -> None:
        """Stop and delete the temporary folders this instance created."""
        self.stop()
        for tmp in self._temps:
            tmp.cleanup()
        self._temps.clear()

    def _leave(self) -> None:
        self.cleanup()
