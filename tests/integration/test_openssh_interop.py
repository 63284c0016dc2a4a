"""OpenSSH's own ``sftp`` against the mock server and the sink's files (FS-4.3, FS-6.2, FS-6.5).

The mock's published files (known_hosts, private key) must work with the real
client exactly as ``feedlab serve`` documents them, and what the sink delivers
must be what an ordinary SFTP consumer downloads.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest

from feedcore.sinks.base import Payload
from feedcore.sinks.sftp import SFTPSink
from mock_targets.sftp import MockSFTPServer, known_hosts_entry

OpenSSHRunner = Callable[..., "subprocess.CompletedProcess[str]"]
SinkFactory = Callable[..., SFTPSink]

MiB = 1024 * 1024
FOLDER = "exports/daily/2026/11/27"
NAMES = [
    "acme_1_add_0a1b2c3d_20261127030000.csv",
    "control_acme_1_add_0a1b2c3d_20261127030000.json",
    "acme_1_remove_0a1b2c3d_20261127030000.jsonl",
]


def _listing(stdout: str) -> list[str]:
    """Names from a batch ``ls -1a`` (sftp echoes each command as ``sftp> ...``)."""
    return sorted(
        line.strip().rsplit("/", 1)[-1]
        for line in stdout.splitlines()
        if line.strip() and not line.startswith("sftp>")
    )


def test_openssh_lists_and_gets_what_the_sink_wrote_fs_6_2(
    sftp_sink: SFTPSink, openssh_sftp: OpenSSHRunner, tmp_path: Path
) -> None:
    blobs = {
        name: os.urandom(size) for name, size in zip(NAMES, (3 * MiB + 5, 211, 0), strict=True)
    }
    for name, blob in blobs.items():
        sftp_sink.put(
            f"{FOLDER}/{name}", Payload.from_bytes(blob), exclusive=name.endswith(".json")
        )

    result = openssh_sftp([f"ls -1a /{FOLDER}"])
    assert result.returncode == 0, result.stderr
    assert _listing(result.stdout) == sorted([".", "..", *NAMES])  # no .partial left

    out = tmp_path / "got"
    out.mkdir()
    result = openssh_sftp([f"get /{FOLDER}/{name} {out / name}" for name in NAMES])
    assert result.returncode == 0, result.stderr
    for name, blob in blobs.items():
        assert (out / name).read_bytes() == blob


def test_openssh_put_is_readable_by_the_sink(
    sftp_sink: SFTPSink, openssh_sftp: OpenSSHRunner, tmp_path: Path
) -> None:
    local = tmp_path / "from-openssh.tsv"
    local.write_bytes(b'identifier\tcity\r\nbob@example.com\t"Tab\tCity"\r\n')
    result = openssh_sftp(["mkdir /in", f"put {local} /in/from-openssh.tsv"])
    assert result.returncode == 0, result.stderr
    assert sftp_sink.read("in/from-openssh.tsv") == local.read_bytes()


def test_openssh_without_the_key_fails_instead_of_prompting(
    openssh_sftp: OpenSSHRunner, mock_sftp: MockSFTPServer, tmp_path: Path
) -> None:
    """BatchMode never prompts: without the key OpenSSH must fail, not hang."""
    missing = tmp_path / "no-such-key"
    result = openssh_sftp(["ls"], identity=missing, timeout=60)
    assert result.returncode != 0
    assert "Permission denied" in result.stderr


def test_openssh_refuses_server_with_wrong_known_hosts_fs_6_5(
    openssh_sftp: OpenSSHRunner, mock_sftp: MockSFTPServer, tmp_path: Path
) -> None:
    impostor = asyncssh.generate_private_key("ssh-ed25519")
    wrong = tmp_path / "known_hosts"
    wrong.write_text(known_hosts_entry("127.0.0.1", mock_sftp.port, impostor) + "\n")
    local = tmp_path / "x.csv"
    local.write_bytes(b"x")

    result = openssh_sftp([f"put {local} /x.csv"], known_hosts=wrong)
    assert result.returncode != 0
    assert "Host key verification failed" in result.stderr
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in result.stderr
    assert list(mock_sftp.root.iterdir()) == []


def test_openssh_refuses_server_missing_from_known_hosts_fs_6_5(
    openssh_sftp: OpenSSHRunner, mock_sftp: MockSFTPServer, tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    result = openssh_sftp(["ls"], known_hosts=empty)
    assert result.returncode != 0
    assert "Host key verification failed" in result.stderr
    assert empty.read_text() == ""  # StrictHostKeyChecking=yes never adds the key


@pytest.mark.skipif(
    os.environ.get("FEEDLAB_SFTP_BENCH") != "1",
    reason="throughput comparison; run with FEEDLAB_SFTP_BENCH=1 (prints, asserts nothing timed)",
)
def test_openssh_vs_sink_upload_throughput_100mib(
    openssh_sftp: OpenSSHRunner,
    sftp_sink_factory: SinkFactory,
    mock_sftp: MockSFTPServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Same 100 MiB file, same server, one run: OpenSSH ``sftp put`` vs ``SFTPSink.put``.

    Both timings include connecting and authenticating; each side runs
    ``FEEDLAB_SFTP_BENCH_ROUNDS`` times (default 3) and the best is kept.
    """
    spool = tmp_path / "bench.bin"
    with spool.open("wb") as fh:
        for _ in range(100):
            fh.write(os.urandom(MiB))
    rounds = int(os.environ.get("FEEDLAB_SFTP_BENCH_ROUNDS", "3"))
    openssh_times: list[float] = []
    sink_times: list[float] = []
    for i in range(rounds):
        start = time.perf_counter()
        result = openssh_sftp([f"put {spool} /openssh-{i}.bin"])
        openssh_times.append(time.perf_counter() - start)
        assert result.returncode == 0, result.stderr

        sink = sftp_sink_factory()
        start = time.perf_counter()
        sink.put(f"sink-{i}.bin", Payload.from_file(spool))
        sink_times.append(time.perf_counter() - start)
        sink.close()
    for i in range(rounds):
        assert (mock_sftp.root / f"sink-{i}.bin").stat().st_size == 100 * MiB
        assert (mock_sftp.root / f"openssh-{i}.bin").stat().st_size == 100 * MiB

    best_openssh, best_sink = min(openssh_times), min(sink_times)
    with capsys.disabled():
        print(
            f"\n100 MiB upload: OpenSSH sftp best {best_openssh:.2f}s "
            f"({100 / best_openssh:.0f} MiB/s), SFTPSink best {best_sink:.2f}s "
            f"({100 / best_sink:.0f} MiB/s); sink speed = {best_openssh / best_sink:.2f}x OpenSSH"
            f"\n  all OpenSSH: {[round(t, 2) for t in openssh_times]}"
            f"\n  all sink:    {[round(t, 2) for t in sink_times]}"
        )
