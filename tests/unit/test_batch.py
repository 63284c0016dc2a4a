"""FS-6.3/FS-7 as a library: ``read_events`` and the batch workflow ``publish_batch``.

A service gets what ``feedlab publish`` gets: an incomplete batch resumed under
the same names and bytes, a complete one recognised, and a complete one whose
files the target lost reported as such (never "already delivered"), then
written again, exactly what is missing, when asked.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import feedcore
from feedcore.batch import PublishOutcome, journal_default
from feedcore.errors import BadLineError, EventError, IncompleteBatchError, SinkError
from feedcore.events import Event, dump_event
from feedcore.sinks.base import Payload, Sink, SinkEvent
from feedcore.testing.fuzzing import target_losses
from feedlab.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
CONFIG = feedcore.loads_config(
    """
client = "acme"
[flow]
id = 7
name = "Welcome"
segment = "New"
actions = []
[[flow.variants]]
name = "A"
weight = 100
actions = []
[feed]
format = "csv"
target = "s3"
host = "acme-data-feeds"
path = "exports/daily"
max_rows_per_file = 2
"""
)


def _events(enters: int = 6, exits: int = 3) -> bytes:
    events = [Event("enter", f"c{n}@example.com", "A") for n in range(enters)]
    events += [Event("exit", f"c{n}@example.com") for n in range(exits)]
    return b"".join(map(dump_event, events))


EVENTS = _events()


class Writes:
    """Sink listener: the keys actually written (a memory sink's ``put``)."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, event: SinkEvent) -> None:
        if event.action == "put":
            self.keys.append(event.key)


def _publish(
    target: feedcore.TargetSpec, state: Path, events: bytes = EVENTS, **options: Any
) -> PublishOutcome:
    options.setdefault("journal", True)
    options.setdefault("retry", feedcore.RetryPolicy.immediate())
    return feedcore.publish_batch(CONFIG, io.BytesIO(events), target, state_dir=state, **options)


# -- read_events --------------------------------------------------------------------------


def test_fs7_read_events_takes_a_path_stdin_or_a_binary_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = EVENTS + b'{"type": "enter", "email": "z@example.com", "variant": "Z"}\n'
    path = tmp_path / "events.jsonl"
    path.write_bytes(data)
    stream = io.BytesIO(data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    seen = []
    for source in (path, str(path), "-", stream):
        with feedcore.read_events(source, config=CONFIG) as reader:
            assert reader.digest == hashlib.sha256(data).digest()
            seen.append([e.email for e in reader])
            (problem,) = reader.problems  # the unknown variant, from the config
            assert problem.line == 10 and "'Z' is not configured" in problem.message
    assert all(emails == seen[0] for emails in seen) and len(seen[0]) == 9
    assert not stream.closed  # the caller's stream stays the caller's
    with feedcore.read_events(io.BytesIO(data), digest=False) as reader:
        assert reader.digest is None and len(list(reader)) == 10  # no config: any variant


def test_fs7_read_events_refuses_a_text_stream_and_strict_stops_at_the_first_bad_line() -> None:
    with (
        pytest.raises(EventError, match="binary mode"),
        feedcore.read_events(io.StringIO("{}")),  # type: ignore[arg-type]
    ):
        pass
    bad = EVENTS.replace(b"\n", b"\nnot json\n", 1)
    with (
        feedcore.read_events(io.BytesIO(bad), strict=True) as reader,
        pytest.raises(BadLineError) as caught,
    ):
        list(reader)
    assert caught.value.problem.line == 2 and "--" not in str(caught.value)


# -- the batch workflow --------------------------------------------------------------------


def test_fs6_3_a_rerun_of_a_complete_batch_at_the_target_writes_nothing(tmp_path: Path) -> None:
    target = feedcore.MemoryTarget()
    first = _publish(target, tmp_path)
    assert first.status == "delivered" and first.ok and first.key is not None
    assert len(first.files) == 5 and len(target.objects) == 10  # 3 add + 2 remove, each + control
    before = dict(target.objects)
    writes = Writes()
    again = _publish(target, tmp_path, listeners=[writes])
    assert again.status == "already-delivered" and again.result is None
    assert again.key == first.key and again.missing == ()
    assert [f.control_key for f in again.files] == [f.control_key for f in first.files]
    assert writes.keys == [] and target.objects == before


def test_fs6_3_a_complete_batch_whose_control_files_are_gone_is_missing_at_target(
    tmp_path: Path,
) -> None:
    """Acceptance (issue 11): files removed at the target are reported as exactly that."""
    target = feedcore.MemoryTarget()
    first = _publish(target, tmp_path)
    gone = [first.files[1].control_key, first.files[3].control_key]
    for key in gone:
        del target.objects[key]
    record = first.journal_path.read_bytes() if first.journal_path else b""
    writes = Writes()
    outcome = _publish(target, tmp_path, listeners=[writes])
    assert outcome.status == "missing-at-target" and not outcome.ok
    assert outcome.missing == tuple(gone) and len(outcome.files) == 5
    assert writes.keys == [] and outcome.result is None
    assert first.journal_path is not None and first.journal_path.read_bytes() == record


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(losses=target_losses(5))
def test_fs6_3_resend_writes_exactly_what_the_target_lost_with_identical_bytes(
    losses: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as state:
        target = feedcore.MemoryTarget()
        first = _publish(target, Path(state))
        delivered = dict(target.objects)
        lost: list[str] = []
        for file, loss in zip(first.files, losses, strict=True):
            keys = {"kept": [], "control": [file.control_key]}.get(
                loss, [file.data_key, file.control_key]
            )
            for key in keys:
                del target.objects[key]
            lost += keys
        writes = Writes()
        resent = _publish(target, Path(state), resend_missing=True, listeners=[writes])
        assert resent.status == "resent" and resent.ok
        assert set(resent.missing) == {k for k in lost if k.endswith(".json")}
        assert sorted(writes.keys) == sorted(lost)  # nothing else was sent
        assert target.objects == delivered  # same names, same bytes
        assert _publish(target, Path(state)).status == "already-delivered"


class FailOnSecondPut:
    """A sink wrapper that refuses its second write (not retried: a plain SinkError)."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.label = sink.label
        self.puts = 0

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None:
        self.puts += 1
        if self.puts == 2:
            raise SinkError(f"refused {key}")
        self.sink.put(key, payload, exclusive=exclusive)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sink, name)


def test_fs6_3_a_failed_delivery_is_incomplete_and_the_next_publish_resumes_it(
    tmp_path: Path,
) -> None:
    target = feedcore.MemoryTarget()
    planned: list[str] = []

    class Watch:
        def planned(self, names: Any, data_keys: list[str]) -> None:
            planned.extend(data_keys)

        def delivered(self, file: feedcore.DeliveredFile) -> None: ...

        def finished(self, result: feedcore.BatchResult) -> None: ...

    with feedcore.open_sink(target) as sink:
        failing = FailOnSecondPut(sink)
        with pytest.raises(IncompleteBatchError) as caught:
            _publish(target, tmp_path, sink=failing, observer=Watch())
    assert isinstance(caught.value.__cause__, SinkError) and len(caught.value.key) == 64
    assert "publishing the same batch again finishes it" in str(caught.value)
    assert len(planned) == 5 and list(target.objects) == [planned[0]]
    resumed = _publish(target, tmp_path)
    assert resumed.status == "resumed" and resumed.key == caught.value.key
    assert [f.data_key for f in resumed.files] == planned  # the first run's names
    assert len(target.objects) == 10
    assert _publish(target, tmp_path).status == "already-delivered"


def test_fs6_3_new_batch_and_chosen_names_are_part_of_the_key(tmp_path: Path) -> None:
    target = feedcore.MemoryTarget()
    first = _publish(target, tmp_path, at=AT, seed=3)
    assert first.files[0].data_key.endswith("_20261127030000.csv")
    assert _publish(target, tmp_path, at=AT, seed=3).status == "already-delivered"
    other = _publish(target, tmp_path, at=AT, seed=4)
    assert other.status == "delivered" and other.key != first.key
    again = _publish(target, tmp_path, at=AT, seed=3, new_batch=True)
    assert again.status == "delivered" and again.key == first.key  # same names: a seed
    assert len(target.objects) == 20


def test_fs6_3_a_preview_or_memory_target_keeps_no_journal_by_default(tmp_path: Path) -> None:
    """Acceptance (issue 11): a preview deleted, then published again, is written again."""
    assert journal_default(feedcore.S3Target("b")) is True
    sftp = feedcore.SFTPTarget("h", username="u", known_hosts=tmp_path / "k")
    assert journal_default(sftp) is True
    assert journal_default(feedcore.MemoryTarget()) is False
    preview = feedcore.LocalTarget(tmp_path / "out")
    state = tmp_path / "state"
    for _ in range(2):
        outcome = _publish(preview, state, journal=None)
        assert outcome.status == "delivered" and outcome.key is None
        assert len([p for p in (tmp_path / "out").rglob("*") if p.is_file()]) == 10
        for path in sorted((tmp_path / "out").rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    assert not state.exists()


def test_fs6_3_arguments_that_contradict_each_other_are_refused(tmp_path: Path) -> None:
    target = feedcore.MemoryTarget()
    with pytest.raises(ValueError, match="resend_missing needs the journal"):
        _publish(target, tmp_path, journal=False, resend_missing=True)
    with (
        feedcore.open_sink(target) as sink,
        pytest.raises(ValueError, match="listeners"),
    ):
        _publish(target, tmp_path, sink=sink, listeners=[Writes()])
    assert target.objects == {}


# -- library terms -------------------------------------------------------------------------

#: Modules that write commands for other programs (the generated poller script, bq load
#: lines, the demo page's poller commands): their flags are those programs', not feedlab's.
OTHER_PROGRAMS = {"poller.py", "loaders.py", "demo_html.py"}


def _feedlab_flags() -> set[str]:
    parser = build_parser()
    flags: set[str] = set()
    for action in parser._actions:  # the subcommands' parsers hang off one action
        choices = action.choices if isinstance(action.choices, dict) else {}
        for sub in choices.values():
            for sub_action in sub._actions:
                flags.update(s for s in sub_action.option_strings if s.startswith("--"))
    return flags - {"--help", "--verbose"}


def _message_strings(path: Path) -> list[str]:
    """String constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def test_library_messages_name_no_command_line_flag() -> None:
    flags = _feedlab_flags()
    assert {"--new-batch", "--strict", "--state-dir", "--no-journal", "--exits"} <= flags
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(flags))) + r")(?![\w-])")
    found = {
        f"{path.relative_to(ROOT)}: {match.group(1)}"
        for path in sorted((ROOT / "feedcore").rglob("*.py"))
        if path.name not in OTHER_PROGRAMS
        for text in _message_strings(path)
        for match in pattern.finditer(text)
    }
    assert found == set()


@pytest.mark.parametrize(
    "prefix",
    ["", "a", "a/", "a/b", "a/b/", "a/b/c.csv", "a/bc", "a/b/c", "b/", "../a/", "a//b/", "./a/"],
)
def test_a_local_listing_of_a_prefix_is_the_memory_listing(tmp_path: Path, prefix: str) -> None:
    """The local sink walks only the prefix's folder, and lists what a memory sink lists."""
    keys = ["a/b/c.csv", "a/b/c.json", "a/bc/d.csv", "a/x.csv", "b/y.csv", "top.csv"]
    local = feedcore.LocalSink(tmp_path)
    memory = feedcore.MemorySink()
    for key in keys:
        for sink in (local, memory):
            sink.put(key, Payload.from_bytes(key.encode()))
    assert sorted(local.list(prefix), key=str) == sorted(memory.list(prefix), key=str)
