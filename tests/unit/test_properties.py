"""Hypothesis properties of whole exports: any valid config, any events (FS-2 to FS-6, FS-8).

Every file the writer delivers into a :class:`MemorySink` must parse back, with
nothing but the standard library, to exactly the rows :class:`RowBuilder`
builds for the same events; names, folders and control files must follow the
spec; hashed feeds must not leak an address; runs must be reproducible.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedcore import naming
from feedcore.config import FeedConfig, parse_config
from feedcore.control import CHECKSUM_KEYS, FILE_KEYS, TOP_KEYS
from feedcore.encoders import encode_rows
from feedcore.engine import Engine
from feedcore.events import Event, EventReader, dump_event
from feedcore.identity import normalise
from feedcore.rows import ContactRows, RowBuilder
from feedcore.rules import STANDARD_COLUMNS
from feedcore.sinks import MemorySink
from feedcore.testing import strategies as fs
from feedcore.writer import BatchResult, FeedWriter

#: Examples per property; raise it for a bug hunt: FEEDLAB_HYPOTHESIS_EXAMPLES=2000 pytest ...
PROPERTY = settings(
    max_examples=int(os.environ.get("FEEDLAB_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Row = list[str | None]


# ---------------------------------------------------------------------------- helpers


def export(
    config: FeedConfig, events: Sequence[Event], at: datetime, seed: int | str
) -> tuple[MemorySink, BatchResult]:
    sink = MemorySink()
    result = FeedWriter(config, sink, seed=seed).export(list(events), at=at)
    return sink, result


def built_rows(config: FeedConfig, events: Sequence[Event], at: datetime) -> dict[str, list[Row]]:
    """The reference: RowBuilder's rows per operation, in event order."""
    builder = RowBuilder(config)
    timestamp = naming.row_timestamp(at)
    out: dict[str, list[Row]] = {"add": [], "remove": []}
    for event in events:
        contact = builder.build(event)
        if contact is None:
            continue
        rows = contact.rows(timestamp, config.flow.segment, config.flow.name)
        out[contact.operation].extend(list(row) for row in rows)
    return out


def parse_data(fmt: str, data: bytes, columns: Sequence[str]) -> list[Row]:
    """Parse a data file with the stdlib only; check the header (CSV/TSV) and key order."""
    assert not data.startswith(b"\xef\xbb\xbf"), "FS-3: no BOM"
    text = data.decode("utf-8")
    if fmt == "jsonl":
        assert text == "" or text.endswith("\n")
        records: list[Row] = []
        for line in text.split("\n")[:-1]:
            obj = json.loads(line)
            assert isinstance(obj, dict)
            assert list(obj) == list(columns), "FS-3.3: keys in column order"
            assert all(v is None or isinstance(v, str) for v in obj.values()), "FS-3.3"
            records.append(list(obj.values()))
        return records
    assert text.endswith("\r\n"), "FS-3.1: CRLF line ends"
    dialect = "excel" if fmt == "csv" else "excel-tab"
    parsed = list(csv.reader(io.StringIO(text, newline=""), dialect=dialect))
    assert parsed[0] == list(columns), "FS-2.1: header row"
    return [list(r) for r in parsed[1:]]


def as_written(fmt: str, rows: list[Row]) -> list[Row]:
    """FS-2.7: None is null in JSONL and an empty field in CSV/TSV."""
    if fmt == "jsonl":
        return rows
    return [["" if v is None else v for v in row] for row in rows]


def data_files(result: BatchResult, operation: str) -> list[str]:
    return [f.data_key for f in result.files if f.operation == operation]


@st.composite
def exports(draw: st.DrawFn, *, extensions: bool = False) -> tuple[Any, ...]:
    config = draw(fs.configs(extensions=extensions))
    events = draw(fs.events_for(config))
    return config, events, draw(fs.export_times), draw(fs.seeds)


# ------------------------------------------------------------------------- properties


@PROPERTY
@given(exports(extensions=True))
def test_fs3_fs2_files_parse_back_to_exactly_the_built_rows(case: tuple[Any, ...]) -> None:
    """FS-2.1/2.4/2.7, FS-3.1-3.4: csv (excel, excel-tab) / json.loads give the built rows."""
    config, events, at, seed = case
    sink, result = export(config, events, at, seed)
    expected = built_rows(config, events, at)
    fmt = config.feed.format
    stamp = naming.row_timestamp(at)
    for operation in naming.OPERATIONS:
        parsed: list[Row] = []
        for key in data_files(result, operation):
            records = parse_data(fmt, sink.read(key), config.columns)
            limit = config.feed.max_rows_per_file
            assert limit is None or len(records) <= limit, "FS-5.2 max_rows_per_file"
            assert records[0][4] == "data_feed", "a contact's rows never straddle two files"
            parsed.extend(records)
        assert parsed == as_written(fmt, expected[operation])
        assert all(row[1] == stamp for row in parsed), "FS-2.4: one timestamp, the export time"
        assert all(row[6] == operation for row in parsed), "FS-2.3: one operation per file"


@PROPERTY
@given(exports(extensions=True))
def test_fs4_1_fs4_2_fs4_3_names_and_folders(case: tuple[Any, ...]) -> None:
    config, events, at, seed = case
    sink, result = export(config, events, at, seed)
    folder = naming.folder(config.feed.path, at)
    data_keys = {f.data_key for f in result.files}
    control_keys = {f.control_key for f in result.files}
    assert set(sink.objects) == data_keys | control_keys
    for delivered in result.files:
        where, _, name = delivered.data_key.rpartition("/")
        assert where == folder, "FS-4.3"
        assert naming.DATA_NAME_RE.fullmatch(name), f"FS-4.1: {name!r}"
        parts = naming.parse_data_name(name)
        assert parts is not None
        assert (parts.client, parts.flow_id, parts.operation) == (
            config.client,
            config.flow.id,
            delivered.operation,
        )
        assert parts.fmt == config.feed.format
        assert parts.at == naming.as_utc(at).replace(microsecond=0), "FS-4.1 YmdHMS is UTC"
        assert delivered.control_key == f"{folder}/{naming.control_file_name(name)}", "FS-4.2"
        assert naming.data_stem_of_control(delivered.control_key.rpartition("/")[2])


@PROPERTY
@given(exports(extensions=True))
def test_fs5_1_control_file_keys_and_rows_match_the_data_file(case: tuple[Any, ...]) -> None:
    config, events, at, seed = case
    sink, result = export(config, events, at, seed)
    feed = config.feed
    for delivered in result.files:
        raw = sink.read(delivered.control_key)
        document = json.loads(raw.decode("utf-8"))
        assert tuple(document) == TOP_KEYS
        assert document["delta"] is True and document["file_count"] == 1
        assert len(document["files"]) == 1
        entry = document["files"][0]
        keys = FILE_KEYS + (CHECKSUM_KEYS if feed.control_checksums else ())
        assert tuple(entry) == keys, "FS-5.1: keys exactly these (FS-5.2 only when opted in)"
        data = sink.read(delivered.data_key)
        records = parse_data(feed.format, data, config.columns)
        assert entry["rows"] == len(records) == delivered.rows
        assert entry["bucket"] == feed.host
        assert entry["path"] == feed.path
        assert entry["file_type"] == feed.format
        assert entry["file"] == naming.file_url(feed.target, feed.host, delivered.data_key)
        assert entry["flow_ID"] == config.flow.id and type(entry["flow_ID"]) is int
        assert entry["flow_name"] == config.flow.name
        if feed.control_checksums:
            assert entry["bytes"] == len(data)


def _hashed(data: dict[str, Any]) -> FeedConfig:
    data["feed"]["hash_identity"] = True
    return parse_config(data)


@PROPERTY
@given(st.data())
def test_fs2_5_hashed_feed_has_no_raw_address_anywhere(data: st.DataObject) -> None:
    config = data.draw(fs.config_dicts().map(_hashed))
    events = data.draw(fs.events_for(config, min_size=1))
    at = data.draw(fs.export_times)
    sink, result = export(config, events, at, seed=1)
    blobs = list(sink.objects.values())
    for event in events:
        trimmed = event.email.strip()
        lowered = normalise(event.email)
        for blob in blobs:
            assert trimmed.encode() not in blob
            assert lowered.encode() not in blob.lower()
        assert trimmed not in repr(result) and lowered not in repr(result).lower()


@PROPERTY
@given(exports(extensions=True))
def test_fs8_same_seed_and_time_give_byte_identical_files_and_names(
    case: tuple[Any, ...],
) -> None:
    config, events, at, seed = case
    first, _ = export(config, events, at, seed)
    second, _ = export(config, events, at, seed)
    assert first.objects == second.objects


@PROPERTY
@given(exports(extensions=True))
def test_fs6_4_no_empty_files_and_every_data_file_has_its_control_file(
    case: tuple[Any, ...],
) -> None:
    config, events, at, seed = case
    sink, result = export(config, events, at, seed)
    expected = built_rows(config, events, at)
    for operation in naming.OPERATIONS:
        keys = data_files(result, operation)
        if not expected[operation]:
            assert keys == [], f"FS-6.4: no {operation} file without {operation} rows"
        for key in keys:
            assert parse_data(config.feed.format, sink.read(key), config.columns)
    assert len(sink.objects) == 2 * len(result.files)
    assert all(sink.objects.values())


@PROPERTY
@given(exports())
def test_fs7_reader_input_writes_the_same_bytes_as_event_objects(case: tuple[Any, ...]) -> None:
    """Events read from JSON Lines (the writer's fused fast path) == Event objects."""
    config, events, at, seed = case
    expected, _ = export(config, events, at, seed)
    lines = [dump_event(event) for event in events]
    reader = EventReader(lines, variants=[v.name for v in config.flow.variants])
    sink = MemorySink()
    FeedWriter(config, sink, seed=seed).export(reader, at=at)
    assert reader.problems == []
    assert sink.objects == expected.objects


# ----------------------------------------------------------------------------- encoders

_nullable = st.none() | fs.hostile_text(max_size=6)


@st.composite
def encoder_cases(draw: st.DrawFn) -> tuple[Any, ...]:
    fmt = draw(st.sampled_from(naming.FORMATS))
    contexts = draw(st.lists(fs.context_names, max_size=4, unique=True))
    operation = draw(st.sampled_from(naming.OPERATIONS))
    config = parse_config(
        {
            "client": "acme",
            "flow": {"id": 1, "name": draw(fs.labels), "segment": draw(fs.labels)},
            "feed": {
                "format": fmt,
                "target": "s3",
                "host": "acme-feeds",
                "path": "out",
                "contexts": [{"name": name, "value": "x"} for name in contexts],
            },
        }
    )
    action_pool = st.sampled_from(["data_feed", "email", 'a,"b"']) | fs.hostile_text(max_size=4)
    contacts = draw(
        st.lists(
            st.builds(
                ContactRows,
                identifier=fs.hostile_text(min_size=1, max_size=6),
                variant=_nullable,
                operation=st.just(operation),
                actions=st.lists(action_pool, min_size=1, max_size=4).map(tuple),
                contexts=st.tuples(*[_nullable for _ in contexts]),
            ),
            max_size=6,
        )
    )
    return config, draw(fs.hostile_text(max_size=4)), operation, contacts


@PROPERTY
@given(encoder_cases())
def test_fs3_generated_contact_encoder_equals_the_reference_encoder(case: tuple[Any, ...]) -> None:
    """Any text in any field (hostile identifiers, actions, variants, values)."""
    config, timestamp, operation, contacts = case
    fmt, columns = config.feed.format, config.columns
    engine = Engine(config, timestamp)
    rows = [
        list(row)
        for contact in contacts
        for row in contact.rows(timestamp, config.flow.segment, config.flow.name)
    ]
    reference = encode_rows(fmt, columns, rows)
    fast = engine.header()
    count = 0
    for contact in contacts:
        text, n = engine.contact_lines(contact)
        assert n == len(contact.actions)
        fast += text
        count += n
    assert fast == reference
    assert count == len(rows)
    # The batch entry point the writer uses gives the same text and count.
    assert engine.encode_contacts(contacts, operation) == (
        reference[len(engine.header()) :],
        len(rows),
    )
    # ... and the reference itself round-trips (FS-3.4).
    assert parse_data(fmt, reference.encode("utf-8"), columns) == as_written(fmt, rows)


@pytest.mark.parametrize("fmt", naming.FORMATS)
def test_fs3_4_nul_and_line_separators_round_trip(fmt: naming.Format) -> None:
    """The decision behind hostile_text: NUL, NEL, U+2028 are carried, not split on."""
    columns = (*STANDARD_COLUMNS, "note")
    row: Row = ["a\x00b", "t", "s\x85", "f\u2028", "x\r\ny", None, "add", '"\t,\n']
    text = encode_rows(fmt, columns, [row])
    assert parse_data(fmt, text.encode(), columns) == as_written(fmt, [row])
