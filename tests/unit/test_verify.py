"""The conformance checker (FS-8 ``feedlab verify``): good feeds pass, each corruption is named.

A feed written by the real writer must pass with and without its config, in
every format and delivery variant; then each corruption in
:mod:`verify_corruptions` breaks one rule and the checker must report that rule.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from feedcore.config import FeedConfig
from feedcore.events import EventReader, dump_event
from feedcore.naming import FORMATS, Format
from feedcore.simulate import is_hostile_text, plan_batches
from feedcore.sinks.local import LocalSink
from feedcore.sinks.memory import MemorySink
from feedcore.verify import Finding, Location, verify_control, verify_location, walk_location
from feedcore.writer import FeedWriter
from tests.unit.verify_corruptions import (
    ADDRESS_DOMAIN,
    AT,
    CORRUPTIONS,
    SEED,
    Corruption,
    Feed,
    make_config,
    write_feed,
)

SPEC = Path("/work/shared/spec/FEED_SPEC.md")


def _show(findings: list[Finding]) -> str:
    return "\n".join(map(str, findings)) or "(no findings)"


def _assert_clean(sink: Location, config: FeedConfig) -> None:
    for with_config in (None, config):
        findings = verify_location(sink, config=with_config)
        assert findings == [], _show(findings)


# -- good feeds -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_fs8_good_feed_passes_with_and_without_config(fmt: Format) -> None:
    config = make_config(fmt)
    sink = write_feed(config)
    assert len(sink.objects) == 4  # an add and a remove file, each with its control file
    _assert_clean(sink, config)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "feed",
    [
        {"hash_identity": True},
        {"control_checksums": True},
        {"max_rows_per_file": 3},
        {"path": ""},
        {"target": "sftp", "host": "sftp.example.net:2222"},
        {"contexts": [], "condition": None},
    ],
    ids=["hashed", "checksums", "split-files", "empty-path", "sftp", "no-contexts"],
)
def test_fs8_good_feed_variants_pass(fmt: Format, feed: dict[str, object]) -> None:
    config = make_config(fmt, **feed)
    _assert_clean(write_feed(config), config)


def test_fs8_good_feed_in_a_local_folder_passes(tmp_path: Path) -> None:
    config = make_config("csv")
    sink = write_feed(config, LocalSink(tmp_path))
    _assert_clean(sink, config)
    assert walk_location(sink).files == 4


def test_fs8_prefix_limits_the_walk_to_a_folder() -> None:
    config = make_config("csv")
    sink = write_feed(config)
    sink.objects["exports/daily-old/stray.txt"] = b"x"
    assert verify_location(sink, "exports/daily") == []
    assert verify_location(sink, "exports/daily/") == []
    assert [f.rule for f in verify_location(sink)] == ["FS-4.1"]


def test_fs8_s3_folder_markers_are_not_files() -> None:
    sink = write_feed(make_config("csv"))
    sink.objects["exports/daily/"] = b""
    assert verify_location(sink) == []


def test_fs8_verify_control_passes_for_a_good_delivery() -> None:
    config = make_config("jsonl")
    sink = write_feed(config)
    feed = Feed(config, sink.objects)
    for op in ("add", "remove"):
        assert verify_control(sink, feed.control_key(op), config) == []
        assert verify_control(sink, feed.control_key(op)) == []


def test_fs8_verify_control_reports_its_data_file_and_itself() -> None:
    config = make_config("csv")
    sink = write_feed(config)
    feed = Feed(config, sink.objects)
    feed.edit_entry(rows=99)
    feed.replace(feed.data_key(), b"\r\n", b"\n")
    findings = verify_control(sink, feed.control_key(), config)
    assert {(f.rule, f.key) for f in findings} == {
        ("FS-5.1", feed.control_key()),
        ("FS-3.1", feed.data_key()),
    }, _show(findings)
    # the remove delivery is untouched
    assert verify_control(sink, feed.control_key("remove"), config) == []


def test_fs8_verify_control_of_an_orphan_and_of_a_non_control_key() -> None:
    config = make_config("csv")
    sink = write_feed(config)
    feed = Feed(config, sink.objects)
    control = feed.control_key()
    data = feed.data_key()
    del sink.objects[data]
    assert [f.rule for f in verify_control(sink, control, config)] == ["FS-6.1"]
    assert [f.rule for f in verify_control(sink, data, config)] == ["FS-4.1"]


# -- corruptions ------------------------------------------------------------------------


def _corrupted(case: Corruption, with_config: bool = False) -> list[Finding]:
    """The findings for a good feed broken by ``case`` (with its config if either asks)."""
    config = make_config(case.fmt, **case.feed)
    sink = write_feed(config)
    case.apply(Feed(config, sink.objects))
    return verify_location(sink, config=config if case.with_config or with_config else None)


@pytest.mark.parametrize("case", CORRUPTIONS, ids=[f"{c.rule}-{c.id}" for c in CORRUPTIONS])
def test_fs8_corruption_is_reported_with_its_rule(case: Corruption) -> None:
    findings = _corrupted(case)
    assert case.rule in {f.rule for f in findings}, _show(findings)


@pytest.mark.parametrize("case", CORRUPTIONS, ids=[f"{c.rule}-{c.id}" for c in CORRUPTIONS])
def test_fs2_5_findings_never_show_a_raw_address(case: Corruption) -> None:
    findings = _corrupted(case)
    for finding in findings:
        text = str(finding)
        assert ADDRESS_DOMAIN not in text.lower(), text
        assert "\n" not in text and "\r" not in text
        assert re.fullmatch(r".+: .+ \[FS-\d+(\.\d+)?\]", text), text


@pytest.mark.parametrize("case", CORRUPTIONS, ids=[f"{c.rule}-{c.id}" for c in CORRUPTIONS])
def test_fs8_corruption_is_also_reported_with_config(case: Corruption) -> None:
    """A config only adds checks: nothing found without it goes unseen with it."""
    findings = _corrupted(case, with_config=True)
    assert case.rule in {f.rule for f in findings}, _show(findings)


def test_fs8_corruption_cases_cite_rules_of_the_spec() -> None:
    spec = SPEC.read_text(encoding="utf-8") if SPEC.exists() else ""
    if not spec:
        pytest.skip("spec not available")
    for case in CORRUPTIONS:
        assert case.rule in spec, case.id
    assert len({c.id for c in CORRUPTIONS}) == len(CORRUPTIONS)


# -- messages and details ---------------------------------------------------------------


def test_fs2_4_repeated_row_problems_fold_into_one_finding() -> None:
    config = make_config("csv")
    sink = write_feed(config)
    feed = Feed(config, sink.objects)
    feed.replace(feed.data_key(), b"2026-11-27 03:00:00", b"2026-11-27 04:00:00", count=-1)
    findings = [f for f in verify_location(sink) if f.rule == "FS-2.4"]
    assert len(findings) == 1
    assert findings[0].key == feed.data_key()
    assert "line 2:" in findings[0].message and "6 lines in all" in findings[0].message
    assert "'2026-11-27 04:00:00'" in findings[0].message
    assert "'2026-11-27 03:00:00'" in findings[0].message


def test_fs5_1_wrong_rows_message_says_expected_and_found() -> None:
    config = make_config("tsv")
    sink = write_feed(config)
    feed = Feed(config, sink.objects)
    feed.edit_entry(rows=7)
    (finding,) = verify_location(sink, config=config)
    assert finding == Finding(
        "FS-5.1", feed.control_key(), "rows is 7, but the data file has 6 records"
    )
    assert (
        str(finding) == f"{feed.control_key()}: rows is 7, but the data file has 6 records [FS-5.1]"
    )


def test_fs3_1_quoted_line_breaks_are_data_not_line_ends() -> None:
    """Bob's first name holds a tab and a bare LF inside a quoted field (FS-3.4): legal."""
    config = make_config("csv")
    sink = write_feed(config)
    assert b'"Bob\tthe\nbuilder"' in sink.objects[Feed(config, sink.objects).data_key()]
    assert verify_location(sink, config=config) == []


def test_fs2_5_hashed_feed_with_raw_identifier_hides_it() -> None:
    config = make_config("jsonl", hash_identity=True)
    sink = write_feed(config)
    feed = Feed(config, sink.objects)
    columns, rows = feed.rows()
    for row in rows:
        row[0] = "  Ann@Example.com "
    feed.set_rows(columns, rows)
    findings = verify_location(sink, config=config)
    assert [f.rule for f in findings] == ["FS-2.5"], _show(findings)
    assert "example" not in str(findings[0]).lower()


def test_fs8_unknown_file_in_an_empty_location_and_no_files() -> None:
    assert verify_location(MemorySink()) == []
    sink = MemorySink()
    sink.objects["notes\nmore.txt"] = b"x"
    (finding,) = verify_location(sink)
    assert "\n" not in str(finding)


def test_fs5_2_more_rows_than_max_rows_per_file_is_a_finding() -> None:
    sink = write_feed(make_config("csv"))
    findings = verify_location(sink, config=make_config("csv", max_rows_per_file=3))
    assert [(f.rule, f.message) for f in findings] == [
        ("FS-5.2", "has 6 records, but max_rows_per_file is 3")
    ], _show(findings)


def test_fs5_2_verify_control_in_a_split_export() -> None:
    config = make_config("tsv", max_rows_per_file=3)
    sink = write_feed(config)
    controls = [k for k in sink.objects if "/control_" in k]
    assert len(controls) == 3  # ann | bob + dan | eve
    for key in controls:
        assert verify_control(sink, key, config) == []
        assert verify_control(sink, key) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fast", [True, False], ids=["event-reader", "event-list"])
def test_fs8_simulated_feed_with_hostile_text_passes(fmt: Format, fast: bool) -> None:
    """FS-7.1 contacts (about 5% hostile text) through both writer input paths (FS-3.4)."""
    config = make_config(
        fmt,
        condition=None,
        hash_identity=fmt == "tsv",
        contexts=[
            {"name": "first_name", "value": "{{ contact.first_name }}"},
            {"name": "city", "value": "{{ contact.city }}"},
            {"name": "unset", "value": "{{ contact.nothing }}"},
        ],
    )
    sink = MemorySink()
    writer = FeedWriter(config, sink, seed=SEED)
    hostile = 0
    for batch in plan_batches(config, contacts=300, exits=40, days=2, at=AT, seed=SEED):
        events: Any = list(batch)
        hostile += sum(
            is_hostile_text(f"{e.attributes['first_name']}{e.attributes['city']}") for e in events
        )
        if fast:
            data = b"".join(dump_event(e) for e in events)
            events = EventReader(io.BytesIO(data), variants={"A", "B"})
        writer.export(events, at=batch.at)
    assert len(sink.objects) == 6  # two daily add exports and one remove export
    assert hostile > 0
    _assert_clean(sink, config)


#: What main's writer made of ``{{ contact.first_name|safe }}`` for Bob (issue 10,
#: finding 1): Markup's own ``replace`` and ``+`` escaped the quoting, so the field
#: went out unquoted, its quotes and line break raw.
FORGED_FIELD = b'&#34;Bob "the"\r\nbuilder,\tjr\r\nforged@example.com&#34;'


@pytest.mark.parametrize("fmt", FORMATS)
def test_fs5_1_rows_must_match_what_a_stdlib_reader_reads(fmt: Format) -> None:
    """Even where verify's own parser gives up, ``rows`` is held to the stdlib's reading."""
    config = make_config(fmt)
    sink = write_feed(config)
    feed = Feed(config, sink.objects)
    if fmt == "jsonl":
        feed.replace(feed.data_key(), b'"first_name":"Ann"', b'"first_name":"An\rn"')
        reader = "Python's json.loads, line by line, cannot read the data file"
    else:
        quoted = b'"Bob\tthe\nbuilder"'
        assert quoted in sink.objects[feed.data_key()]
        feed.replace(feed.data_key(), quoted, FORGED_FIELD, count=-1)
        reader = f"Python's csv reader ({'excel' if fmt == 'csv' else 'excel-tab'} dialect)"
    findings = verify_location(sink, config=config)
    counts = [f for f in findings if f.rule == "FS-5.1" and f.key == feed.control_key()]
    assert len(counts) == 1 and reader in counts[0].message, _show(findings)
    assert "forged" not in counts[0].message and "@" not in counts[0].message


@pytest.mark.parametrize("fmt", FORMATS)
def test_fs5_1_the_stdlib_reading_of_a_good_feed_matches_its_control_files(fmt: Format) -> None:
    from feedcore.verify.reread import reread

    config = make_config(fmt)
    feed = Feed(config, write_feed(config).objects)
    for op in ("add", "remove"):
        rows = feed.control(op)["files"][0]["rows"]
        assert reread(fmt, feed.objects[feed.data_key(op)]).matches(rows)
