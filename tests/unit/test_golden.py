"""Golden files: fixed events, seed and time give exactly the committed bytes.

Each case exports event fixtures from ``fixtures/events/`` with one config from
``fixtures/feeds/`` (one batch per events file, a day apart) into a
:class:`LocalSink`, laid out as ``simulate --out`` does:
``fixtures/golden/{format}/{config}/{bucket or hostname}/{path}/YYYY/MM/DD/...``.
Every file must match its golden copy byte for byte, and the set of files must
be the same.

To regenerate after an intended change to the output (review the diff!)::

    FEEDLAB_REGEN_GOLDEN=1 .venv/bin/pytest tests/unit/test_golden.py -p no:cacheprovider

With ``FEEDLAB_REGEN_GOLDEN=1`` the golden tree of every case is replaced by
what the writer produces now, then compared as usual.
"""

from __future__ import annotations

import difflib
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedcore.config import FeedConfig, load_config
from feedcore.events import Event, EventReader
from feedcore.sinks import LocalSink
from feedcore.writer import FeedWriter

ROOT = Path(__file__).resolve().parents[2]
FEEDS = ROOT / "fixtures" / "feeds"
EVENTS = ROOT / "fixtures" / "events"
GOLDEN = ROOT / "fixtures" / "golden"

SEED = "golden"
AT = datetime(2026, 11, 27, 3, 0, 0, tzinfo=UTC)
REGEN = os.environ.get("FEEDLAB_REGEN_GOLDEN") == "1"


@dataclass(frozen=True)
class Case:
    config: str
    events: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.config.removesuffix(".toml")


CASES = [
    Case("welcome_csv_s3.toml", ("welcome.jsonl", "hostile.jsonl")),
    Case("welcome_tsv_sftp.toml", ("welcome.jsonl", "hostile.jsonl")),
    Case("welcome_jsonl_s3.toml", ("welcome.jsonl", "hostile.jsonl")),
    Case("hashed_csv_sftp.toml", ("welcome.jsonl", "hostile.jsonl")),
    Case("plain_jsonl_s3_nopath.toml", ("hostile.jsonl",)),
]


def read_events(config: FeedConfig, name: str) -> EventReader:
    """Strict: a fixture with a bad line is a broken fixture."""
    lines = (EVENTS / name).read_bytes().splitlines(keepends=True)
    variants = [v.name for v in config.flow.variants]
    return EventReader(lines, variants=variants, strict=True, source=name)


def export_case(case: Case, out: Path, *, as_objects: bool = False) -> Path:
    """Export every events file of ``case`` under ``out/{bucket or hostname}``."""
    config = load_config(FEEDS / case.config)
    root = out / config.feed.hostname.strip("[]")
    writer = FeedWriter(config, LocalSink(root), seed=SEED)
    for day, name in enumerate(case.events):
        reader = read_events(config, name)
        events: EventReader | list[Event] = list(reader) if as_objects else reader
        writer.export(events, at=AT + timedelta(days=day))
    return out


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def describe_difference(name: str, want: bytes, got: bytes) -> str:
    diff = difflib.unified_diff(
        want.decode("utf-8", "replace").splitlines(keepends=True),
        got.decode("utf-8", "replace").splitlines(keepends=True),
        f"golden/{name}",
        f"written/{name}",
    )
    return "".join(list(diff)[:40])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fs3_fs4_fs5_export_matches_golden_files_byte_for_byte(case: Case, tmp_path: Path) -> None:
    config = load_config(FEEDS / case.config)
    golden = GOLDEN / config.feed.format / case.id
    written = tree(export_case(case, tmp_path))
    assert written, "the case writes files"
    assert not [k for k in written if k.rpartition("/")[2].startswith(".")], "no temp files"
    if REGEN:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(tmp_path, golden)
    assert golden.is_dir(), f"no golden files for {case.id}: run with FEEDLAB_REGEN_GOLDEN=1"
    expected = tree(golden)
    assert sorted(written) == sorted(expected), "the same files under the same names"
    for name, want in expected.items():
        got = written[name]
        assert got == want, describe_difference(name, want, got)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fs8_event_objects_and_event_lines_write_the_same_golden_bytes(
    case: Case, tmp_path: Path
) -> None:
    """The writer's fused JSON Lines path and the Event path agree on the fixtures."""
    from_lines = tree(export_case(case, tmp_path / "lines"))
    from_objects = tree(export_case(case, tmp_path / "objects", as_objects=True))
    assert from_lines == from_objects


def test_golden_cases_cover_every_format_and_target() -> None:
    configs = [load_config(FEEDS / case.config) for case in CASES]
    assert {c.feed.format for c in configs} == {"csv", "tsv", "jsonl"}
    assert {c.feed.target for c in configs} == {"s3", "sftp"}
    assert any(c.feed.hash_identity for c in configs)
    assert any(not c.flow.variants for c in configs)
    assert any(c.feed.path == "" for c in configs)
