"""feedcore.testing's oracle and properties (issue 13): they pass on the production
writer for any valid config, and each property fails on a writer that breaks it.

``FEEDLAB_CONFORMANCE_EXAMPLES`` raises the number of generated configs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedcore
from feedcore.sinks.base import Payload, Sink
from feedcore.sinks.memory import MemorySink
from feedcore.testing import oracle
from feedcore.testing import strategies as fs
from feedcore.testing.properties import RecordingSink, check_export

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
EXAMPLES = int(os.environ.get("FEEDLAB_CONFORMANCE_EXAMPLES", "25"))
AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
ANN = "  Ann.Q@Example.com "


def _config(name: str) -> feedcore.FeedConfig:
    return feedcore.load_config(FEEDS / name)


def test_fs2_2_the_oracle_gives_a_data_feed_row_then_the_variants_actions() -> None:
    config = _config("welcome_csv_s3.toml")
    events = [
        feedcore.Event("enter", ANN, "A", {"first_name": "Ann", "plan": "pro"}),
        feedcore.Event("exit", "bob@example.com", None, {"plan": "free"}),  # filtered out
        feedcore.Event("exit", "cy@example.com", "B", {}),
    ]
    want = oracle.expected(config, events, AT)
    common = ("2026-11-27 03:00:00", "New signups", "Welcome Series")
    assert want.files["add"] == [
        [
            ("Ann.Q@Example.com", *common, action, "A", "add", "Ann", "Hi Ann, from somewhere")
            for action in ("data_feed", "email_welcome", "facebook_audience")
        ]
    ]
    assert want.files["remove"] == [
        [
            ("cy@example.com", *common, action, "B", "remove", None, "Hi , from somewhere")
            for action in ("data_feed", "email_welcome_v2")
        ]
    ]


def test_fs2_5_the_oracle_hashes_and_keeps_the_address_out_of_contexts() -> None:
    config = _config("hashed_csv_sftp.toml")
    event = feedcore.Event("enter", ANN, None, {"plan": "pro", "email": f"to {ANN.strip()}"})
    (rows,) = oracle.expected(config, [event], AT).files["add"]
    digest = hashlib.sha256(b"ann.q@example.com").hexdigest()
    assert rows == [(digest, *rows[0][1:4], "data_feed", None, "add", "pro", None, digest[:12])]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), config=fs.feed_configs(extensions=True), at=fs.export_times)
def test_every_property_holds_for_the_production_writer_on_any_config(
    data: st.DataObject, config: feedcore.FeedConfig, at: datetime
) -> None:
    events = data.draw(fs.events(config, max_size=6))
    report = check_export(config, events, MemorySink(), at=at, seed=1)
    assert report.failures == []
    assert report.rows == sum(
        len(r) for f in oracle.expected(config, events, at).files.values() for r in f
    )


class _Writer:
    """FeedWriter through a sink wrapper: a way to break one property at a time."""

    def __init__(self, wrap: Any, seed: int | str | None) -> None:
        self.wrap, self.seed = wrap, seed

    def __call__(self, config: feedcore.FeedConfig, sink: Sink, *, seed: int | str) -> Any:
        return feedcore.FeedWriter(config, self.wrap(sink), seed=self.seed)


class _ControlFirst(RecordingSink):
    """Puts each control file before its data file (FS-6.1 broken)."""

    def __init__(self, inner: Sink) -> None:
        super().__init__(inner)
        self.held: list[tuple[str, Payload]] = []

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None:
        if key.rpartition("/")[2].startswith("control_"):
            self.inner.put(key, payload, exclusive=exclusive)
            for held_key, held in self.held:
                self.inner.put(held_key, held)
            self.held.clear()
        else:
            self.held.append((key, Payload.from_bytes(payload.read_all())))


class _DropsLastRecord(RecordingSink):
    """Loses a data file's last record on the way (rows != oracle, control file wrong)."""

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None:
        data = payload.read_all()
        if not key.rpartition("/")[2].startswith("control_"):
            lines = data.splitlines(keepends=True)
            data = b"".join(lines[:-1]) if len(lines) > 2 else data
        self.inner.put(key, Payload.from_bytes(data), exclusive=exclusive)


def _props(writer: Any, events: Iterable[feedcore.Event], name: str) -> set[str]:
    report = check_export(_config(name), list(events), MemorySink(), at=AT, seed=3, writer=writer)
    return {f.prop for f in report.failures}


EVENTS = [feedcore.Event("enter", f"c{i}@example.com", "A", {"plan": "pro"}) for i in range(3)]


def test_fs6_1_a_control_file_before_its_data_file_breaks_order() -> None:
    assert "order" in _props(_Writer(_ControlFirst, 3), EVENTS, "welcome_jsonl_s3.toml")


def test_fs2_a_lost_record_breaks_rows_and_verify() -> None:
    assert {"rows", "verify"} <= _props(
        _Writer(_DropsLastRecord, 3), EVENTS, "welcome_jsonl_s3.toml"
    )


def test_fs8_a_writer_ignoring_the_seed_breaks_rerun() -> None:
    assert _props(_Writer(RecordingSink, None), EVENTS, "welcome_csv_s3.toml") == {"rerun"}


def test_the_production_writer_passes_these_events() -> None:
    assert _props(_Writer(RecordingSink, 3), EVENTS, "welcome_csv_s3.toml") == set()
