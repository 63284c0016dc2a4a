"""FS-7: the JSON Lines event reader.

Every kind of bad line is reported with its line number and skipped; with
``strict=True`` the first one raises :class:`EventError` (and, through the
writer, nothing is written). No message ever contains the raw address.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedcore.config import load_config
from feedcore.errors import EventError
from feedcore.events import MAX_LINE_BYTES, Event, EventReader, dump_event, parse_event
from feedcore.sinks import MemorySink
from feedcore.testing import strategies as fs
from feedcore.writer import FeedWriter

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "fixtures" / "events"
VARIANTS = ("A", "B")


def good(n: int, **extra: object) -> bytes:
    record: dict[str, object] = {
        "type": "enter",
        "email": f"good{n}@example.com",
        "attributes": {"plan": "pro"},
    }
    record.update(extra)
    return json.dumps(record).encode() + b"\n"


#: (kind, the bad line, a fragment of its message). Each bad line carries a
#: distinct address ``secretN@example.com`` that must never be echoed.
BAD_LINES = [
    ("malformed JSON", b'{"type": "enter", "email": "secret1@example.com"\n', "not valid JSON"),
    (
        "unknown type",
        b'{"type": "join", "email": "secret2@example.com"}\n',
        '\'join\' is not "enter" or "exit"',
    ),
    ("missing type", b'{"email": "secret3@example.com"}\n', "missing 'type'"),
    ("missing email", b'{"type": "enter", "attributes": {"plan": "pro"}}\n', "'email'"),
    ("empty email", b'{"type": "enter", "email": "   "}\n', "'email'"),
    ("email without @", b'{"type": "enter", "email": "secret4.example.com"}\n', "no '@'"),
    (
        "variant not configured",
        b'{"type": "enter", "email": "secret5@example.com", "variant": "C"}\n',
        "'C' is not configured",
    ),
    (
        "variant not a string",
        b'{"type": "enter", "email": "secret6@example.com", "variant": 1}\n',
        "'variant'",
    ),
    ("invalid UTF-8", b'{"type": "enter", "email": "secret7\xff@example.com"}\n', "UTF-8"),
    (
        "10 MB attribute",
        b'{"type": "enter", "email": "secret8@example.com", "attributes": {"bio": "'
        + b"x" * (10 * 1024 * 1024)
        + b'"}}\n',
        f"{MAX_LINE_BYTES:,}",
    ),
    ("non-object", b'["enter", "secret9@example.com"]\n', "expected a JSON object"),
    (
        "unknown key",
        b'{"type": "enter", "email": "secret10@example.com", "attribtues": {}}\n',
        "'attribtues'",
    ),
    (
        "lone surrogate escape",
        b'{"type": "enter", "email": "secret11@example.com", "attributes": {"n": "\\ud800"}}\n',
        "not valid JSON",
    ),
    (
        "lone low surrogate escape",
        b'{"type": "enter", "email": "secret12@example.com", "attributes": {"n": "\\udc00x"}}\n',
        "not valid JSON",
    ),
    (
        "attributes not an object",
        b'{"type": "exit", "email": "secret13@example.com", "attributes": [1]}\n',
        "'attributes'",
    ),
    # Misplaced addresses: a line whose fields are shifted must not leak them.
    (
        "address in type",
        b'{"type": "secret14@example.com", "email": "enter"}\n',
        'is not "enter" or "exit"',
    ),
    (
        "address in variant",
        b'{"type": "enter", "email": "x@example.com", "variant": "secret15@example.com"}\n',
        "is not configured",
    ),
    (
        "address as a key",
        b'{"type": "enter", "email": "x@example.com", "secret16@example.com": true}\n',
        "unknown key",
    ),
]


@pytest.mark.parametrize(("kind", "line", "fragment"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_fs7_bad_line_is_reported_with_its_number_and_skipped(
    kind: str, line: bytes, fragment: str
) -> None:
    lines = [good(1), b"\n", line, good(2)]
    reader = EventReader(lines, variants=VARIANTS)
    events = list(reader)
    assert [e.email for e in events] == ["good1@example.com", "good2@example.com"]
    assert reader.count == 2
    (problem,) = reader.problems
    assert problem.line == 3, "blank lines count in the numbering"
    assert fragment in problem.message
    text = str(problem)
    assert text.startswith("line 3: ") and "FS-7" in text
    assert "secret" not in text and "@example.com" not in text, "never the raw address"
    assert len(text) < 300, "never the line itself"


@pytest.mark.parametrize(("kind", "line", "fragment"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_fs7_strict_raises_at_the_first_bad_line(kind: str, line: bytes, fragment: str) -> None:
    consumed: list[int] = []

    def lines() -> Iterator[bytes]:
        for number, raw in enumerate([good(1), line, good(2), good(3)], start=1):
            consumed.append(number)
            yield raw

    reader = EventReader(lines(), variants=VARIANTS, strict=True, source="in.jsonl")
    seen: list[Event] = []
    with pytest.raises(EventError) as info:
        for event in reader:
            seen.append(event)
    message = str(info.value)
    assert "in.jsonl" in message and "line 2" in message and fragment in message
    assert "secret" not in message
    assert [e.email for e in seen] == ["good1@example.com"]
    assert consumed == [1, 2], "stops at the bad line"


def test_fs7_strict_export_writes_nothing() -> None:
    config = load_config(ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml")
    lines = [good(1, variant="A"), good(2), BAD_LINES[0][1], good(3)]
    reader = EventReader(lines, variants=VARIANTS, strict=True)
    sink = MemorySink()
    with pytest.raises(EventError):
        FeedWriter(config, sink, seed=1).export(reader, at=datetime(2026, 11, 27, tzinfo=UTC))
    assert sink.objects == {}


def test_fs7_non_strict_export_delivers_the_good_lines() -> None:
    config = load_config(ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml")
    lines = (EVENTS / "bad_lines.jsonl").read_bytes().splitlines(keepends=True)
    reader = EventReader(lines, variants=VARIANTS)
    sink = MemorySink()
    result = FeedWriter(config, sink, seed=1).export(reader, at=datetime(2026, 11, 27, tzinfo=UTC))
    assert [p.line for p in reader.problems] == [2, 4, 5]
    messages = [p.message for p in reader.problems]
    assert "not valid JSON" in messages[0]
    assert "'join'" in messages[1]
    assert "'email'" in messages[2]
    assert result.events == 3 and result.exported == 3
    assert result.rows == (1 + 2) + (1 + 1) + (1 + 2)  # A, B, then A exiting


def test_fs7_bad_lines_fixture_has_three_bad_lines_among_good_ones() -> None:
    lines = (EVENTS / "bad_lines.jsonl").read_bytes().splitlines(keepends=True)
    reader = EventReader(lines, variants=VARIANTS)
    assert reader.count == 0 and len(list(reader)) == 3 and len(reader.problems) == 3


@pytest.mark.parametrize("name", ["welcome.jsonl", "hostile.jsonl"])
def test_fs7_event_fixtures_are_all_good(name: str) -> None:
    lines = (EVENTS / name).read_bytes().splitlines(keepends=True)
    reader = EventReader(lines, variants=VARIANTS, strict=True)
    assert len(list(reader)) == len([line for line in lines if line.strip()])


def test_fs7_variants_unchecked_without_a_list() -> None:
    event = parse_event(b'{"type": "exit", "email": "a@example.com", "variant": "Z"}')
    assert (event.type, event.operation, event.variant) == ("exit", "remove", "Z")


def test_fs7_optional_fields_default() -> None:
    event = parse_event(b'{"type": "enter", "email": " a@example.com "}\r\n', VARIANTS)
    assert event == Event("enter", " a@example.com ", None, {})
    assert event.operation == "add"


def test_fs7_surrogate_pair_escape_is_fine() -> None:
    line = b'{"type": "enter", "email": "a@example.com", "attributes": {"n": "\\ud83d\\ude00"}}'
    assert parse_event(line).attributes == {"n": "😀"}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_fs7_dump_event_then_parse_round_trips(data: st.DataObject) -> None:
    config = data.draw(fs.configs())
    for event in data.draw(fs.events_for(config, min_size=1)):
        line = dump_event(event)
        assert line.endswith(b"\n") and line.count(b"\n") == 1, "one event, one line"
        assert parse_event(line) == event
