"""Mock targets in their own process, so a server never shares a GIL with a client.

``python -m benchmarks.servers s3|sftp`` starts :class:`~mock_targets.s3.MockS3Server`
(with the benchmark bucket) or :class:`~mock_targets.sftp.MockSFTPServer`, prints
one JSON line saying how to reach it, and serves until its stdin closes.
:func:`serve` is the orchestrator's side of that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.core import ProcRun, run_process
from benchmarks.profiling import ENV, profile_call

BUCKET = "bench-feeds"


@dataclass
class Server:
    """A running mock target: what its ``start`` printed, and its process."""

    info: dict[str, Any]
    proc: subprocess.Popen[bytes]

    def cpu(self) -> float:
        """User + system CPU seconds the server process has used so far."""
        import psutil  # type: ignore[import-untyped, unused-ignore]

        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def run(self, argv: list[str], env: dict[str, str], what: str) -> tuple[ProcRun, float]:
        """Run one client process; returns it and the server CPU it caused."""
        before = self.cpu()
        done = run_process(argv, env=env).check(what)
        return done, self.cpu() - before

    @property
    def root(self) -> Path:
        return Path(self.info["root"])

    def client_env(self, base: dict[str, str], home: Path) -> dict[str, str]:
        """``base`` plus the server's ``.env()``, without the developer's own AWS setup."""
        env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
        if "env" not in self.info:
            return env
        empty = home / "aws-empty-config"
        empty.write_text("")
        env.update(self.info["env"])
        env.update(
            AWS_CONFIG_FILE=str(empty),
            AWS_SHARED_CREDENTIALS_FILE=str(empty),
            AWS_EC2_METADATA_DISABLED="true",
            PYTHONWARNINGS="ignore",
        )
        return env


@contextmanager
def serve(kind: str, env: dict[str, str], stderr: Path | None = None) -> Iterator[Server]:
    """Start the ``kind`` server in a child process; stop it (and only it) afterwards.

    With ``FEEDLAB_BENCH_PROFILE=1`` in ``env`` the server profiles its threads
    and writes the summary to ``stderr`` (a file) when it stops.
    """
    with tempfile.TemporaryFile() if stderr is None else stderr.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.servers", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                proc.wait(timeout=30)
                err.seek(0)
                raise RuntimeError(f"mock {kind} server failed: {err.read().decode()[-2000:]}")
            yield Server(json.loads(line), proc)
        finally:
            if proc.stdin is not None:
                with suppress(OSError):
                    proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _main(kind: str) -> None:
    if kind == "s3":
        from mock_targets.s3 import MockS3Server

        s3 = MockS3Server().start()
        s3.create_bucket(BUCKET)
        info: dict[str, Any] = {
            "endpoint_url": s3.endpoint_url,
            "env": s3.env(),
            "bucket": BUCKET,
        }
        stop = s3.stop
    elif kind == "sftp":
        from mock_targets.sftp import MockSFTPServer

        sftp = MockSFTPServer().start()
        info = {
            "host": sftp.host,
            "port": sftp.port,
            "username": sftp.username,
            "private_key_file": str(sftp.private_key_file),
            "known_hosts_file": str(sftp.known_hosts_file),
            "root": str(sftp.root),
        }
        stop = sftp.cleanup
    else:
        raise SystemExit(f"unknown server kind {kind!r}: use s3 or sftp")
    print(json.dumps(info), flush=True)
    try:
        if os.environ.get(ENV) == "1":  # profile every server thread; summary on stderr
            print(profile_call(sys.stdin.read, top=25)[1], file=sys.stderr)
        else:
            sys.stdin.read()  # serve until the orchestrator closes our stdin
    finally:
        stop()


if __name__ == "__main__":
    _main(sys.argv[1])
