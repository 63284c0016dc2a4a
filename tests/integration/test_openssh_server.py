"""The SFTP sink and ``feedlab publish``/``verify`` against a real OpenSSH sshd
(internal-sftp, key login, chroot; fixture in ``conftest_sshd.py``).

The mock stays the default target of the suite; these tests show the sink
speaks the protocol a production server speaks: write to a hidden partial and
rename (FS-6.2), folders created as needed (FS-4.3), write-once control files
through OpenSSH's rename (FS-6.3), host keys and client keys checked (FS-6.5).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import asyncssh
import pytest
from reliability_support import (
    feed_config,
    make_events,
    reference_files,
    run_feedlab,
    write_inputs,
)

from feedcore.errors import AlreadyExistsError, AuthError, HostKeyError
from feedcore.sinks.base import Payload
from feedcore.targets import open_sink
from feedcore.verify import verify_location
from feedcore.writer import FeedWriter

try:
    from .conftest_sshd import OpenSSHServer
except ImportError:
    from conftest_sshd import OpenSSHServer  # type: ignore[no-redef]

AT = datetime(2026, 11, 27, 3, 0, 0, tzinfo=UTC)
SEED = 11
#: The name the feed is configured with (URLs, names); connections go to the sshd.
HOST = "sftp.acme.example"
EVENTS = make_events(batch=3, enters=30, exits=5)


def test_fs6_2_the_sink_delivers_a_feed_to_openssh_and_verify_reads_it_back(
    openssh: OpenSSHServer,
) -> None:
    config = feed_config("sftp", HOST, "csv")
    with open_sink(openssh.target(HOST), timeout=20.0) as sink:
        result = FeedWriter(config, sink, seed=SEED).export(EVENTS, at=AT)
    assert len(result.files) == 2
    assert all(f.url.startswith(f"sftp://{HOST}/exports/daily/2026/11/27/") for f in result.files)
    assert openssh.files() == reference_files(config, EVENTS, seed=SEED, at=AT)  # no partials
    with open_sink(openssh.target(), timeout=20.0) as reader:
        assert verify_location(reader, config=config) == []
        data_key = result.files[0].data_key
        assert reader.read(data_key, 64) == openssh.files()[data_key][:64]


def test_fs6_3_write_once_control_files_hold_on_openssh(openssh: OpenSSHServer) -> None:
    key = "exports/daily/2026/11/27/control_acme_1234_add_0a1b2c3d_20261127030000.json"
    with open_sink(openssh.target(), timeout=20.0) as sink:
        sink.put(key, Payload.from_bytes(b'{"a": 1}'), exclusive=True)
        sink.put(key, Payload.from_bytes(b'{"a": 1}'), exclusive=True)  # a retry: same bytes
        with pytest.raises(AlreadyExistsError):
            sink.put(key, Payload.from_bytes(b'{"a": 2}'), exclusive=True)
    assert openssh.files() == {key: b'{"a": 1}'}


def test_fs6_5_a_wrong_host_key_is_refused_and_nothing_is_sent(
    openssh: OpenSSHServer, tmp_path: Path
) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").convert_to_public()
    entry = bytes(other.export_public_key("openssh")).split()[1].decode("ascii")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{openssh.port} ssh-ed25519 {entry}\n")
    spec = dataclasses.replace(openssh.target(), known_hosts=known_hosts)
    with open_sink(spec, timeout=20.0) as sink, pytest.raises(HostKeyError, match="does not match"):
        sink.put("exports/x.csv", Payload.from_bytes(b"x"))
    assert openssh.files() == {}


def test_fs6_5_a_key_the_server_does_not_know_is_refused(
    openssh: OpenSSHServer, tmp_path: Path
) -> None:
    stranger = tmp_path / "id_ed25519"
    stranger.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    stranger.chmod(0o600)
    spec = dataclasses.replace(openssh.target(), client_key=stranger)
    with open_sink(spec, timeout=20.0) as sink, pytest.raises(AuthError, match="refused"):
        sink.exists("exports/x.csv")
    assert openssh.files() == {}


def _login_args(server: OpenSSHServer, known_hosts: Path | None = None) -> list[str]:
    return [
        "--known-hosts",
        str(known_hosts or server.known_hosts),
        "--user",
        server.username,
        "--key",
        str(server.client_key),
    ]


def test_fs8_publish_to_openssh_then_verify_the_location(
    openssh: OpenSSHServer, tmp_path: Path
) -> None:
    config = feed_config("sftp", HOST, "tsv")
    config_path, events_path = write_inputs(tmp_path, config, EVENTS)
    login = _login_args(openssh)
    connect = ["--connect", f"{openssh.host}:{openssh.port}", "--at", AT.isoformat()]
    done = run_feedlab("publish", config_path, "--events", events_path, *login, *connect)
    assert done.returncode == 0, done.stderr
    assert f"sftp://{HOST}/exports/daily/2026/11/27/" in done.stdout
    files = openssh.files()
    assert len(files) == 4 and all(not k.rpartition("/")[2].startswith(".") for k in files)

    location = f"sftp://{openssh.host}:{openssh.port}/exports/daily"
    checked = run_feedlab("verify", location, "--config", config_path, *login)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("conformant: 4 files checked under sftp://127.0.0.1:")


def test_fs6_5_publish_refuses_an_unknown_host_key_in_one_line(
    openssh: OpenSSHServer, tmp_path: Path
) -> None:
    config = feed_config("sftp", HOST, "csv")
    config_path, events_path = write_inputs(tmp_path, config, EVENTS)
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    connect = ["--connect", f"{openssh.host}:{openssh.port}"]
    done = run_feedlab(
        "publish", config_path, "--events", events_path, *_login_args(openssh, empty), *connect
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") <= 2 and "Traceback" not in done.stderr
    assert "no entry in" in done.stderr and "FS-6.5" in done.stderr
    assert openssh.files() == {}
