"""The asyncssh mock SFTP server: credentials, authentication, confinement, reports, threading."""

from __future__ import annotations

import asyncio
import re
import socket
import stat
import subprocess
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from mock_targets.reports import Operation
from mock_targets.sftp import MockSFTPServer, SFTPRequest, known_hosts_entry

OpenSSHRunner = Callable[..., "subprocess.CompletedProcess[str]"]


@asynccontextmanager
async def _sftp(server: MockSFTPServer, **auth: Any) -> AsyncIterator[asyncssh.SFTPClient]:
    """A client that uses only what it is given (no ~/.ssh, agent or config)."""
    options: dict[str, Any] = {
        "username": server.username,
        "known_hosts": str(server.known_hosts_file),
        "config": None,
        "agent_path": None,
        "client_keys": None,
        "disable_trivial_auth": True,
        "gss_auth": False,
        "connect_timeout": 20,
    }
    options.update(auth)
    async with (
        asyncssh.connect(server.host, server.port, **options) as conn,
        conn.start_sftp_client() as sftp,
    ):
        yield sftp


def _key_auth(server: MockSFTPServer) -> dict[str, Any]:
    return {"client_keys": [str(server.private_key_file)]}


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*"))


# -- lifecycle and published credentials -------------------------------------------


def test_sftp_mock_starts_on_ephemeral_port_and_publishes_known_hosts(
    mock_sftp: MockSFTPServer,
) -> None:
    assert mock_sftp.port not in (0, 22)
    with socket.create_connection((mock_sftp.host, mock_sftp.port), timeout=5) as sock:
        assert sock.recv(64).startswith(b"SSH-2.0-")

    text = mock_sftp.known_hosts_file.read_text(encoding="ascii")
    assert re.fullmatch(
        rf"\[127\.0\.0\.1\]:{mock_sftp.port} ssh-ed25519 AAAA[0-9A-Za-z+/]+=*\n", text
    )
    host_keys = asyncssh.import_known_hosts(text).match("127.0.0.1", "127.0.0.1", mock_sftp.port)[0]
    assert {k.public_data for k in host_keys} == {mock_sftp.host_key.public_data}


def test_sftp_mock_known_hosts_entry_has_no_brackets_on_port_22() -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    line = known_hosts_entry("sftp.example", 22, key)
    assert re.fullmatch(r"sftp\.example ssh-ed25519 AAAA\S+", line)
    assert known_hosts_entry("127.0.0.1", 2222, key).startswith("[127.0.0.1]:2222 ssh-ed25519 ")


def test_sftp_mock_private_key_file_is_0600_openssh_ed25519(mock_sftp: MockSFTPServer) -> None:
    path = mock_sftp.private_key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii").startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert asyncssh.read_private_key(str(path)).get_algorithm() == "ssh-ed25519"


def test_sftp_mock_repr_hides_password(mock_sftp: MockSFTPServer) -> None:
    assert len(mock_sftp.password) >= 24
    assert mock_sftp.password not in repr(mock_sftp)
    assert str(mock_sftp.port) in repr(mock_sftp)


def test_sftp_mock_passwords_differ_per_server(tmp_path: Path) -> None:
    one = MockSFTPServer(root=tmp_path / "a", workdir=tmp_path / "ka")
    two = MockSFTPServer(root=tmp_path / "b", workdir=tmp_path / "kb")
    assert one.password != two.password
    assert one.host_key.public_data != two.host_key.public_data


def test_sftp_mock_restarts_on_the_same_port(tmp_path: Path) -> None:
    server = MockSFTPServer(root=tmp_path / "root", workdir=tmp_path / "keys")
    with server:
        port = server.port
        server.stop()
        assert not server.running
        server.start()
        assert server.port == port

        async def listing() -> list[str]:
            async with _sftp(server, **_key_auth(server)) as sftp:
                return sorted(await sftp.listdir("."))

        assert asyncio.run(listing()) == [".", ".."]


def test_sftp_mock_reset_empties_root_without_following_symlinks(
    mock_sftp: MockSFTPServer, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    (mock_sftp.root / "a" / "b").mkdir(parents=True)
    (mock_sftp.root / "a" / "b" / "f.csv").write_text("x")
    (mock_sftp.root / "link").symlink_to(outside, target_is_directory=True)

    mock_sftp.reset()

    assert list(mock_sftp.root.iterdir()) == []
    assert (outside / "keep.txt").read_text() == "keep"


# -- authentication --------------------------------------------------------------


async def test_sftp_mock_password_auth_works(mock_sftp: MockSFTPServer) -> None:
    async with _sftp(mock_sftp, password=mock_sftp.password) as sftp:
        assert sorted(await sftp.listdir(".")) == [".", ".."]


async def test_sftp_mock_key_auth_works(mock_sftp: MockSFTPServer) -> None:
    async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp:
        assert await sftp.realpath(".") == "/"


async def test_sftp_mock_refuses_login_without_credentials(mock_sftp: MockSFTPServer) -> None:
    # A client that would accept trivial auth still gets nothing: the server demands credentials.
    with pytest.raises(asyncssh.PermissionDenied):
        async with _sftp(mock_sftp, disable_trivial_auth=False):
            pass


def test_sftp_mock_refuses_none_auth_from_openssh(
    mock_sftp: MockSFTPServer, openssh_sftp: OpenSSHRunner
) -> None:
    result = openssh_sftp(["ls"], options=["-o", "PreferredAuthentications=none"])
    assert result.returncode != 0
    assert "Permission denied" in result.stderr


@pytest.mark.parametrize(
    "case", ["wrong-password", "wrong-user-right-password", "wrong-user-right-key", "foreign-key"]
)
async def test_sftp_mock_refuses_bad_credentials(mock_sftp: MockSFTPServer, case: str) -> None:
    options: dict[str, Any] = {
        "wrong-password": {"password": "wrong-password"},
        "wrong-user-right-password": {"username": "root", "password": mock_sftp.password},
        "wrong-user-right-key": {"username": "root", **_key_auth(mock_sftp)},
        "foreign-key": {"client_keys": [asyncssh.generate_private_key("ssh-ed25519")]},
    }[case]
    with pytest.raises(asyncssh.PermissionDenied):
        async with _sftp(mock_sftp, **options):
            pass


async def test_sftp_mock_refuses_shell_sessions(mock_sftp: MockSFTPServer) -> None:
    async with asyncssh.connect(
        mock_sftp.host,
        mock_sftp.port,
        username=mock_sftp.username,
        password=mock_sftp.password,
        known_hosts=str(mock_sftp.known_hosts_file),
        config=None,
        agent_path=None,
        client_keys=None,
    ) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.run("id", check=False)


# -- confinement to the root -------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("untouched")
    return folder


def _assert_untouched(outside: Path) -> None:
    assert [p.name for p in _files_under(outside)] == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "untouched"


@pytest.mark.parametrize("path", ["../escape.txt", "/../escape.txt", "a/../../escape.txt", ".."])
async def test_sftp_mock_refuses_dotdot_escape(mock_sftp: MockSFTPServer, path: str) -> None:
    async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp:
        await sftp.mkdir("a")
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            async with sftp.open(path, "wb") as fh:
                await fh.write(b"x")
    assert not (mock_sftp.root.parent / "escape.txt").exists()


async def test_sftp_mock_absolute_paths_are_inside_root(
    mock_sftp: MockSFTPServer, outside: Path
) -> None:
    """An absolute path is virtual: it can only ever name something under the root."""
    async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp:
        with pytest.raises(asyncssh.SFTPNoSuchFile):
            await sftp.open(str(outside / "new.txt"), "wb")
        with pytest.raises(asyncssh.SFTPNoSuchFile):
            await sftp.open(str(outside / "secret.txt"), "rb")
        async with sftp.open("/top.txt", "wb") as fh:
            await fh.write(b"top")
    _assert_untouched(outside)
    assert (mock_sftp.root / "top.txt").read_bytes() == b"top"


async def test_sftp_mock_refuses_symlinks_pointing_outside(
    mock_sftp: MockSFTPServer, outside: Path
) -> None:
    (mock_sftp.root / "dirlink").symlink_to(outside, target_is_directory=True)
    (mock_sftp.root / "filelink").symlink_to(outside / "secret.txt")
    async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp:
        for attempt in (
            lambda: sftp.open("dirlink/new.txt", "wb"),
            lambda: sftp.open("filelink", "wb"),
            lambda: sftp.open("filelink", "rb"),
            lambda: sftp.mkdir("dirlink/sub"),
            lambda: sftp.remove("dirlink/secret.txt"),
            lambda: sftp.rename("filelink", "stolen.txt"),
            lambda: sftp.listdir("dirlink"),
        ):
            with pytest.raises(asyncssh.SFTPPermissionDenied):
                await attempt()
    _assert_untouched(outside)


async def test_sftp_mock_refuses_creating_links(mock_sftp: MockSFTPServer, outside: Path) -> None:
    async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp:
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.symlink(str(outside), "link")
        async with sftp.open("f.txt", "wb") as fh:
            await fh.write(b"x")
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.link("f.txt", "hard.txt")
    assert sorted(p.name for p in mock_sftp.root.iterdir()) == ["f.txt"]


async def test_sftp_mock_refuses_nul_in_path(mock_sftp: MockSFTPServer) -> None:
    async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp:
        with pytest.raises(asyncssh.SFTPError) as caught:
            await sftp.open(b"a\0b", "wb")
        assert caught.value.code == asyncssh.FX_INVALID_FILENAME or "NUL" in str(caught.value)
    assert list(mock_sftp.root.iterdir()) == []


# -- operation reports --------------------------------------------------------------


async def test_sftp_mock_reports_upload_and_rename_in_order(
    mock_sftp: MockSFTPServer, sftp_ops: list[Operation]
) -> None:
    async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp:
        await sftp.mkdir("out")
        async with sftp.open("out/.f.csv.partial", "wb") as fh:
            await fh.write(b"abc", 0)
            await fh.write(b"defg", 3)
        await sftp.posix_rename("out/.f.csv.partial", "out/f.csv")
        await sftp.remove("out/f.csv")

    got = [(o.server, o.op, o.key, o.size, o.target) for o in sftp_ops]
    assert got == [
        ("sftp", "mkdir", "out", None, None),
        ("sftp", "open", "out/.f.csv.partial", None, None),
        ("sftp", "write", "out/.f.csv.partial", 3, None),
        ("sftp", "write", "out/.f.csv.partial", 4, None),
        ("sftp", "close", "out/.f.csv.partial", 7, None),
        ("sftp", "rename", "out/.f.csv.partial", None, "out/f.csv"),
        ("sftp", "remove", "out/f.csv", None, None),
    ]


async def test_sftp_mock_fault_seam_sees_every_write_and_can_fail_one(
    mock_sftp: MockSFTPServer, sftp_ops: list[Operation]
) -> None:
    seen: list[SFTPRequest] = []

    class FailSecondWrite:
        def before(self, request: SFTPRequest, session: object) -> Awaitable[None] | None:
            seen.append(request)
            if request.op == "write" and request.offset == 2:
                raise asyncssh.SFTPFailure("injected")
            return None

    mock_sftp.faults = FailSecondWrite()
    async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp, sftp.open("f", "wb") as fh:
        await fh.write(b"ab", 0)
        with pytest.raises(asyncssh.SFTPFailure):
            await fh.write(b"cd", 2)

    assert [(r.op, r.offset, r.size) for r in seen] == [
        ("open", None, None),
        ("write", 0, 2),
        ("write", 2, 2),
        ("close", None, 2),
    ]
    assert [o.op for o in sftp_ops] == ["open", "write", "close"]


# -- threading -------------------------------------------------------------------------


async def test_sftp_mock_serves_while_callers_loop_is_blocked(mock_sftp: MockSFTPServer) -> None:
    """A blocking client called from inside this test's loop must not deadlock the server."""
    outcome: list[object] = []

    async def upload() -> None:
        async with _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp:
            async with sftp.open("blocked.txt", "wb") as fh:
                await fh.write(b"served")
            outcome.append(await sftp.listdir("."))

    def in_other_thread() -> None:
        try:
            asyncio.run(upload())
        except BaseException as exc:  # surfaced by the assertion below
            outcome.append(exc)

    worker = threading.Thread(target=in_other_thread)
    worker.start()
    worker.join(timeout=60)  # deliberately blocks this test's event loop meanwhile
    assert not worker.is_alive()
    assert outcome and not isinstance(outcome[0], BaseException), outcome
    assert (mock_sftp.root / "blocked.txt").read_bytes() == b"served"


def test_sftp_mock_subscriber_errors_do_not_break_the_server(mock_sftp: MockSFTPServer) -> None:
    def broken(_: Operation) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = mock_sftp.subscribe(broken)
    try:

        async def write() -> None:
            async with (
                _sftp(mock_sftp, **_key_auth(mock_sftp)) as sftp,
                sftp.open("ok.txt", "wb") as fh,
            ):
                await fh.write(b"ok")

        asyncio.run(write())
    finally:
        unsubscribe()
    assert (mock_sftp.root / "ok.txt").read_bytes() == b"ok"


def test_sftp_mock_stop_drops_connections_and_frees_port(tmp_path: Path) -> None:
    server = MockSFTPServer(root=tmp_path / "r", workdir=tmp_path / "k").start()
    port = server.port
    ready = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    async def hold() -> None:
        async with _sftp(server, **_key_auth(server)) as sftp:
            ready.set()
            await asyncio.get_running_loop().run_in_executor(None, release.wait, 30)
            await sftp.listdir(".")

    def run() -> None:
        try:
            asyncio.run(hold())
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert ready.wait(30)
    server.cleanup()
    release.set()
    worker.join(30)
    assert not worker.is_alive()
    assert errors, "a connection held across stop() should have been dropped"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
