"""FS-7: bad event lines through ``feedlab publish`` (real subprocesses).

Each kind of bad line is reported with its line number; without ``--strict``
the good lines are exported and the exit is 0; with ``--strict`` nothing is
written and the exit is non-zero; never a traceback, never a raw address.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reliability_support import (
    S3Target,
    data_feed_rows,
    publish_args,
    run_feedlab,
    target_env,
    write_inputs,
)

from feedcore.verify.layout import classify
from mock_targets.reports import Operation

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "fixtures" / "feeds" / "welcome_tsv_sftp.toml"
BAD_LINES_FIXTURE = ROOT / "fixtures" / "events" / "bad_lines.jsonl"


def _good(n: int) -> bytes:
    event = {"type": "enter", "email": f"good{n}@example.com", "variant": "A", "attributes": {}}
    return json.dumps(event).encode() + b"\n"


#: (kind, line bytes, a fragment of the message). Line numbers follow from the layout below.
BAD = [
    ("malformed", b'{"type": "enter", "email": "bad1@example.com",\n', "not valid JSON"),
    ("unknown type", b'{"type": "join", "email": "bad2@example.com"}\n', '"enter" or "exit"'),
    ("missing email", b'{"type": "enter", "variant": "A"}\n', "'email'"),
    ("unknown variant", b'{"type": "enter", "email": "bad4@example.com", "variant": "Z"}\n', "'Z'"),
    ("invalid UTF-8", b'{"type": "enter", "email": "bad5\xff\xfe@example.com"}\n', "UTF-8"),
    (
        "10 MB attribute",
        b'{"type": "enter", "email": "bad6@example.com", "attributes": {"bio": "'
        + b"x" * (10 * 1024 * 1024)
        + b'"}}\n',
        "the limit is 1,048,576",
    ),
    ("nested 1,000 deep", b"[" * 1000 + b"]" * 1000 + b"\n", "too deeply nested"),
    (
        "attribute nested 40 deep",
        b'{"type": "enter", "email": "bad8@example.com", "attributes": {"first_name": '
        + b"[" * 40
        + b"]" * 40
        + b"}}\n",
        "nested deeper than 32 levels",
    ),
]


def _events_file(tmp_path: Path) -> tuple[Path, dict[int, str], int]:
    """good, bad, good, bad, ... : returns the file, {line: fragment}, and the good count."""
    lines: list[bytes] = []
    expected: dict[int, str] = {}
    good = 0
    for _, line, fragment in BAD:
        lines.append(_good(good))
        good += 1
        lines.append(line)
        expected[len(lines)] = fragment
    lines.append(_good(good))
    good += 1
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(lines))
    return path, expected, good


def _data_feed_rows(root: Path) -> int:
    return data_feed_rows(root, "tsv")


def _assert_reported(stderr: str, expected: dict[int, str]) -> None:
    assert "Traceback" not in stderr
    for number, fragment in expected.items():
        line = next((t for t in stderr.splitlines() if f": line {number}: " in t), None)
        assert line is not None, f"line {number} is not reported:\n{stderr}"
        assert fragment in line and "[FS-7]" in line
    assert "@example.com" not in stderr  # a bad line is never quoted


@pytest.mark.parametrize("kind", [kind for kind, _, _ in BAD])
def test_fs7_each_kind_of_bad_line_is_named_and_skipped(kind: str, tmp_path: Path) -> None:
    _, line, fragment = next(b for b in BAD if b[0] == kind)
    events = tmp_path / "events.jsonl"
    events.write_bytes(_good(1) + line + _good(2))
    out = tmp_path / "out"
    done = run_feedlab("publish", CONFIG, "--events", events, "--to-dir", out)
    assert done.returncode == 0, done.stderr
    _assert_reported(done.stderr, {2: fragment})
    assert _data_feed_rows(out) == 2
    strict = run_feedlab("publish", CONFIG, "--events", events, "--to-dir", out / "s", "--strict")
    assert strict.returncode == 1
    assert "line 2:" in strict.stderr and "--strict" in strict.stderr
    assert "Traceback" not in strict.stderr
    assert not (out / "s").exists()


def test_fs7_every_bad_line_of_a_file_is_reported_and_the_good_ones_exported(
    tmp_path: Path,
) -> None:
    events, expected, good = _events_file(tmp_path)
    out = tmp_path / "out"
    done = run_feedlab("publish", CONFIG, "--events", events, "--to-dir", out)
    assert done.returncode == 0, done.stderr
    _assert_reported(done.stderr, expected)
    assert f"{len(expected)} bad line(s) skipped" in done.stderr
    assert f"exported {good:,} of {good:,} events" in done.stdout
    assert _data_feed_rows(out) == good


def test_fs7_strict_writes_nothing_and_exits_non_zero(tmp_path: Path) -> None:
    events, expected, _ = _events_file(tmp_path)
    out = tmp_path / "out"
    done = run_feedlab("publish", CONFIG, "--events", events, "--to-dir", out, "--strict")
    assert done.returncode == 1
    first = min(expected)
    assert f"line {first}:" in done.stderr and "stopped before writing anything" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not out.exists()


def test_fs7_the_bad_lines_fixture_has_three_bad_lines_among_good_ones(tmp_path: Path) -> None:
    """The acceptance check: ``publish CONFIG --events bad_lines.jsonl`` (and ``--strict``)."""
    lines = BAD_LINES_FIXTURE.read_bytes().splitlines()
    assert len(lines) == 6
    out = tmp_path / "out"
    done = run_feedlab("publish", CONFIG, "--events", BAD_LINES_FIXTURE, "--to-dir", out)
    assert done.returncode == 0, done.stderr
    _assert_reported(
        done.stderr, {2: "not valid JSON", 4: '"enter" or "exit"', 5: "missing or empty 'email'"}
    )
    assert "3 bad line(s) skipped" in done.stderr
    assert "exported 3 of 3 events" in done.stdout
    assert _data_feed_rows(out) == 3
    strict = tmp_path / "strict"
    refused = run_feedlab(
        "publish", CONFIG, "--events", BAD_LINES_FIXTURE, "--to-dir", strict, "--strict"
    )
    assert refused.returncode == 1 and "line 2:" in refused.stderr
    assert not strict.exists()


def test_fs7_strict_sends_nothing_to_the_server(s3_target: S3Target, tmp_path: Path) -> None:
    config_path, _ = write_inputs(tmp_path, s3_target.config, [])
    events, _, _ = _events_file(tmp_path)
    ops: list[Operation] = []
    unsubscribe = s3_target.server.subscribe(ops.append)
    try:
        done = run_feedlab(
            *publish_args(s3_target, config_path, events), "--strict", env=target_env(s3_target)
        )
    finally:
        unsubscribe()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert ops == [] and s3_target.files() == {}
    # Without --strict the same file delivers the good lines to the bucket.
    ok = run_feedlab(*publish_args(s3_target, config_path, events), env=target_env(s3_target))
    assert ok.returncode == 0, ok.stderr
    assert sorted(map(classify, s3_target.files())) == ["control", "data"]
