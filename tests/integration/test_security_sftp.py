"""SFTP trust and confinement (FS-6.5): refuse impostors before a byte is sent; never escape.

* A host key that does not match, or a host with no known-hosts entry, is
  refused before any file operation (the server reports nothing opened or
  written), through the writer and through ``feedlab publish``.
* A server that lets the client in without a real challenge ("none" auth, or
  keyboard-interactive with no prompts) is refused: ``disable_trivial_auth``.
* A wrong password or key is refused, and no message names the secret.
* The mock's root cannot be escaped by any remote name (Hypothesis: ``..``,
  absolute paths, NUL, very long names, a symlink planted inside pointing out),
  and feedcore's own key checks refuse the same names before sending them.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import (
    AT,
    SFTPTarget,
    make_events,
    publish_args,
    run_feedlab,
    sftp_session,
    write_inputs,
    writer,
)

from feedcore.errors import AuthError, HostKeyError, SinkError
from feedcore.sinks.base import Payload
from feedcore.sinks.local import safe_key
from feedcore.sinks.sftp import SFTPSink
from feedcore.testing import strategies as fs
from mock_targets.reports import Operation
from mock_targets.sftp import MockSFTPServer, known_hosts_entry

EVENTS = make_events(batch=7, enters=3, exits=1)


def _impostor_known_hosts(tmp_path: Path, server: MockSFTPServer) -> Path:
    impostor = asyncssh.generate_private_key("ssh-ed25519")
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_entry(server.host, server.port, impostor) + "\n")
    return known


@pytest.mark.parametrize("case", ["mismatch", "unknown"])
def test_fs6_5_host_key_refused_before_any_byte_through_the_writer(
    sftp_target: SFTPTarget, sftp_ops: list[Operation], tmp_path: Path, case: str
) -> None:
    if case == "mismatch":
        known = _impostor_known_hosts(tmp_path, sftp_target.server)
        match = "does not match"
    else:
        known = tmp_path / "empty_known_hosts"
        known.write_text("")
        match = "no entry"
    with pytest.raises(HostKeyError, match=match) as caught:
        writer(sftp_target.config, sftp_target.sink(known_hosts=known)).export(EVENTS, at=AT)
    assert "FS-6.5" in str(caught.value) and "nothing was sent" in str(caught.value)
    assert sftp_ops == []  # no open, no write, no mkdir: nothing reached the server
    assert sftp_target.files() == {}


def test_fs6_5_publish_refuses_a_host_key_mismatch_and_writes_nothing(
    sftp_target: SFTPTarget, sftp_ops: list[Operation], tmp_path: Path
) -> None:
    config_path, events_path = write_inputs(tmp_path, sftp_target.config, EVENTS)
    args = publish_args(sftp_target, config_path, events_path)
    known = _impostor_known_hosts(tmp_path, sftp_target.server)
    args[args.index("--known-hosts") + 1] = str(known)
    done = run_feedlab(*args)
    assert done.returncode == 1
    assert "does not match" in done.stderr and "FS-6.5" in done.stderr
    assert "Traceback" not in done.stderr
    assert sftp_ops == [] and sftp_target.files() == {}


# -- trivial authentication --------------------------------------------------------------


class _NoneAuth(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return False  # "no authentication required": the client is never challenged


class _SilentKeyboardInteractive(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return True

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        return True  # accepted without a single prompt


class _TrivialServer:
    """An asyncssh SFTP server on its own loop that lets anyone in (to prove we refuse it)."""

    def __init__(self, server_class: type[asyncssh.SSHServer], root: Path) -> None:
        self.root = root
        self.sessions = 0
        self.key = asyncssh.generate_private_key("ssh-ed25519")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def listen() -> Any:
            return await asyncssh.listen(
                "127.0.0.1",
                0,
                server_factory=server_class,
                server_host_keys=[self.key],
                sftp_factory=self._session,
            )

        self.acceptor = asyncio.run_coroutine_threadsafe(listen(), self.loop).result(30)
        self.port = int(self.acceptor.get_port())

    def _session(self, chan: Any) -> asyncssh.SFTPServer:
        self.sessions += 1
        return asyncssh.SFTPServer(chan, chroot=os.fsencode(self.root))

    def known_hosts(self, folder: Path) -> Path:
        path = folder / "trivial_known_hosts"
        path.write_text(known_hosts_entry("127.0.0.1", self.port, self.key) + "\n")
        return path

    def close(self) -> None:
        async def shutdown() -> None:
            self.acceptor.close()
            await self.acceptor.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


@pytest.fixture(params=[_NoneAuth, _SilentKeyboardInteractive], ids=["none", "kbdint-no-prompt"])
def trivial_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[_TrivialServer]:
    root = tmp_path / "trivial-root"
    root.mkdir()
    server = _TrivialServer(request.param, root)
    yield server
    server.close()


def test_fs6_5_a_server_that_skips_authentication_is_refused(
    trivial_server: _TrivialServer, tmp_path: Path
) -> None:
    known = trivial_server.known_hosts(tmp_path)
    sink = SFTPSink(
        "127.0.0.1",
        trivial_server.port,
        username="feedlab",
        known_hosts=known,
        password="a-password-never-asked-for",
        timeout=10.0,
    )
    try:
        with pytest.raises(AuthError, match="Trivial auth disabled"):
            sink.put("exports/a.csv", Payload.from_bytes(b"rows"))
    finally:
        sink.close()
    assert trivial_server.sessions == 0 and list(trivial_server.root.iterdir()) == []

    async def naive_client() -> None:  # the same server does let a careless client in
        async with (
            asyncssh.connect(
                "127.0.0.1",
                trivial_server.port,
                username="feedlab",
                known_hosts=str(known),
                client_keys=None,
                password="x",
                agent_path=None,
                config=None,
                disable_trivial_auth=False,
            ) as conn,
            conn.start_sftp_client(),
        ):
            pass

    asyncio.run(naive_client())
    assert trivial_server.sessions == 1


# -- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["password", "key"])
def test_fs6_5_wrong_credentials_are_refused_without_naming_them(
    sftp_target: SFTPTarget, sftp_ops: list[Operation], tmp_path: Path, case: str
) -> None:
    secret = "not-the-password-8d1e4f"
    if case == "password":
        sink = sftp_target.sink(client_key=None, password=secret)
    else:
        key_file = tmp_path / "id_ed25519"
        asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(key_file))
        sink = sftp_target.sink(client_key=key_file)
    with pytest.raises(AuthError) as caught:
        writer(sftp_target.config, sink).export(EVENTS, at=AT)
    text = f"{caught.value} {caught.value!r} {sink!r}"
    assert secret not in text and sftp_target.server.password not in text
    assert "\n" not in str(caught.value)
    assert sftp_ops == [] and sftp_target.files() == {}


# -- confinement -------------------------------------------------------------------------------

#: Remote names an attacker (or a bug) might send.
escape_names = st.one_of(
    st.sampled_from(
        [
            "..",
            "../x.csv",
            "../../etc/passwd",
            "a/../../x.csv",
            "/../x.csv",
            "/../../outside/x.csv",
            "./../x.csv",
            "a/./../../x",
            "link/x.csv",
            "link/../x.csv",
            "link",
            "x\x00.csv",
            "/etc/passwd",
            "\\..\\x.csv",
            "a" * 5000,
            "/".join([".."] * 50) + "/x",
        ]
    ),
    st.lists(
        st.sampled_from(["..", ".", "", "a", "link", "x.csv", "\x00", "b" * 300]),
        min_size=1,
        max_size=8,
    ).map("/".join),
    st.builds(lambda prefix, name: prefix + name, st.sampled_from(["", "/", "../"]), fs.any_char),
)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st_ = path.lstat()
            out[str(path.relative_to(folder))] = (st_.st_size, st_.st_mtime_ns)
    return out


def test_fs6_5_hypothesis_remote_names_never_write_outside_the_mock_root(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    root = parent / "root"
    outside = parent / "outside"
    outside.mkdir(parents=True)
    (outside / "secret.txt").write_text("do not touch")
    root.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)  # planted by someone local
    (root / "inside").mkdir()
    before = _snapshot(outside) | {"..": (0, 0)}

    with (
        MockSFTPServer(root=root, workdir=tmp_path / "keys") as server,
        sftp_session(server) as (sftp, loop),
    ):

        async def attempt(name: str) -> None:
            for action in (
                lambda: sftp.open(name, "wb"),
                lambda: sftp.mkdir(name),
                lambda: sftp.rename("inside", name),
                lambda: sftp.remove(name),
                lambda: sftp.setstat(name, asyncssh.SFTPAttrs(permissions=0o777)),
                lambda: sftp.symlink("/etc/passwd", name),
            ):
                try:
                    result = await asyncio.wait_for(action(), 10)
                except (asyncssh.SFTPError, OSError, UnicodeError, ValueError):
                    continue
                if hasattr(result, "close"):
                    await result.write(b"escaped?")
                    await result.close()

        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(name=escape_names)
        def escape(name: str) -> None:
            loop.run_until_complete(attempt(name))
            assert _snapshot(outside) | {"..": (0, 0)} == before
            siblings = sorted(p.name for p in parent.iterdir())
            assert siblings == ["outside", "root"], siblings
            assert (root / "link").is_symlink()
            if not (root / "inside").exists():  # a rename moved it inside the root: put it back
                moved = [p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()]
                assert moved, "the renamed folder left the root"
                (root / "inside").mkdir()

        escape()
    assert (outside / "secret.txt").read_text() == "do not touch"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


@given(key=escape_names)
@settings(max_examples=200, deadline=None)
def test_fs6_5_feedcore_refuses_unsafe_keys_before_sending_them(key: str) -> None:
    """LocalSink.safe_key and the SFTP sink's key check refuse what could leave a root."""
    from feedcore.sinks.sftp import _check_key

    parts = key.split("/")
    unsafe = (
        not key or key.startswith("/") or "\x00" in key or any(p in ("", ".", "..") for p in parts)
    )
    try:
        safe_key(key)
        local_ok = True
    except SinkError:
        local_ok = False
    try:
        _check_key(key)
        sftp_ok = True
    except SinkError:
        sftp_ok = False
    if unsafe:
        assert not local_ok and not sftp_ok
    else:
        root = Path(tempfile.gettempdir()) / "feedlab-root"
        resolved = os.path.normpath(root.joinpath(*safe_key(key).parts))
        assert resolved.startswith(str(root) + os.sep)


@given(path=st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_fs1_config_path_rule_admits_only_relative_paths_without_dot_segments(path: str) -> None:
    from feedcore import rules

    try:
        checked = rules.check_path(path)
    except ValueError:
        return
    if not checked:
        return
    assert not checked.startswith("/") and "\x00" not in checked and "\\" not in checked
    assert all(part not in ("", ".", "..") for part in checked.split("/"))
