"""FS-7 hostile input through ``feedlab publish`` (real subprocesses).

* ``--events <(cat file)`` (``/dev/fd/N``), a FIFO and standard input are read
  once: the events are exported, the batch journaled, a rerun "already
  delivered" (on main: "exported 0 of 0", exit 0, every rerun a no-op; a FIFO hung).
* ``--events /dev/zero`` and a file of only bad lines exit 1 with one line,
  nothing delivered, nothing recorded as complete.
* A 60 MB line is one bad line: the good lines are delivered, and the process
  never holds the line (peak RSS measured in the process itself).
* A full spool disk (RLIMIT_FSIZE, no real disk filling) is one line naming
  the folder and the bytes needed; nothing is delivered.
* Spool folders are private, and a run killed mid-delivery leaves its copy of
  standard input behind only until the next run sweeps it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import data_feed_rows, feedlab_command, run_feedlab

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "fixtures" / "feeds" / "welcome_tsv_sftp.toml"


def _good(n: int) -> bytes:
    event = {"type": "enter", "email": f"good{n}@example.com", "variant": "A", "attributes": {}}
    return json.dumps(event).encode() + b"\n"


EVENTS = b"".join(_good(n) for n in range(6))


def _tmpdir(tmp_path: Path) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(_tmpdir(tmp_path)), **extra}


def _publish(
    tmp_path: Path,
    *args: str | Path,
    pass_fds: tuple[int, ...] = (),
    stdin: int | None = None,
    preexec: Callable[[], None] | None = None,
    crash_after_data: bool = False,
) -> subprocess.CompletedProcess[str]:
    command = [*feedlab_command(crash_after_data), "publish", str(CONFIG)]
    return subprocess.run(
        [*command, *map(str, args)],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
        check=False,
        pass_fds=pass_fds,
        stdin=stdin,
        preexec_fn=preexec,
    )


def _pipe_of(data: bytes) -> tuple[int, threading.Thread]:
    """The read end of a pipe a thread fills with ``data``: what ``<(cat file)`` hands over."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(data)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return read_end, thread


def _journal(state: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted(state.glob("*.json"))]


def _delivered_rows(out: Path) -> int:
    return data_feed_rows(out, "tsv")


def test_fs7_process_substitution_is_read_once_exported_and_journaled(
    tmp_path: Path, isolated_state_dir: Path
) -> None:
    out = tmp_path / "out"
    for attempt in ("first", "rerun"):
        read_end, feeder = _pipe_of(EVENTS)
        try:
            done = _publish(tmp_path, "--events", f"/dev/fd/{read_end}", "--to-dir", out,
                            "--journal", pass_fds=(read_end,))  # fmt: skip
        finally:
            os.close(read_end)
            feeder.join(10)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        if attempt == "first":
            assert "exported 6 of 6 events" in done.stdout, done.stdout
        else:
            assert done.stdout.startswith("already delivered"), done.stdout
    assert _delivered_rows(out) == 6
    [record] = _journal(isolated_state_dir)
    assert record["status"] == "complete"
    assert list(_tmpdir(tmp_path).iterdir()) == []  # the copy went with the run


def test_fs7_a_fifo_is_read_once_and_never_hangs(tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as out:  # blocks until publish opens the FIFO
            out.write(EVENTS)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    done = _publish(tmp_path, "--events", fifo, "--to-dir", tmp_path / "out")
    feeder.join(10)
    assert done.returncode == 0, done.stderr
    assert "exported 6 of 6 events" in done.stdout
    assert _delivered_rows(tmp_path / "out") == 6


@pytest.mark.parametrize("journal", [True, False], ids=["journal", "no-journal"])
def test_fs7_standard_input_is_exported(tmp_path: Path, journal: bool) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(EVENTS)
    extra = ["--journal"] if journal else ["--no-journal"]
    with events.open("rb") as stdin:
        done = _publish(tmp_path, "--events", "-", "--to-dir", tmp_path / "out", *extra,
                        stdin=stdin.fileno())  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "exported 6 of 6 events" in done.stdout


def _limit_memory() -> None:
    """Keep a broken run from eating the machine (main read /dev/zero into one line)."""
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def test_fs7_dev_zero_is_refused_in_one_line_and_nothing_is_recorded(
    tmp_path: Path, isolated_state_dir: Path
) -> None:
    done = _publish(tmp_path, "--events", "/dev/zero", "--to-dir", tmp_path / "out",
                    "--journal", preexec=_limit_memory)  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1
    assert "not JSON Lines" in done.stderr and "nothing was delivered" in done.stderr
    assert not (tmp_path / "out").exists()
    assert _journal(isolated_state_dir) == []
    assert list(_tmpdir(tmp_path).iterdir()) == []  # the partial copy is removed


def test_fs7_a_file_of_only_bad_lines_exits_1_and_records_nothing_complete(
    tmp_path: Path, isolated_state_dir: Path
) -> None:
    events = tmp_path / "bad.jsonl"
    events.write_bytes(b'{"type": "join", "email": "x@example.com"}\n' * 3 + b"not json\n")
    done = run_feedlab("publish", CONFIG, "--events", events, "--to-dir", tmp_path / "out")
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr and "@example.com" not in done.stderr
    assert "none of its 4 non-blank line(s) is a valid event" in done.stderr
    assert done.stderr.count("(skipped)") == 4  # each bad line is still listed
    assert not (tmp_path / "out").exists()
    assert all(r["status"] != "complete" for r in _journal(isolated_state_dir))


#: ``feedlab ARGS`` in-process, then its peak RSS (VmHWM: this process's own, unlike
#: ru_maxrss, which Linux carries over from the forking parent across exec).
_MAXRSS = (
    "import sys\n"
    "from feedlab.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
    "print('maxrss_kb', peak, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def test_fs7_a_60_mb_line_is_one_bad_line_and_never_held(tmp_path: Path) -> None:
    size = 60 << 20
    events = tmp_path / "events.jsonl"
    with events.open("wb") as fh:
        fh.write(_good(1))
        fh.write(b'{"type": "enter", "email": "big@example.com", "attributes": {"bio": "')
        for _ in range(size >> 20):
            fh.write(b"x" * (1 << 20))
        fh.write(b'"}}\n')
        fh.write(_good(3))
    done = subprocess.run(
        [sys.executable, "-c", _MAXRSS, "publish", str(CONFIG), "--events", str(events),
         "--to-dir", str(tmp_path / "out")],
        capture_output=True, text=True, env=_env(tmp_path), timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "line 2: line is" in done.stderr and "the limit is 1,048,576" in done.stderr
    assert "exported 2 of 2 events" in done.stdout
    rss_mb = int(done.stderr.split("maxrss_kb")[1].split()[0]) / 1024
    assert rss_mb < 90, f"peak RSS {rss_mb:.0f} MB for a {size >> 20} MB line"  # main: 2x the line


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill

    return apply


def _many_events(count: int) -> bytes:
    return b"".join(_good(n) for n in range(count))


@pytest.mark.parametrize("via", ["file", "stdin"])
def test_fs7_a_full_spool_disk_is_one_line_naming_the_folder_and_nothing_is_delivered(
    tmp_path: Path, isolated_state_dir: Path, via: str
) -> None:
    events = tmp_path / "many.jsonl"
    events.write_bytes(_many_events(30_000))  # ~2.6 MB of rows: spooled to disk
    assert events.stat().st_size > 2 << 20
    limit = _file_size_limit(512 << 10)  # every file this process writes stays under 512 KiB
    out = tmp_path / "out"
    if via == "file":
        done = _publish(tmp_path, "--events", events, "--to-dir", out, "--journal",
                        preexec=limit)  # fmt: skip
        what = "the encoded rows"
    else:
        with events.open("rb") as stdin:
            done = _publish(tmp_path, "--events", "-", "--to-dir", out, "--journal",
                            stdin=stdin.fileno(), preexec=limit)  # fmt: skip
        what = "the copy of -"
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert f"no space left for {what} in {_tmpdir(tmp_path)}/feedlab-" in done.stderr
    assert "bytes there" in done.stderr and "Nothing was delivered" in done.stderr
    assert not out.exists()
    assert all(r["status"] != "complete" for r in _journal(isolated_state_dir))
    assert list(_tmpdir(tmp_path).iterdir()) == []


def test_fs7_a_killed_run_leaves_its_stdin_copy_only_until_the_next_run(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(EVENTS)
    out = tmp_path / "out"
    with events.open("rb") as stdin:
        killed = _publish(tmp_path, "--events", "-", "--to-dir", out, "--journal",
                          stdin=stdin.fileno(), crash_after_data=True)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    [left] = list(_tmpdir(tmp_path).iterdir())
    assert left.name.startswith("feedlab-events-")
    assert left.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in left.iterdir())
    with events.open("rb") as stdin:  # the rerun finishes the batch and sweeps the leftover
        rerun = _publish(tmp_path, "--events", "-", "--to-dir", out, "--journal",
                         stdin=stdin.fileno())  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert list(_tmpdir(tmp_path).iterdir()) == []
    assert _delivered_rows(out) == 6
