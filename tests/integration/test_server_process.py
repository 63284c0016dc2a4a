"""mock_targets.process: both mock servers in a child process, reached as if remote.

The app delivers to these (its own process never loads moto, so the servers' work
never holds the UI's GIL); the child reports every write over a pipe, answers
resets, and leaves nothing behind when it stops, is stopped, or its parent dies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_support import feed_config

from feedcore.sinks.base import Payload
from mock_targets.embedded import sink_for
from mock_targets.process import ServerProcess, ServerProcessError
from mock_targets.reports import Operation

ROOT = Path(__file__).resolve().parents[2]
KEY = "exports/daily/a.csv"


@pytest.fixture
def process() -> Iterator[ServerProcess]:
    with ServerProcess() as started:
        yield started


def _wait_for(operations: list[Operation], count: int) -> None:
    deadline = time.monotonic() + 10
    while len(operations) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_writes_to_both_servers_are_reported_over_the_pipe(process: ServerProcess) -> None:
    operations: list[Operation] = []
    process.subscribe(operations.append)
    assert process.s3 is not None and process.sftp is not None
    for config, server in ((feed_config("s3", "child-feeds"), process.s3), (None, None)):
        if config is None:
            config = feed_config("sftp", "sftp.example.net")
            sink = sink_for(config, sftp=process.sftp, timeout=10.0)
        else:
            sink = sink_for(config, s3=server)
        with sink:
            sink.put(KEY, Payload.from_bytes(b"rows\n"))
    _wait_for(operations, 3)
    seen = {(op.server, op.op, op.key) for op in operations}
    assert ("s3", "create-bucket", "") in seen
    assert ("s3", "put", KEY) in seen
    assert any(server == "sftp" and op == "rename" for server, op, _ in seen)
    assert (process.sftp.root / KEY).read_bytes() == b"rows\n"  # the root is a local folder


def test_reset_empties_each_server(process: ServerProcess) -> None:
    assert process.s3 is not None and process.sftp is not None
    process.s3.create_bucket("reset-me")
    (process.sftp.root / "left.csv").write_bytes(b"x")
    process.s3.reset()
    process.sftp.reset()
    client = process.s3.client()
    try:
        assert client.list_buckets()["Buckets"] == []
    finally:
        client.close()
    assert list(process.sftp.root.iterdir()) == []
    assert process.sftp.root.is_dir()  # published paths stay valid


def test_stop_ends_the_child_and_deletes_its_folders() -> None:
    process = ServerProcess().start()
    assert process.sftp is not None
    folders = [process.sftp.root, process.sftp.known_hosts_file.parent]
    process.stop()
    assert not process.running
    assert not any(folder.exists() for folder in folders)
    with pytest.raises(ServerProcessError, match=r"not running|stopped"):
        process.request("reset")


def test_a_dead_child_turns_requests_into_one_line_errors(process: ServerProcess) -> None:
    child = process._child
    assert child is not None
    child.kill()
    child.wait()
    with pytest.raises(ServerProcessError) as caught:
        process.request("reset", server="s3")
    assert "\n" not in str(caught.value)
    assert "mock servers" in str(caught.value)


def test_a_child_that_fails_at_start_says_why_in_one_line() -> None:
    failing = [sys.executable, "-c", "import sys; print('no port for you', file=sys.stderr)"]
    with pytest.raises(ServerProcessError, match="exited at start: no port for you"):
        ServerProcess(failing).start()
    garbled = [sys.executable, "-c", "print('hello')"]
    with pytest.raises(ServerProcessError, match="cannot start the mock servers: hello"):
        ServerProcess(garbled).start()


def test_secrets_stay_out_of_reprs(process: ServerProcess) -> None:
    assert process.s3 is not None and process.sftp is not None
    text = repr(process)
    assert process.s3.secret_access_key not in text
    assert process.sftp.password not in text
    assert process.s3.endpoint_url in text


def test_the_child_goes_when_its_parent_dies(tmp_path: Path) -> None:
    """A killed app (SIGKILL: no cleanup of its own) leaves no server running."""
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from mock_targets.process import ServerProcess
            process = ServerProcess().start()
            print(process._child.pid, process.sftp.root, flush=True)
            time.sleep(60)
            """
        )
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert parent.stdout is not None
    pid_text, root_text = parent.stdout.readline().split()
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(int(pid_text)):
        time.sleep(0.05)
    assert not _alive(int(pid_text))
    assert not Path(root_text).exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_apps_process_never_loads_moto(tmp_path: Path) -> None:
    """The point of the child: the app's process imports no server code."""
    script = textwrap.dedent(
        """
        import sys
        from datetime import UTC, datetime
        from feedcore.config import load_config
        from feedcore.events import Event
        from feedcore.writer import FeedWriter
        from tui.services.targets import MockTargets
        targets = MockTargets()
        targets.start()
        config = load_config(sys.argv[1])
        events = [Event("enter", f"c{i}@example.com", None, {}) for i in range(5)]
        FeedWriter(config, targets.sink_for(config), seed=1).export(
            events, at=datetime(2026, 11, 27, 9, tzinfo=UTC)
        )
        print(sorted({m.split(".")[0] for m in sys.modules} & {"moto", "werkzeug", "flask"}))
        targets.stop()
        """
    )
    config = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
    done = subprocess.run(
        [sys.executable, "-c", script, str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
