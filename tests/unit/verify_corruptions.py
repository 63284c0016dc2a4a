"""A good feed to start from, and the ways tests break it (FS-8 ``feedlab verify``).

Each :class:`Corruption` takes a conformant feed written by the real
:class:`~feedcore.writer.FeedWriter` and breaks exactly one rule, so a test can
assert that the checker names that rule. Row edits go through the reference
encoder, so a corruption changes only what it means to change.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedcore.config import FeedConfig, parse_config
from feedcore.encoders import encode_rows
from feedcore.events import EventReader
from feedcore.naming import Format, Operation
from feedcore.sinks.memory import MemorySink
from feedcore.writer import FeedWriter

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
EVENTS_FILE = ROOT / "fixtures" / "events" / "welcome.jsonl"
AT = datetime(2026, 11, 27, 3, 0, 0, tzinfo=UTC)
SEED = 7
#: Raw addresses of the fixture: no finding may ever show one (FS-2.5).
ADDRESS_DOMAIN = "example.com"

Row = list[str | None]


def make_config(fmt: Format = "csv", **feed: Any) -> FeedConfig:
    """The welcome fixture config in ``fmt``, with ``feed`` table values replaced."""
    data = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    data["feed"].update(format=fmt, **feed)
    return parse_config(data)


def write_feed(config: FeedConfig, sink: Any = None) -> Any:
    """Export the welcome events through ``sink`` (a new MemorySink by default)."""
    sink = sink if sink is not None else MemorySink()
    with EVENTS_FILE.open("rb") as stream:
        events = EventReader(stream, variants={v.name for v in config.flow.variants})
        FeedWriter(config, sink, seed=SEED).export(events, at=AT)
    return sink


@dataclass
class Feed:
    """A written feed's objects, with the edits corruptions are made of."""

    config: FeedConfig
    objects: dict[str, bytes] = field(default_factory=dict)

    @property
    def fmt(self) -> Format:
        return self.config.feed.format

    def data_key(self, op: Operation = "add") -> str:
        (key,) = [k for k in self.objects if f"_{op}_" in k and "/control_" not in k]
        return key

    def control_key(self, op: Operation = "add") -> str:
        folder, _, name = self.data_key(op).rpartition("/")
        return f"{folder}/control_{name.rpartition('.')[0]}.json"

    def control(self, op: Operation = "add") -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.objects[self.control_key(op)])
        return doc

    def set_control(self, doc: dict[str, Any], op: Operation = "add") -> None:
        self.objects[self.control_key(op)] = json.dumps(doc, indent=2).encode() + b"\n"

    def edit_entry(self, op: Operation = "add", **values: Any) -> None:
        doc = self.control(op)
        doc["files"][0].update(values)
        self.set_control(doc, op)

    def replace(self, key: str, old: bytes, new: bytes, count: int = 1) -> None:
        data = self.objects[key]
        assert old in data, f"{old!r} not in {key}"
        self.objects[key] = data.replace(old, new, count)

    def rows(self, op: Operation = "add") -> tuple[list[str], list[Row]]:
        text = self.objects[self.data_key(op)].decode("utf-8")
        if self.fmt == "jsonl":
            records = [json.loads(line) for line in text.split("\n") if line]
            return list(records[0]), [list(r.values()) for r in records]
        dialect = "excel" if self.fmt == "csv" else "excel-tab"
        header, *body = csv.reader(io.StringIO(text, newline=""), dialect)
        return header, [[v or None for v in r] for r in body]

    def set_rows(self, columns: list[str], rows: list[Row], op: Operation = "add") -> None:
        self.objects[self.data_key(op)] = encode_rows(self.fmt, columns, rows).encode("utf-8")

    def edit_rows(
        self, edit: Callable[[list[str], list[Row]], object], op: Operation = "add"
    ) -> None:
        columns, rows = self.rows(op)
        edit(columns, rows)
        self.set_rows(columns, rows, op)

    def move(self, key: str, new_key: str) -> None:
        self.objects[new_key] = self.objects.pop(key)


@dataclass(frozen=True)
class Corruption:
    """One broken rule: ``apply`` edits a good feed written with ``feed`` settings."""

    id: str
    rule: str
    apply: Callable[[Feed], None]
    fmt: Format = "csv"
    feed: dict[str, Any] = field(default_factory=dict)
    #: Only a check against the config can see this one.
    with_config: bool = False


def _set_cell(column: str, value: str | None, row: int = 1) -> Callable[[Feed], None]:
    def apply(feed: Feed) -> None:
        def edit(columns: list[str], rows: list[Row]) -> None:
            rows[row][columns.index(column)] = value

        feed.edit_rows(edit)

    return apply


def _move_pair(feed: Feed, old_folder: str, new_folder: str) -> None:
    for key in (feed.data_key(), feed.control_key()):
        feed.move(key, key.replace(old_folder, new_folder))


def _rename_data(feed: Feed) -> None:
    key = feed.data_key()
    feed.move(key, key.replace("acme_1234_add_", "Acme_1234_add_"))


def _bad_stamp(feed: Feed) -> None:
    for key in (feed.data_key(), feed.control_key()):
        feed.move(key, key.replace("20261127030000", "20261327030000"))


def _partial(feed: Feed) -> None:
    folder, _, name = feed.data_key().rpartition("/")
    feed.objects[f"{folder}/.{name}.partial"] = feed.objects[feed.data_key()][:10]


def _swap_header(feed: Feed) -> None:
    feed.replace(feed.data_key(), b"segment_name,flow_name", b"flow_name,segment_name")


def _data_feed_not_first(feed: Feed) -> None:
    def edit(columns: list[str], rows: list[Row]) -> None:
        rows[0], rows[1] = rows[1], rows[0]

    feed.edit_rows(edit)


def _drop_field(feed: Feed) -> None:
    feed.edit_rows(lambda columns, rows: rows[2].pop())


def _jsonl_line(index: int, old: bytes, new: bytes) -> Callable[[Feed], None]:
    """Edit one line only: the first line of a JSONL file sets its columns without a config."""

    def apply(feed: Feed) -> None:
        lines = feed.objects[feed.data_key()].split(b"\n")
        assert old in lines[index]
        lines[index] = lines[index].replace(old, new)
        feed.objects[feed.data_key()] = b"\n".join(lines)

    return apply


def _unknown_variant(feed: Feed) -> None:
    def edit(columns: list[str], rows: list[Row]) -> None:
        for row in rows[:3]:  # ann's group: data_feed and her two actions
            row[columns.index("variant")] = "C"

    feed.edit_rows(edit)


def _hashed_raw_identifier(feed: Feed) -> None:
    def edit(columns: list[str], rows: list[Row]) -> None:
        for row in rows[:3]:
            row[0] = "ann@example.com"

    feed.edit_rows(edit)


def _address_in_context(feed: Feed) -> None:
    """What a template like ``Hi {{ contact.note }}`` can smuggle into a hashed feed."""

    def edit(columns: list[str], rows: list[Row]) -> None:
        for row in rows[:3]:  # ann's group
            row[columns.index("greeting")] = "Write to <Ann@Example.com>."

    feed.edit_rows(edit)


def _extra_file(name: str, data: bytes) -> Callable[[Feed], None]:
    def apply(feed: Feed) -> None:
        folder = feed.data_key().rpartition("/")[0]
        feed.objects[f"{folder}/{name}"] = data

    return apply


def _drop(kind: str) -> Callable[[Feed], None]:
    def apply(feed: Feed) -> None:
        del feed.objects[feed.data_key() if kind == "data" else feed.control_key()]

    return apply


def _raw_control(old: bytes, new: bytes) -> Callable[[Feed], None]:
    return lambda feed: feed.replace(feed.control_key(), old, new)


def _raw_data(old: bytes, new: bytes, count: int = 1) -> Callable[[Feed], None]:
    return lambda feed: feed.replace(feed.data_key(), old, new, count)


def _set_data(data: bytes) -> Callable[[Feed], None]:
    return lambda feed: feed.objects.__setitem__(feed.data_key(), data)


def _entry(**values: Any) -> Callable[[Feed], None]:
    return lambda feed: feed.edit_entry(**values)


def _top(**values: Any) -> Callable[[Feed], None]:
    def apply(feed: Feed) -> None:
        doc = feed.control()
        doc.update(values)
        feed.set_control(doc)

    return apply


def _bad_url(feed: Feed) -> None:
    feed.edit_entry(file="s3://other-bucket/" + feed.data_key())


def _cr_in_jsonl(feed: Feed) -> None:
    feed.replace(feed.data_key(), b"}\n", b"}\r\n")


def _bom(feed: Feed) -> None:
    feed.objects[feed.data_key()] = b"\xef\xbb\xbf" + feed.objects[feed.data_key()]


def _del_entry(feed: Feed, key: str) -> None:
    doc = feed.control()
    del doc["files"][0][key]
    feed.set_control(doc)


def _two_entries(feed: Feed) -> None:
    doc = feed.control()
    doc["files"].append(dict(doc["files"][0]))
    feed.set_control(doc)


def _second_data_file(feed: Feed) -> None:
    """A retry that drew a new random part: two data files for one export (with controls)."""
    data_key, control_key = feed.data_key(), feed.control_key()
    random_part = data_key.split("_")[-2]
    copy = data_key.replace(random_part, "0badf00d")
    feed.objects[copy] = feed.objects[data_key]
    text = feed.objects[control_key].replace(random_part.encode(), b"0badf00d")
    feed.objects[control_key.replace(random_part, "0badf00d")] = text


def _rename_pair(feed: Feed, old: str, new: str) -> None:
    for key in (feed.data_key(), feed.control_key()):
        feed.move(key, key.replace(old, new))


CORRUPTIONS = [
    # FS-6 delivery
    Corruption("missing-control", "FS-6.1", _drop("control")),
    Corruption("orphan-control", "FS-6.1", _drop("data")),
    Corruption("leftover-partial", "FS-6.2", _partial),
    Corruption("empty-data-file", "FS-6.4", _set_data(b"")),
    Corruption("header-only-data-file", "FS-6.4", lambda f: f.edit_rows(lambda c, r: r.clear())),
    # FS-5 control files
    Corruption("wrong-rows", "FS-5.1", _entry(rows=7)),
    Corruption("rows-is-bool", "FS-5.1", _entry(rows=True)),
    Corruption("wrong-file-type", "FS-5.1", _entry(file_type="jsonl")),
    Corruption("extra-control-key", "FS-5.1", _entry(comment="hi")),
    Corruption("missing-control-key", "FS-5.1", lambda f: _del_entry(f, "rows")),
    Corruption("extra-top-key", "FS-5.1", _top(version=2)),
    Corruption("delta-false", "FS-5.1", _top(delta=False)),
    Corruption("file-count-2", "FS-5.1", _top(file_count=2)),
    Corruption("files-two-entries", "FS-5.1", _two_entries),
    Corruption("flow-id-mismatch", "FS-5.1", _entry(flow_ID=999)),
    Corruption("flow-name-mismatch", "FS-5.1", _entry(flow_name="Other flow")),
    Corruption("wrong-path", "FS-5.1", _entry(path="exports")),
    Corruption(
        "unreadable-control", "FS-5.1", lambda f: f.objects.update({f.control_key(): b"{not json"})
    ),
    Corruption(
        "duplicate-key-control",
        "FS-5.1",
        _raw_control(b'"delta": true', b'"delta": true, "delta": true'),
    ),
    Corruption("nan-in-control", "FS-5.1", _raw_control(b'"rows": 6', b'"rows": NaN')),
    Corruption(
        "control-not-object", "FS-5.1", lambda f: f.objects.update({f.control_key(): b"[]\n"})
    ),
    Corruption(
        "checksums-not-configured", "FS-5.2", _entry(bytes=1, sha256="0" * 64), with_config=True
    ),
    Corruption("wrong-sha256", "FS-5.2", _entry(sha256="0" * 64), feed={"control_checksums": True}),
    Corruption("wrong-bytes", "FS-5.2", _entry(bytes=1), feed={"control_checksums": True}),
    Corruption(
        "control-bom",
        "FS-3",
        lambda f: f.objects.update({f.control_key(): b"\xef\xbb\xbf" + f.objects[f.control_key()]}),
    ),
    # FS-4 names, layout, URL
    Corruption("bad-url", "FS-4.4", _bad_url),
    Corruption(
        "bad-url-scheme",
        "FS-4.4",
        lambda f: f.edit_entry(file="sftp://acme-data-feeds/" + f.data_key()),
        with_config=True,
    ),
    Corruption(
        "wrong-date-folder", "FS-4.3", lambda f: _move_pair(f, "/2026/11/27/", "/2026/11/28/")
    ),
    Corruption(
        "wrong-path-folder",
        "FS-4.3",
        lambda f: _move_pair(f, "exports/daily/", "exports/weekly/"),
        with_config=True,
    ),
    Corruption("bad-data-name", "FS-4.1", _rename_data),
    Corruption("invalid-stamp-date", "FS-4.1", _bad_stamp),
    Corruption("unknown-file", "FS-4.1", _extra_file("README.txt", b"hello\n")),
    Corruption("bad-control-name", "FS-4.2", _extra_file("control_readme.json", b"{}\n")),
    Corruption("two-data-files-one-export", "FS-6.3", _second_data_file, with_config=True),
    Corruption(
        "wrong-client", "FS-4.1", lambda f: _rename_pair(f, "acme_", "acme-eu_"), with_config=True
    ),
    # FS-3 encodings
    Corruption("bare-lf-csv", "FS-3.1", _raw_data(b"\r\n", b"\n")),
    Corruption("bare-lf-tsv", "FS-3.2", _raw_data(b"\r\n", b"\n"), fmt="tsv"),
    Corruption(
        "no-final-crlf",
        "FS-3.1",
        lambda f: f.objects.update({f.data_key(): f.objects[f.data_key()][:-2]}),
    ),
    Corruption("bom", "FS-3", _bom),
    Corruption("invalid-utf8", "FS-3", _raw_data(b"Ann", b"A\xffn")),
    Corruption("stray-quote", "FS-3.1", _raw_data(b",Ann,", b',A"nn,')),
    Corruption(
        "unclosed-quote",
        "FS-3.1",
        lambda f: f.objects.update({f.data_key(): f.objects[f.data_key()] + b'x,"open\r\n'}),
    ),
    Corruption("field-count", "FS-3.1", _drop_field),
    Corruption(
        "jsonl-non-string", "FS-3.3", _raw_data(b'"operation":"add"', b'"operation":1'), fmt="jsonl"
    ),
    Corruption("jsonl-cr", "FS-3.3", _cr_in_jsonl, fmt="jsonl"),
    Corruption("jsonl-blank-line", "FS-3.3", _raw_data(b"}\n", b"}\n\n"), fmt="jsonl"),
    Corruption(
        "jsonl-key-order", "FS-3.3", _jsonl_line(1, b'"segment_name"', b'"segment"'), fmt="jsonl"
    ),
    Corruption("jsonl-not-json", "FS-3.3", _raw_data(b"}\n", b"\n"), fmt="jsonl"),
    # FS-2 rows
    Corruption("wrong-header", "FS-2.1", _swap_header),
    Corruption("timestamp-mismatch", "FS-2.4", _set_cell("timestamp", "2026-11-27 03:00:01")),
    Corruption(
        "timestamp-mismatch-jsonl",
        "FS-2.4",
        _set_cell("timestamp", "2026-11-27T03:00:00"),
        fmt="jsonl",
    ),
    Corruption("operation-mismatch", "FS-2.3", _set_cell("operation", "remove")),
    Corruption("data-feed-not-first", "FS-2.2", _data_feed_not_first),
    Corruption("segment-mismatch", "FS-2.1", _set_cell("segment_name", "Old signups", row=0)),
    Corruption("empty-identifier", "FS-2.5", _set_cell("identifier", None, row=5)),
    Corruption(
        "hashed-raw-identifier",
        "FS-2.5",
        _hashed_raw_identifier,
        feed={"hash_identity": True},
        with_config=True,
    ),
    Corruption(
        "hashed-address-in-context", "FS-2.5", _address_in_context, feed={"hash_identity": True}
    ),
    Corruption("unknown-variant", "FS-2.2", _unknown_variant, with_config=True),
    Corruption(
        "missing-action", "FS-2.2", lambda f: f.edit_rows(lambda c, r: r.pop(1)), with_config=True
    ),
]
