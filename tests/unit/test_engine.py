"""The one encoding engine (issue 14): every path writes the reference encoder's bytes.

The oracle is :mod:`feedcore.encoders` (one helper call per field, meant to be
read) over :class:`RowBuilder`'s rows, cut into files by the FS-5.2 rule. Each
example runs the same config and events through every path the writer has:

* Event objects (the general path: RowBuilder, then the generated contact encoder);
* an :class:`EventReader` over raw lines (the generated raw-line loop when the
  config allows it, else every line through the general path);
* a service's own source that is no EventReader but offers raw lines (duck typing);
* a file split over two processes (:mod:`feedcore.parallel`, bounded examples).

Formats, hashing, variant layouts and ``max_rows_per_file`` come from the
configs drawn; a second strategy forces the raw-line loop's shape so it is
exercised for every format and hash setting. More examples:
``FEEDLAB_HYPOTHESIS_EXAMPLES=500 FEEDLAB_SPLIT_EXAMPLES=100 pytest tests/unit/test_engine.py``.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedcore import naming, parallel
from feedcore.config import FeedConfig, parse_config
from feedcore.encoders import encode_contact, header
from feedcore.engine import Engine, line_loop_applies
from feedcore.events import Event, EventReader, dump_event, parse_event
from feedcore.eventsource import open_source
from feedcore.rows import RowBuilder
from feedcore.sinks import MemorySink
from feedcore.testing import strategies as fs
from feedcore.writer import FeedWriter

EXAMPLES = int(os.environ.get("FEEDLAB_HYPOTHESIS_EXAMPLES", "60"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Each split example starts a pool worker (~0.3 s): few by default.
SPLIT = settings(PROPERTY, max_examples=int(os.environ.get("FEEDLAB_SPLIT_EXAMPLES", "6")))


# ----------------------------------------------------------------------------- oracle


def reference_files(config: FeedConfig, events: Sequence[Event], at: datetime) -> list[bytes]:
    """Every data file's bytes, add files first, by the reference encoder alone."""
    builder = RowBuilder(config)
    fmt, columns = config.feed.format, config.columns
    fixed = (naming.row_timestamp(at), config.flow.segment, config.flow.name)
    limit = config.feed.max_rows_per_file
    files: dict[str, list[tuple[list[str], int]]] = {op: [] for op in naming.OPERATIONS}
    for event in events:
        contact = builder.build(event)
        if contact is None:
            continue
        parts = files[contact.operation]
        rows = len(contact.actions)
        if not parts or (limit is not None and parts[-1][1] and parts[-1][1] + rows > limit):
            parts.append(([], 0))  # FS-5.2: a contact's rows never straddle two files
        texts, count = parts[-1]
        texts.append(encode_contact(fmt, columns, contact, fixed))
        parts[-1] = (texts, count + rows)
    return [
        (header(fmt, columns) + "".join(texts)).encode("utf-8")
        for op in naming.OPERATIONS
        for texts, _ in files[op]
    ]


def delivered(config: FeedConfig, events: Any, at: datetime, **options: Any) -> list[bytes]:
    sink = MemorySink()
    result = FeedWriter(config, sink, seed=1, **options).export(events, at=at)
    return [sink.read(f.data_key) for f in result.files]


class ServiceLines:
    """A service's own events source: no EventReader, just the raw-line protocol."""

    def __init__(self, lines: list[bytes], variants: set[str]) -> None:
        self._lines = lines
        self._variants = variants
        self.parsed = self.handled = 0

    def raw_lines(self) -> Iterable[bytes]:
        return [line.rstrip(b"\n") for line in self._lines]

    def parse_line(self, number: int, line: bytes) -> Event | None:
        self.parsed += 1
        return parse_event(line, self._variants) if line.strip() else None

    def counted(self, events: int) -> None:
        self.handled += events

    def __iter__(self) -> Any:
        raise AssertionError("the writer took the general path for a source of raw lines")


def _loop_shape(data: dict[str, Any]) -> dict[str, Any]:
    """A drawn config reshaped so the raw-line loop serves it: no condition, no file
    splitting, every context constant text or a plain ``{{ contact.NAME }}``."""
    feed = data["feed"]
    feed.pop("condition", None)
    feed.pop("max_rows_per_file", None)
    for index, context in enumerate(feed.get("contexts", [])):
        value = context["value"]
        if "{" in value and not value.startswith("{{ contact."):
            name = ("first_name", "plan", "city")[index % 3]
            context["value"] = f"{{{{ contact.{name} }}}}"
        elif "|" in value or value.count("{{") > 1 or not value.endswith("}}"):
            context["value"] = "{{ contact.city }}" if "{" in value else value
    return data


loop_configs = fs.config_dicts().map(_loop_shape).map(parse_config)


@st.composite
def cases(draw: st.DrawFn) -> tuple[FeedConfig, list[Event], datetime]:
    config = draw(st.one_of(fs.configs(extensions=True), loop_configs))
    return config, draw(fs.events_for(config)), draw(fs.export_times)


# ------------------------------------------------------------------------- properties


@PROPERTY
@given(cases())
def test_fs3_fs5_2_every_in_process_path_writes_the_reference_bytes(
    case: tuple[FeedConfig, list[Event], datetime],
) -> None:
    config, events, at = case
    expected = reference_files(config, events, at)
    assert delivered(config, list(events), at) == expected, "Event objects (general path)"
    variants = {v.name for v in config.flow.variants}
    lines = [dump_event(event) for event in events]
    reader = EventReader(lines, variants=variants)
    assert delivered(config, reader, at) == expected, "EventReader (raw lines)"
    assert reader.problems == [] and reader.count == len(events)
    if config.feed.max_rows_per_file is None:
        service = ServiceLines(lines, variants)
        assert delivered(config, service, at) == expected, "a service's own raw lines"
        assert service.handled + service.parsed == len(events)
        if not line_loop_applies(config):
            assert service.handled == 0, "no generated loop: every line on the general path"


@SPLIT
@given(cases(), st.integers(min_value=1, max_value=4))
def test_fs3_fs7_a_file_split_over_two_processes_writes_the_reference_bytes(
    case: tuple[FeedConfig, list[Event], datetime], copies: int
) -> None:
    config, events, at = case
    events = [
        Event(e.type, f"{n}{e.email.strip()}", e.variant, e.attributes)
        for n in range(copies)
        for e in events
    ]  # a longer file, so the cut falls between lines more often; addresses stay unique
    expected = reference_files(config, events, at)
    variants = {v.name for v in config.flow.variants}
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"feedlab-split-{os.getpid()}.jsonl"
    data = b"".join(dump_event(event) for event in events)
    path.write_bytes(data)
    line_end = data.find(b"\n", len(data) // 2)
    cuttable = 0 <= line_end < len(data) - 1 and config.feed.max_rows_per_file is None
    parts: list[int] = []
    result_of = parallel.Helper.result

    def result(helper: parallel.Helper) -> parallel.PartResult | None:
        part = result_of(helper)
        parts.append(-1 if part is None else part.bytes_read)
        return part

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(parallel, "MIN_SPLIT_BYTES", 1)
            patch.setattr(parallel, "MIN_PART_BYTES", 0)
            patch.setattr(parallel, "WAIT_FOR_HELPER", True)
            patch.setattr(parallel.Helper, "result", result)
            with open_source(path, digest=False) as source:
                reader = EventReader(source, variants=variants)
                assert delivered(config, reader, at, workers=2) == expected
        assert reader.problems == [] and reader.count == len(events)
        assert parts == ([len(data) - line_end - 1] if cuttable else []), "cut after the middle"
    finally:
        path.unlink()


# ----------------------------------------------------------------- generated source


def _config(fmt: str, hashed: bool) -> FeedConfig:
    return parse_config(
        {
            "client": "acme",
            "flow": {"id": 3, "name": "Welcome", "segment": "New", "actions": ["email"]},
            "feed": {
                "format": fmt,
                "hash_identity": hashed,
                "target": "s3",
                "host": "acme-feeds",
                "path": "out",
                "contexts": [
                    {"name": "first", "value": "{{ contact.first_name }}"},
                    {"name": "brand", "value": "Acme"},
                ],
            },
        }
    )


@pytest.mark.parametrize("fmt", naming.FORMATS)
def test_a_traceback_through_generated_code_shows_the_generated_line(fmt: str) -> None:
    engine = Engine(_config(fmt, hashed=False), "2026-11-27T03:00:00Z")
    assert engine.filename.startswith("<feedlab-engine ") and "def contact_lines" in engine.source
    with pytest.raises(AttributeError) as caught:
        engine.contact_lines(object())  # type: ignore[arg-type]
    frames = traceback.extract_tb(caught.value.__traceback__)
    generated = [frame for frame in frames if frame.filename == engine.filename]
    assert generated and generated[-1].line == (
        "between = BETWEEN[contact.operation].get(contact.variant)"
    )
    text = "".join(traceback.format_exception(caught.value))
    assert "between = BETWEEN[contact.operation].get(contact.variant)" in text


def test_the_generated_source_is_the_same_text_for_one_shape_and_holds_no_feed_value() -> None:
    first = Engine(_config("csv", hashed=True), "2026-11-27T03:00:00Z")
    second = Engine(_config("csv", hashed=True), "2030-01-01T00:00:00Z")
    assert first.source == second.source and first.filename == second.filename
    assert "def run(" in first.source and "sha256" in first.source
    assert (
        "Acme" not in first.source and "Welcome" not in first.source and "2026" not in first.source
    )
    assert Engine(_config("jsonl", hashed=False), "t").source != first.source


def test_a_service_source_gets_the_raw_line_loop() -> None:
    """Duck typing, not isinstance: the generated loop handles every good line itself."""
    config = _config("csv", hashed=False)
    assert line_loop_applies(config)
    at = datetime(2026, 11, 27, 3, 0)
    events = [Event("enter", f"u{i}@example.com", None, {"first_name": f"N{i}"}) for i in range(5)]
    service = ServiceLines([dump_event(e) for e in events], set())
    assert delivered(config, service, at) == reference_files(config, events, at)
    assert (service.handled, service.parsed) == (5, 0)


@settings(PROPERTY, max_examples=30)
@given(loop_configs)
def test_the_loop_shaped_configs_are_served_by_the_generated_loop(config: FeedConfig) -> None:
    """So the first property runs the raw-line loop for every format and hash setting."""
    assert line_loop_applies(config)
    assert Engine(config, "t").run is not None
