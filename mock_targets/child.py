"""The child process of :class:`~mock_targets.process.ServerProcess`: both mock servers.

``python -m mock_targets.child`` starts a :class:`~mock_targets.s3.MockS3Server`
and a :class:`~mock_targets.sftp.MockSFTPServer` and speaks JSON lines with its
parent: on stdout first ``{"ready": {...}}`` (where the servers listen and their
throwaway credentials) or ``{"error": "..."}``, then one ``{"op": {...}}`` per
reported operation and one ``{"reply": id}`` per command; on stdin the parent's
commands (``{"id": n, "cmd": "reset", "server": "s3"}``). The end of stdin (the
parent closed it, or died) stops the servers and deletes their folders.

Anything else that writes to stdout (a library's stray print) goes to stderr,
so the protocol stream stays clean; SIGINT is ignored, because the parent's
terminal may send one while the app is suspended for a pager.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import threading
from typing import IO, Any

from mock_targets.reports import Operation
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer


class _Channel:
    """The protocol stream to the parent: whole lines, from any server thread."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, separators=(",", ":")) + "\n"
        with self._lock:
            self._stream.write(line)
            self._stream.flush()

    def report(self, operation: Operation) -> None:
        self.send({"op": dataclasses.asdict(operation)})


def details(s3: MockS3Server, sftp: MockSFTPServer) -> dict[str, dict[str, Any]]:
    """Where the servers listen and how to log in (the mock's own throwaway secrets)."""
    return {
        "s3": {
            "endpoint_url": s3.endpoint_url,
            "access_key_id": s3.access_key_id,
            "secret_access_key": s3.secret_access_key,
            "region": s3.region,
        },
        "sftp": {
            "host": sftp.host,
            "port": sftp.port,
            "username": sftp.username,
            "password": sftp.password,
            "private_key_file": str(sftp.private_key_file),
            "known_hosts_file": str(sftp.known_hosts_file),
            "root": str(sftp.root),
        },
    }


def _serve(channel: _Channel, s3: MockS3Server, sftp: MockSFTPServer) -> None:
    """Answer the parent's commands until its end of stdin closes."""
    for line in sys.stdin:
        try:
            message = json.loads(line)
            ident = message["id"]
        except (ValueError, KeyError, TypeError):
            continue  # not ours: the parent only sends whole commands
        try:
            if message.get("cmd") != "reset":
                raise ValueError(f"unknown command {message.get('cmd')!r}")
            server = message.get("server")
            if server in ("s3", None):
                s3.reset()
            if server in ("sftp", None):
                sftp.reset()
        except Exception as exc:
            channel.send({"reply": ident, "error": f"{type(exc).__name__}: {exc}"})
        else:
            channel.send({"reply": ident})


def main() -> int:
    channel = _Channel(os.fdopen(os.dup(1), "w", encoding="utf-8"))
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    s3, sftp = MockS3Server(), MockSFTPServer()
    try:
        try:
            s3.start()
            sftp.start()
        except Exception as exc:
            channel.send({"error": f"{type(exc).__name__}: {exc}"})
            return 1
        s3.subscribe(channel.report)
        sftp.subscribe(channel.report)
        channel.send({"ready": details(s3, sftp)})
        _serve(channel, s3, sftp)
        return 0
    finally:
        s3.reset()  # moto's state dies with this process; the SFTP root is a folder
        s3.stop()
        sftp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
