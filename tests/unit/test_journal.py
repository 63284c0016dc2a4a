"""FS-6.3: the batch journal makes a plain rerun of ``feedlab publish`` idempotent.

Library level: the batch key, atomic records, the lock, resuming names; its
messages speak in library terms. CLI level (in-process ``main``, a local
folder with ``--journal`` as the target): a rerun writes nothing and says so,
``--new-batch`` exports again, ``--no-journal`` is the old behaviour, standard
input is journaled too, and the library's errors come out naming the flags.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedcore.config import dumps_config, load_config
from feedcore.errors import BatchLockedError, JournalReadError, JournalWriteError
from feedcore.events import EventReader
from feedcore.journal import (
    STATE_ENV,
    BatchJournal,
    BatchRecord,
    JournalObserver,
    batch_key,
    default_state_dir,
)
from feedcore.sinks.memory import MemorySink
from feedcore.writer import BatchNames, FeedWriter
from feedlab.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
EVENTS = ROOT / "fixtures" / "events" / "welcome.jsonl"


def _key(config_text: str | None = None, events: bytes = b"e", target: str = "t", **kw: str) -> str:
    from feedcore.config import loads_config

    config = loads_config(config_text) if config_text else load_config(CONFIG)
    return batch_key(config, hashlib.sha256(events).digest(), target, **kw)


def test_fs6_3_batch_key_ignores_formatting_but_not_content() -> None:
    text = CONFIG.read_text()
    reordered = "# a comment\n" + dumps_config(load_config(CONFIG))
    base = _key(text)
    assert _key(reordered) == base  # canonical TOML: comments and layout do not matter
    assert _key(text, events=b"other") != base
    assert _key(text, target="s3://other") != base
    assert _key(text, at="2026-11-27T03:00:00Z") != base
    assert _key(text, seed="7") != base
    assert _key(text.replace("Welcome Series", "Welcome series")) != base
    assert len(base) == 64 and all(c in "0123456789abcdef" for c in base)


def test_fs6_3_default_state_dir_precedence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "explicit"))
    assert default_state_dir() == tmp_path / "explicit"
    monkeypatch.delenv(STATE_ENV)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_state_dir() == tmp_path / "xdg" / "feedlab" / "batches"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_state_dir() == tmp_path / "home" / ".local" / "state" / "feedlab" / "batches"


def test_fs6_3_records_are_written_atomically_and_read_back(tmp_path: Path) -> None:
    journal = BatchJournal(tmp_path / "state")
    record = BatchRecord(key="a" * 64, at="2026-11-27T03:00:00+00:00", seed=None, target="t")
    record.random_parts = {"add/0": "0a1b2c3d"}
    journal.save(record)
    assert sorted(p.name for p in journal.directory.iterdir()) == [f"{'a' * 64}.json"]
    assert journal.load("a" * 64) == record
    assert journal.load("b" * 64) is None
    assert oct(journal.directory.stat().st_mode & 0o777) == "0o700"


def test_fs6_3_a_failed_write_leaves_the_old_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = BatchJournal(tmp_path)
    record = BatchRecord(key="c" * 64, at="2026-11-27T03:00:00+00:00", seed=1, target="t")
    journal.save(record)
    before = journal.path(record.key).read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    record.status = "complete"
    with pytest.raises(JournalWriteError, match="No space left") as caught:
        journal.save(record)
    monkeypatch.undo()
    assert "another state folder" in str(caught.value) and "--" not in str(caught.value)
    assert journal.path(record.key).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [f"{'c' * 64}.json"]  # no temp file left


@pytest.mark.parametrize("content", ["{not json", '{"version": 2}', '{"version": 1}', "[]"])
def test_fs6_3_an_unreadable_record_is_refused_not_ignored(tmp_path: Path, content: str) -> None:
    journal = BatchJournal(tmp_path)
    journal.path("d" * 64).write_text(content)
    with pytest.raises(JournalReadError, match="as a new batch") as caught:
        journal.load("d" * 64)
    assert "--" not in str(caught.value)  # library terms: the CLI names its flag


def test_fs6_3_a_second_run_of_the_same_batch_is_refused_while_the_first_holds_the_lock(
    tmp_path: Path,
) -> None:
    journal = BatchJournal(tmp_path)
    key = "e" * 64
    with (
        journal.lock(key),
        pytest.raises(BatchLockedError, match="another publish of this batch"),
        journal.lock(key),
    ):
        pass
    with journal.lock("e" * 64):  # released
        pass


def test_fs6_3_resumed_names_are_the_first_run_names_without_a_seed(tmp_path: Path) -> None:
    config = load_config(CONFIG)
    at = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    journal = BatchJournal(tmp_path)
    record = BatchRecord(key="f" * 64, at=at.isoformat(), seed=None, target="t")
    first = MemorySink()
    with EVENTS.open("rb") as stream:
        FeedWriter(config, first).export(
            EventReader(stream, variants={"A", "B"}),
            names=BatchNames(config, at, None),
            observer=JournalObserver(journal, record),
        )
    saved = journal.load(record.key)
    assert saved is not None and saved.complete and len(saved.files) == 2
    again = MemorySink()
    with EVENTS.open("rb") as stream:
        FeedWriter(config, again).export(
            EventReader(stream, variants={"A", "B"}), names=saved.names(config)
        )
    assert again.objects == first.objects


def test_fs6_3_batch_names_refuse_malformed_random_parts() -> None:
    config = load_config(CONFIG)
    at = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    for drawn in ({"add/0": "XYZ"}, {"sideways/0": "0a1b2c3d"}, {"add/x": "0a1b2c3d"}):
        with pytest.raises(ValueError):
            BatchNames(config, at, None, drawn=drawn)


# -- the command line -------------------------------------------------------------------


def _publish(tmp_path: Path, *extra: str, events: Path = EVENTS, journal: bool = True) -> list[str]:
    """``publish`` into ``tmp_path/out``; with the journal a preview opts into (``--journal``)."""
    out = tmp_path / "out"
    return [
        "publish",
        str(CONFIG),
        "--events",
        str(events),
        "--to-dir",
        str(out),
        *(["--journal"] if journal else []),
        *extra,
    ]


def _files(tmp_path: Path) -> dict[str, bytes]:
    root = tmp_path / "out"
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_fs6_3_a_plain_rerun_writes_nothing_and_lists_what_was_delivered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_state_dir: Path
) -> None:
    assert main(_publish(tmp_path)) == 0
    first = _files(tmp_path)
    first_out = capsys.readouterr().out
    assert len(first) == 4
    stamps = {p: os.stat(tmp_path / "out" / p).st_mtime_ns for p in first}

    assert main(_publish(tmp_path)) == 0
    out = capsys.readouterr().out
    assert out.startswith("already delivered: batch ")
    assert "--new-batch" in out
    for line in first_out.splitlines()[:2]:  # the files, as the first run listed them
        assert line in out
    assert _files(tmp_path) == first
    assert {p: os.stat(tmp_path / "out" / p).st_mtime_ns for p in first} == stamps
    (record,) = [json.loads(p.read_text()) for p in isolated_state_dir.glob("*.json")]
    assert record["status"] == "complete" and record["seed"] is None


def test_fs6_3_new_batch_exports_again_under_new_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_publish(tmp_path)) == 0
    assert main(_publish(tmp_path, "--new-batch")) == 0
    assert len(_files(tmp_path)) == 8
    assert main(_publish(tmp_path)) == 0  # and that one is now the journaled batch
    assert len(_files(tmp_path)) == 8
    assert "already delivered" in capsys.readouterr().out


def test_fs6_3_no_journal_is_the_unjournaled_behaviour(
    tmp_path: Path, isolated_state_dir: Path
) -> None:
    assert main(_publish(tmp_path, "--no-journal", journal=False)) == 0
    assert main(_publish(tmp_path, "--no-journal", journal=False)) == 0
    assert len(_files(tmp_path)) == 8  # two batches: names drawn afresh each run
    assert not isolated_state_dir.exists()


def test_fs6_3_state_dir_option_wins_over_the_environment(
    tmp_path: Path, isolated_state_dir: Path
) -> None:
    chosen = tmp_path / "chosen"
    assert main(_publish(tmp_path, "--state-dir", str(chosen))) == 0
    assert len(list(chosen.glob("*.json"))) == 1
    assert not isolated_state_dir.exists()


def test_fs6_3_events_from_stdin_are_journaled_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = EVENTS.read_bytes()
    for _ in range(2):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        assert main(_publish(tmp_path, events=Path("-"))) == 0
    assert len(_files(tmp_path)) == 4
    assert "already delivered" in capsys.readouterr().out


def test_fs6_3_publish_help_documents_the_journal(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["publish", "--help"])
    text = capsys.readouterr().out
    for fragment in (
        "batch journal",
        "--state-dir",
        "--no-journal",
        "--journal ",
        "--new-batch",
        "--resend-missing",
        "exit status",
        STATE_ENV,
    ):
        assert fragment in text


def test_fs6_3_library_errors_come_out_naming_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_state_dir: Path
) -> None:
    """The library says "a new batch"; the command line says which flag that is."""
    assert main(_publish(tmp_path)) == 0
    (record,) = isolated_state_dir.glob("*.json")
    record.write_text("{not json")
    capsys.readouterr()
    assert main(_publish(tmp_path)) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "pass --new-batch" in err, err
    assert main(_publish(tmp_path, "--new-batch")) == 0

    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    assert main(_publish(tmp_path, "--state-dir", str(not_a_folder / "state"))) == 1
    err = capsys.readouterr().err
    assert "--state-dir" in err and "--no-journal" in err, err


def test_fs7_strict_stop_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(EVENTS.read_bytes() + b"{not json\n")
    assert main(_publish(tmp_path, "--strict", events=bad)) == 1
    err = capsys.readouterr().err
    assert "(--strict: stopped before writing anything)" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_fs6_3_a_preview_keeps_no_journal_so_a_deleted_preview_is_written_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_state_dir: Path
) -> None:
    """Acceptance (issue 11): preview deleted, then rerun, writes the files."""
    import shutil

    preview = _publish(tmp_path, journal=False)
    assert main(preview) == 0
    assert len(_files(tmp_path)) == 4
    shutil.rmtree(tmp_path / "out")
    capsys.readouterr()
    assert main(preview) == 0
    assert "exported" in capsys.readouterr().out
    assert len(_files(tmp_path)) == 4
    assert not isolated_state_dir.exists()  # no journal was kept for it


def test_fs6_3_resend_missing_needs_a_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_publish(tmp_path, "--resend-missing", journal=False)) == 2
    assert "--resend-missing needs the batch journal" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
