"""SFTPSink against the mock server: layout (FS-4.3), delivery (FS-6.1/6.2/6.3), trust (FS-6.5)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncssh
import pytest

from feedcore.errors import (
    AlreadyExistsError,
    AuthError,
    HostKeyError,
    SinkError,
    TransientSinkError,
)
from feedcore.naming import partial_name
from feedcore.sinks.base import ObjectInfo, Payload, Sink, SinkEvent
from feedcore.sinks.sftp import SFTPSink
from mock_targets.reports import Operation
from mock_targets.sftp import FeedSFTPServer, MockSFTPServer, SFTPRequest, known_hosts_entry

SinkFactory = Callable[..., SFTPSink]

MiB = 1024 * 1024
FOLDER = "exports/daily/2026/11/27"
DATA = f"{FOLDER}/acme_1_add_0a1b2c3d_20261127030000.csv"
CONTROL = f"{FOLDER}/control_acme_1_add_0a1b2c3d_20261127030000.json"
PARTIAL = f"{FOLDER}/{partial_name('acme_1_add_0a1b2c3d_20261127030000.csv')}"


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sftp_sink_satisfies_sink_protocol_and_labels_as_configured(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer
) -> None:
    sink = sftp_sink_factory()
    assert isinstance(sink, Sink)
    assert sink.label == f"sftp://127.0.0.1:{mock_sftp.port}"
    aliased = sftp_sink_factory(
        host="sftp.acme.example", port=22, connect_host="127.0.0.1", connect_port=mock_sftp.port
    )
    assert aliased.label == "sftp://sftp.acme.example"


# -- FS-4.3 / FS-6.2 ----------------------------------------------------------------


def test_sftp_sink_put_creates_folders_and_final_file_fs_4_3(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer
) -> None:
    sftp_sink.put(DATA, Payload.from_bytes(b"identifier\r\nann\r\n"))
    assert (mock_sftp.root / DATA).read_bytes() == b"identifier\r\nann\r\n"
    assert _files(mock_sftp.root) == [DATA]  # no .partial left behind


def test_sftp_sink_writes_partial_then_renames_fs_6_2(
    sftp_sink: SFTPSink, sftp_ops: list[Operation]
) -> None:
    payload = Payload.from_bytes(os.urandom(3 * 256 * 1024 + 17))
    sftp_sink.put(DATA, payload)

    file_ops = [o for o in sftp_ops if o.op != "mkdir"]
    writes = [o for o in file_ops if o.op == "write"]
    assert {o.key for o in writes} == {PARTIAL}
    assert sum(o.size or 0 for o in writes) == payload.size
    others = [(o.op, o.key, o.size, o.target) for o in file_ops if o.op != "write"]
    assert others == [
        ("open", PARTIAL, None, None),
        ("close", PARTIAL, payload.size, None),
        ("rename", PARTIAL, None, DATA),
    ]
    assert sftp_ops.index(writes[-1]) < sftp_ops.index(file_ops[-1])
    assert [o.key for o in sftp_ops if o.op == "mkdir"] == [
        "exports",
        "exports/daily",
        "exports/daily/2026",
        "exports/daily/2026/11",
        "exports/daily/2026/11/27",
    ]


def test_sftp_sink_reports_its_steps_as_events(
    sftp_sink: SFTPSink, sftp_events: list[SinkEvent]
) -> None:
    sftp_sink.put(DATA, Payload.from_bytes(b"x"))
    sftp_sink.put(CONTROL, Payload.from_bytes(b"{}"), exclusive=True)
    sftp_sink.put(CONTROL, Payload.from_bytes(b"{}"), exclusive=True)
    actions = [(e.action, e.key) for e in sftp_events]
    assert actions[0] == ("connect", "")
    assert ("mkdir", FOLDER) in actions
    control_partial = f"{FOLDER}/.control_acme_1_add_0a1b2c3d_20261127030000.json.partial"
    # Write-once needs no stat first: the second control upload's plain rename is
    # refused by the server (SFTP v3) and the identical bytes settle it (FS-6.3).
    assert actions[-6:] == [
        ("write-partial", PARTIAL),
        ("rename", PARTIAL),
        ("write-partial", control_partial),
        ("rename", control_partial),
        ("write-partial", control_partial),
        ("skip-existing", CONTROL),
    ]
    assert sum(1 for a, _ in actions if a == "connect") == 1  # one connection, reused


def test_sftp_sink_non_exclusive_put_replaces_existing_file(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer
) -> None:
    sftp_sink.put(DATA, Payload.from_bytes(b"first"))
    sftp_sink.put(DATA, Payload.from_bytes(b"second, longer"))
    assert (mock_sftp.root / DATA).read_bytes() == b"second, longer"
    assert _files(mock_sftp.root) == [DATA]


# -- write-once control files --------------------------------------------------------


def test_sftp_sink_exclusive_put_is_idempotent_for_same_bytes(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer, sftp_ops: list[Operation]
) -> None:
    sftp_sink.put(CONTROL, Payload.from_bytes(b'{"delta": true}'), exclusive=True)
    before = len(sftp_ops)
    sftp_sink.put(CONTROL, Payload.from_bytes(b'{"delta": true}'), exclusive=True)
    assert (mock_sftp.root / CONTROL).read_bytes() == b'{"delta": true}'
    assert _files(mock_sftp.root) == [CONTROL]  # the retry's partial is removed
    # The retry's only change to the server was its own partial, never the control file.
    changed = {o.key for o in sftp_ops[before:] if o.op in ("write", "remove")}
    assert changed == {f"{FOLDER}/.control_acme_1_add_0a1b2c3d_20261127030000.json.partial"}


def test_sftp_sink_exclusive_put_refuses_different_bytes(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer
) -> None:
    sftp_sink.put(CONTROL, Payload.from_bytes(b'{"rows": 1}'), exclusive=True)
    with pytest.raises(AlreadyExistsError, match="already exists"):
        sftp_sink.put(CONTROL, Payload.from_bytes(b'{"rows": 2}'), exclusive=True)
    with pytest.raises(AlreadyExistsError):  # same size, different bytes
        sftp_sink.put(CONTROL, Payload.from_bytes(b'{"rows": 9}'), exclusive=True)
    assert (mock_sftp.root / CONTROL).read_bytes() == b'{"rows": 1}'
    assert _files(mock_sftp.root) == [CONTROL]


def test_sftp_sink_exclusive_put_never_overwrites_a_file_that_appears_meanwhile(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer
) -> None:
    """A competing writer creates the control file between our check and our rename."""

    class CompetingWriter:
        def before(self, request: SFTPRequest, session: FeedSFTPServer) -> None:
            if request.op == "rename":
                (mock_sftp.root / CONTROL).write_bytes(b'{"other": 1}')

    mock_sftp.faults = CompetingWriter()
    sink = sftp_sink_factory()
    with pytest.raises(AlreadyExistsError):
        sink.put(CONTROL, Payload.from_bytes(b'{"mine": 1}'), exclusive=True)
    assert (mock_sftp.root / CONTROL).read_bytes() == b'{"other": 1}'
    assert _files(mock_sftp.root) == [CONTROL]  # our partial was removed


# -- failure cleanup (FS-6.3: no orphan partial) -----------------------------------------


def test_sftp_sink_removes_partial_when_rename_fails(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer
) -> None:
    class RefuseRename:
        def before(self, request: SFTPRequest, session: FeedSFTPServer) -> None:
            if request.op == "rename":
                raise asyncssh.SFTPFailure("injected rename failure")

    mock_sftp.faults = RefuseRename()
    sink = sftp_sink_factory()
    with pytest.raises(SinkError, match="injected rename failure"):
        sink.put(DATA, Payload.from_bytes(b"x" * 1000))
    assert _files(mock_sftp.root) == []


def test_sftp_sink_removes_partial_when_a_write_fails(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer
) -> None:
    class FailThirdBlock:
        def before(self, request: SFTPRequest, session: FeedSFTPServer) -> None:
            if request.op == "write" and request.offset == 2 * 64 * 1024:
                raise asyncssh.SFTPFailure("disk on fire")

    mock_sftp.faults = FailThirdBlock()
    sink = sftp_sink_factory(block_size=64 * 1024, max_requests=4)
    with pytest.raises(SinkError, match="disk on fire") as caught:
        sink.put(DATA, Payload.from_bytes(os.urandom(MiB)))
    assert not isinstance(caught.value, TransientSinkError)
    assert _files(mock_sftp.root) == []


def test_sftp_sink_dropped_connection_is_transient_and_orphan_is_cleaned_on_reconnect(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer
) -> None:
    class DropMidUpload:
        dropped = False

        def before(self, request: SFTPRequest, session: FeedSFTPServer) -> Awaitable[None] | None:
            if request.op == "write" and request.offset == 4 * 64 * 1024 and not self.dropped:
                self.dropped = True
                session.connection.abort()
                raise asyncssh.SFTPConnectionLost("dropped by test")
            return None

    mock_sftp.faults = DropMidUpload()
    sink = sftp_sink_factory(block_size=64 * 1024, max_requests=2)
    with pytest.raises(TransientSinkError, match=r"FS-6\.3"):
        sink.put(DATA, Payload.from_bytes(os.urandom(MiB)))

    assert sink.exists(DATA) is False  # reconnects, and removes the orphaned partial first
    assert _files(mock_sftp.root) == []
    sink.put(DATA, Payload.from_bytes(b"retried"))  # a retry reuses the name (FS-6.3)
    assert _files(mock_sftp.root) == [DATA]


# -- trust (FS-6.5) and credentials ------------------------------------------------------


def test_sftp_sink_host_key_mismatch_is_refused_before_any_write_fs_6_5(
    sftp_sink_factory: SinkFactory,
    mock_sftp: MockSFTPServer,
    sftp_ops: list[Operation],
    tmp_path: Path,
) -> None:
    impostor = asyncssh.generate_private_key("ssh-ed25519")
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_entry("127.0.0.1", mock_sftp.port, impostor) + "\n")
    sink = sftp_sink_factory(known_hosts=known)
    with pytest.raises(HostKeyError, match="does not match") as caught:
        sink.put(DATA, Payload.from_bytes(b"secret rows"))
    message = str(caught.value)
    assert "FS-6.5" in message and "\n" not in message
    assert sftp_ops == []
    assert _files(mock_sftp.root) == []


def test_sftp_sink_unknown_host_is_refused_fs_6_5(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer, tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(HostKeyError, match="no entry"):
        sftp_sink_factory(known_hosts=empty).put(DATA, Payload.from_bytes(b"x"))
    with pytest.raises(HostKeyError, match="not found"):
        sftp_sink_factory(known_hosts=tmp_path / "missing").put(DATA, Payload.from_bytes(b"x"))
    assert _files(mock_sftp.root) == []


def test_sftp_sink_wrong_password_is_auth_error_without_secrets(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer
) -> None:
    sink = sftp_sink_factory(client_key=None, password="not-the-password-123")
    with pytest.raises(AuthError) as caught:
        sink.exists(DATA)
    message = str(caught.value)
    assert "not-the-password-123" not in message and mock_sftp.password not in message
    assert "\n" not in message
    assert "not-the-password-123" not in repr(sink)


def test_sftp_sink_foreign_key_is_auth_error(
    sftp_sink_factory: SinkFactory, tmp_path: Path
) -> None:
    key = tmp_path / "id_ed25519"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(key))
    with pytest.raises(AuthError):
        sftp_sink_factory(client_key=key).exists(DATA)


def test_sftp_sink_password_auth_works(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer
) -> None:
    sink = sftp_sink_factory(client_key=None, password=mock_sftp.password)
    sink.put(DATA, Payload.from_bytes(b"via password"))
    assert (mock_sftp.root / DATA).read_bytes() == b"via password"
    assert mock_sftp.password not in repr(sink)


def test_sftp_sink_requires_some_credential(mock_sftp: MockSFTPServer) -> None:
    with pytest.raises(AuthError, match="no credentials"):
        SFTPSink("127.0.0.1", mock_sftp.port, username="u", known_hosts=mock_sftp.known_hosts_file)


def test_sftp_sink_connection_refused_is_transient(
    mock_sftp: MockSFTPServer, sftp_sink_factory: SinkFactory
) -> None:
    sink = sftp_sink_factory(port=_free_port(), timeout=5.0)
    with pytest.raises(TransientSinkError, match="retryable"):
        sink.exists(DATA)


def test_sftp_sink_reconnects_after_server_restart(tmp_path: Path) -> None:
    server = MockSFTPServer(root=tmp_path / "root", workdir=tmp_path / "keys")
    with server:
        sink = SFTPSink(
            server.host,
            server.port,
            username=server.username,
            known_hosts=server.known_hosts_file,
            client_key=server.private_key_file,
            timeout=10.0,
        )
        try:
            sink.put("a.csv", Payload.from_bytes(b"1"))
            server.stop()
            with pytest.raises(TransientSinkError):
                sink.put("b.csv", Payload.from_bytes(b"2"))
            server.start()
            sink.put("b.csv", Payload.from_bytes(b"2"))
        finally:
            sink.close()
        assert _files(server.root) == ["a.csv", "b.csv"]


def test_sftp_sink_connect_host_changes_only_the_destination(
    sftp_sink_factory: SinkFactory, mock_sftp: MockSFTPServer
) -> None:
    sink = sftp_sink_factory(
        host="sftp.acme.example", port=22, connect_host="127.0.0.1", connect_port=mock_sftp.port
    )
    sink.put(DATA, Payload.from_bytes(b"tunnelled"))
    assert sink.label == "sftp://sftp.acme.example"
    assert (mock_sftp.root / DATA).read_bytes() == b"tunnelled"


@pytest.mark.parametrize("key", ["", "/abs/x.csv", "a/../x.csv", "a//x.csv", "./x.csv", "a\0b"])
def test_sftp_sink_rejects_keys_that_are_not_relative_paths(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer, key: str
) -> None:
    with pytest.raises(SinkError, match="invalid SFTP key"):
        sftp_sink.put(key, Payload.from_bytes(b"x"))
    assert _files(mock_sftp.root) == []


# -- reading back ------------------------------------------------------------------------


def test_sftp_sink_list_read_exists(sftp_sink: SFTPSink, mock_sftp: MockSFTPServer) -> None:
    sftp_sink.put(DATA, Payload.from_bytes(b"data"))
    sftp_sink.put(CONTROL, Payload.from_bytes(b"{}"), exclusive=True)
    sftp_sink.put("other/x.jsonl", Payload.from_bytes(b"{}\n"))
    (mock_sftp.root / PARTIAL).write_bytes(b"half")  # a stray temp file must be listed

    everything = list(sftp_sink.list())
    assert everything == sorted(everything, key=lambda i: i.key)
    assert {i.key: i.size for i in everything} == {
        DATA: 4,
        CONTROL: 2,
        PARTIAL: 4,
        "other/x.jsonl": 3,
    }
    assert [i.key for i in sftp_sink.list("exports/")] == [PARTIAL, DATA, CONTROL]
    assert [i.key for i in sftp_sink.list("exports/daily/2026/11/27/control_")] == [CONTROL]
    assert list(sftp_sink.list("oth")) == [ObjectInfo("other/x.jsonl", 3)]
    assert list(sftp_sink.list("nowhere/")) == []

    assert sftp_sink.read(DATA) == b"data"
    assert sftp_sink.exists(DATA) and sftp_sink.exists(PARTIAL)
    assert not sftp_sink.exists(f"{FOLDER}/missing.csv")
    assert not sftp_sink.exists(FOLDER)  # a folder is not a stored file
    with pytest.raises(SinkError, match="does not exist"):
        sftp_sink.read(f"{FOLDER}/missing.csv")
    for bad_prefix in ("/etc", "../", "exports/../.."):
        with pytest.raises(SinkError, match="invalid SFTP prefix"):
            sftp_sink.list(bad_prefix)


@pytest.mark.parametrize("source", ["file", "bytes"])
def test_sftp_sink_large_payload_round_trips(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer, tmp_path: Path, source: str
) -> None:
    blob = os.urandom(20 * MiB + 123)
    if source == "file":
        spool = tmp_path / "spool.bin"
        spool.write_bytes(blob)
        payload = Payload.from_file(spool)
    else:
        payload = Payload.from_bytes(blob)
    sftp_sink.put(DATA, payload)
    assert (mock_sftp.root / DATA).read_bytes() == blob
    assert sftp_sink.read(DATA) == blob
    assert _files(mock_sftp.root) == [DATA]


def test_sftp_sink_empty_payload(sftp_sink: SFTPSink, mock_sftp: MockSFTPServer) -> None:
    sftp_sink.put(CONTROL, Payload.from_bytes(b""), exclusive=True)
    assert (mock_sftp.root / CONTROL).read_bytes() == b""


def test_sftp_sink_unreadable_local_spool_is_not_transient(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer, tmp_path: Path
) -> None:
    payload = Payload(size=10, path=tmp_path / "vanished.csv")
    with pytest.raises(SinkError, match="local file") as caught:
        sftp_sink.put(DATA, payload)
    assert not isinstance(caught.value, TransientSinkError)
    assert _files(mock_sftp.root) == []


# -- threading -----------------------------------------------------------------------------


async def test_sftp_sink_works_from_a_running_loop_via_to_thread(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer
) -> None:
    """How the TUI calls the writer: asyncio.to_thread from inside Textual's loop."""
    await asyncio.to_thread(sftp_sink.put, DATA, Payload.from_bytes(b"from the tui"))
    assert await asyncio.to_thread(sftp_sink.read, DATA) == b"from the tui"
    results = await asyncio.gather(
        *(
            asyncio.to_thread(sftp_sink.put, f"{FOLDER}/f{i}.csv", Payload.from_bytes(b"%d" % i))
            for i in range(8)
        )
    )
    assert results == [None] * 8
    assert len(_files(mock_sftp.root)) == 9


def test_sftp_sink_close_is_idempotent_and_sink_is_reusable(
    sftp_sink: SFTPSink, mock_sftp: MockSFTPServer
) -> None:
    sftp_sink.put("a.csv", Payload.from_bytes(b"a"))
    sftp_sink.close()
    sftp_sink.close()
    sftp_sink.put("b.csv", Payload.from_bytes(b"b"))  # lazily reconnects
    assert _files(mock_sftp.root) == ["a.csv", "b.csv"]
