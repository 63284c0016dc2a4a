"""Both mock servers in a child process, reached as if they were remote.

Why a child process: a server in the app's own process shares its GIL. moto
completing a large multipart upload joins every part in one C call and held
the GIL for a quarter of a second, a frozen screen (``benchmarks/tui_frames.py``);
asyncssh's packet handling competes with the UI the whole time an SFTP export
runs. Real servers are in another process too, so nothing is lost: the app talks
HTTP and SSH to them exactly as before, and their operation reports arrive over
a pipe (:mod:`mock_targets.child` is the other end and documents the protocol).

:class:`ServerProcess` starts the child (its own session, so a Ctrl+C typed in a
pager the app suspended for does not reach it) and hands out
:class:`RemoteS3` and :class:`RemoteSFTP`: the same client-side access as the
in-process servers (:mod:`mock_targets.access`), plus ``reset``. Closing the
child's stdin stops it; so does the parent's death, which closes it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Self

from mock_targets.access import S3Access, SFTPAccess
from mock_targets.lifecycle import Startable
from mock_targets.reports import Operation, Reporter, Subscriber

__all__ = ["RemoteS3", "RemoteSFTP", "ServerProcess", "ServerProcessError"]

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
REPLY_TIMEOUT = 30.0


class ServerProcessError(RuntimeError):
    """The child did not start, died, or refused a command (one line, for the user)."""


@dataclass(frozen=True)
class RemoteS3(S3Access):
    """The child's S3 server, as a client sees it."""

    endpoint: str
    region: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    owner: ServerProcess = field(repr=False, compare=False)

    @property
    def endpoint_url(self) -> str:
        return self.endpoint

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Both servers' reports, as :meth:`ServerProcess.subscribe` (one pipe carries them)."""
        return self.owner.subscribe(callback)

    def reset(self) -> None:
        """Drop every bucket, object and pending multipart upload."""
        self.owner.request("reset", server="s3")


@dataclass(frozen=True)
class RemoteSFTP(SFTPAccess):
    """The child's SFTP server, as a client sees it (its root is a local folder)."""

    host: str
    listen_port: int
    username: str
    password: str = field(repr=False)
    private_key_file: Path
    known_hosts_file: Path
    root: Path
    owner: ServerProcess = field(repr=False, compare=False)

    @property
    def port(self) -> int:
        return self.listen_port

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        return self.owner.subscribe(callback)

    def reset(self) -> None:
        """Empty the root (the root itself stays, so published paths stay valid)."""
        self.owner.request("reset", server="sftp")


class ServerProcess(Startable):
    """A child process running both mock servers; ``with`` starts and stops it."""

    def __init__(self, command: list[str] | None = None) -> None:
        #: The child's command line: by default this Python running :mod:`mock_targets.child`.
        self.command = command or [sys.executable, "-m", "mock_targets.child"]
        self.reporter = Reporter()
        self.s3: RemoteS3 | None = None
        self.sftp: RemoteSFTP | None = None
        self._child: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self._replies: dict[int, tuple[threading.Event, list[str | None]]] = {}
        self._gone: str | None = None

    def __repr__(self) -> str:
        pid = self._child.pid if self._child is not None else None
        return f"ServerProcess(pid={pid}, s3={self.s3!r}, sftp={self.sftp!r})"

    # -- lifecycle -----------------------------------------------------------------

    def launch(self) -> Self:
        """Start the child without waiting for it: its servers start on another core
        while the caller goes on (the app paints its first frame); :meth:`start` waits."""
        if self._child is not None:
            return self
        self._gone = None
        # Kept open for the child's life (closed by stop): its stderr, for error messages.
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        package_root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        try:
            child = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                encoding="utf-8",
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise ServerProcessError(f"cannot start the mock servers: {exc}") from exc
        self._child = child
        return self

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        """Start the child (unless :meth:`launch` did) and wait until both servers
        accept connections."""
        if self._reader is not None:  # started, and not stopped since
            return self
        child = self.launch()._child
        assert child is not None
        first: list[str] = []
        ready = threading.Thread(
            target=lambda: first.append(child.stdout.readline() if child.stdout else ""),
            name="mock-servers-start",
            daemon=True,
        )
        ready.start()
        ready.join(timeout)
        if ready.is_alive() or not first or not first[0]:
            if not ready.is_alive():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(STOP_TIMEOUT)  # its stderr is complete once it has exited
            why = "did not start in time" if ready.is_alive() else "exited at start"
            why += self._stderr_tail()
            self.stop()
            raise ServerProcessError(f"the mock servers {why}")
        try:
            message = json.loads(first[0])
        except ValueError:
            message = {}
        if not isinstance(message, dict) or not isinstance(message.get("ready"), dict):
            self.stop()
            error = message.get("error") if isinstance(message, dict) else None
            raise ServerProcessError(
                f"cannot start the mock servers: {error or first[0].strip()[:200]}"
            )
        try:
            self._attach(message["ready"])
        except (KeyError, TypeError, ValueError) as exc:
            self.stop()
            raise ServerProcessError(f"the mock servers sent unusable details: {exc}") from exc
        self._reader = threading.Thread(target=self._read, name="mock-servers", daemon=True)
        self._reader.start()
        return self

    def _attach(self, info: dict[str, dict[str, Any]]) -> None:
        s3, sftp = info["s3"], info["sftp"]
        self.s3 = RemoteS3(
            s3["endpoint_url"], s3["region"], s3["access_key_id"], s3["secret_access_key"], self
        )
        self.sftp = RemoteSFTP(
            sftp["host"],
            int(sftp["port"]),
            sftp["username"],
            sftp["password"],
            Path(sftp["private_key_file"]),
            Path(sftp["known_hosts_file"]),
            Path(sftp["root"]),
            self,
        )

    def stop(self) -> None:
        """Close the child's stdin (it stops its servers, deletes their folders) and
        wait for it; kill it if it does not go (idempotent)."""
        child, self._child = self._child, None
        # First: a request from now on, or waiting now, is told so, not left to time out.
        self._fail_waiters("the mock servers have stopped")
        if child is not None:
            with contextlib.suppress(OSError):
                if child.stdin is not None:
                    child.stdin.close()
            try:
                child.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            if child.stdout is not None:
                child.stdout.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(STOP_TIMEOUT)
        self._reader = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def running(self) -> bool:
        return self._child is not None and self._child.poll() is None

    # -- reports and commands ----------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Receive both servers' :class:`Operation` reports (on the reader thread)."""
        return self.reporter.subscribe(callback)

    def request(self, cmd: str, **args: Any) -> None:
        """Send a command and wait for the child's reply; its refusal is raised."""
        child = self._child
        if child is None or child.stdin is None or self._gone is not None:
            raise ServerProcessError(self._gone or "the mock servers are not running")
        done = threading.Event()
        answer: list[str | None] = []
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            self._replies[ident] = (done, answer)
            try:
                child.stdin.write(json.dumps({"id": ident, "cmd": cmd, **args}) + "\n")
                child.stdin.flush()
            except (OSError, ValueError) as exc:
                del self._replies[ident]
                raise ServerProcessError(f"the mock servers are gone: {exc}") from exc
        if not done.wait(REPLY_TIMEOUT):
            with self._lock:
                self._replies.pop(ident, None)
            raise ServerProcessError(f"the mock servers did not answer {cmd!r} in time")
        if answer and answer[0] is not None:
            raise ServerProcessError(f"the mock servers refused {cmd!r}: {answer[0]}")

    def _read(self) -> None:
        """The reader thread: reports to subscribers, replies to their waiters."""
        child = self._child
        stream = child.stdout if child is not None else None
        if stream is None:
            return
        with contextlib.suppress(OSError, ValueError):
            for line in stream:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if "op" in message:
                    with contextlib.suppress(TypeError):
                        self.reporter.report(Operation(**message["op"]))
                elif "reply" in message:
                    with self._lock:
                        waiter = self._replies.pop(message["reply"], None)
                    if waiter is not None:
                        waiter[1].append(message.get("error"))
                        waiter[0].set()
        self._fail_waiters(f"the mock servers have exited{self._stderr_tail()}")

    def _fail_waiters(self, why: str) -> None:
        with self._lock:
            self._gone = self._gone or why
            waiters, self._replies = list(self._replies.values()), {}
        for done, answer in waiters:
            answer.append(why)
            done.set()

    def _stderr_tail(self) -> str:
        """The child's last line on stderr, as ``: line`` (why it failed, usually)."""
        stream = self._stderr
        if stream is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            stream.seek(0)
            lines = [line.strip() for line in stream.read().splitlines() if line.strip()]
            if lines:
                return f": {lines[-1][:200]}"
        return ""
