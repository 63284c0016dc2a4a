"""Demo bundles (FS-8 ``demo``): a guaranteed sample, a session's files, index.html, the
control file's JSON Schema (FS-5.1/FS-5.2), loader snippets and the poller."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from feedcore import loaders
from feedcore.config import FeedConfig, load_config, loads_config
from feedcore.control_schema import control_schema, dumps_schema
from feedcore.demo import build_demo, build_session_demo
from feedcore.demo_html import Member, read_rows
from feedcore.demo_sample import is_awkward, plan_sample
from feedcore.errors import FeedError
from feedcore.simulate import simulate_events
from feedcore.sinks.memory import MemorySink
from feedcore.writer import FeedWriter

ROOT = Path(__file__).resolve().parents[2]
FEEDS = sorted((ROOT / "fixtures" / "feeds").glob("*.toml"))
WELCOME = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
HASHED = ROOT / "fixtures" / "feeds" / "hashed_csv_sftp.toml"
#: What makes a value awkward for a loader (the acceptance: quote, comma, newline, emoji).
AWKWARD = re.compile('[",\n\r\t]|[\U00010000-\U0010ffff]')


def _zip(path: Path) -> dict[str, bytes]:
    archive = zipfile.ZipFile(path)
    return {name: archive.read(name) for name in archive.namelist()}


def _rows(config: FeedConfig, files: dict[str, bytes]) -> list[tuple[str | None, ...]]:
    data = [Member(n, b) for n, b in files.items() if Member(n, b).is_data]
    return [row for member in data for row in read_rows(member, config.feed.format)]


def _edit(old: str, new: str, source: Path = WELCOME) -> FeedConfig:
    text = source.read_text(encoding="utf-8")
    assert old in text
    return loads_config(text.replace(old, new, 1))


# -- the guaranteed sample -------------------------------------------------------------------


@pytest.mark.parametrize("feed", FEEDS, ids=lambda p: p.stem)
def test_fs8_sample_covers_every_variant_both_operations_and_an_awkward_value(
    feed: Path, tmp_path: Path
) -> None:
    config = load_config(feed)
    build_demo(config, tmp_path / "d.zip")
    rows = _rows(config, _zip(tmp_path / "d.zip"))
    columns = config.columns
    variants = {row[columns.index("variant")] for row in rows}
    assert {v.name for v in config.flow.variants if v.weight > 0} <= variants
    assert {row[columns.index("operation")] for row in rows} == {"add", "remove"}
    assert any(v is not None and AWKWARD.search(v) for row in rows for v in row)


def test_fs8_sample_grows_for_a_rare_variant_and_says_so(tmp_path: Path) -> None:
    config = _edit("weight = 50", "weight = 1")  # variant A: 1 in 51 contacts
    plan = plan_sample(config, seed=7, contacts=3, exits=1)
    assert plan.contacts > 3 and "variant A" in plan.grown_for
    bundle = build_demo(config, tmp_path / "d.zip", contacts=3, exits=1)
    assert bundle.batches[0].events == plan.contacts
    readme = _zip(tmp_path / "d.zip")["README.md"].decode()
    assert "3 contacts were asked for; more were taken to show variant A" in readme


def test_fs8_sample_prefers_a_contacts_own_awkward_text() -> None:
    config = load_config(WELCOME)  # its greeting always holds a comma of its own
    plan = plan_sample(config, seed=7, contacts=12, exits=3)
    hostile = list(simulate_events(config, plan.contacts, seed=7))[-1]
    assert any(isinstance(v, str) and is_awkward(v) for v in hostile.attributes.values())


def test_fs8_a_condition_that_keeps_no_contact_fails_with_a_clear_message(
    tmp_path: Path,
) -> None:
    config = _edit(
        """condition = 'contact.plan != "free"'""", """condition = 'contact.plan == "gold"'"""
    )
    with pytest.raises(FeedError) as caught:
        build_demo(config, tmp_path / "d.zip")
    message = str(caught.value)
    assert 'contact.plan == "gold"' in message and "keeps none" in message
    assert "no rows" in message and not (tmp_path / "d.zip").exists()


def test_fs8_a_sample_that_cannot_hold_awkward_text_reports_the_gap() -> None:
    text = WELCOME.read_text(encoding="utf-8")
    start = text.index("[[feed.contexts]]")
    plain = text[:start] + '[[feed.contexts]]\nname = "tier"\nvalue = "{{ contact.plan }}"\n'
    plan = plan_sample(loads_config(plain), seed=7, contacts=12, exits=3, limit=300)
    assert plan.contacts == 12 and any("awkward" in gap for gap in plan.gaps)


# -- index.html ---------------------------------------------------------------------------------


def test_fs8_index_html_is_self_contained_and_holds_schema_and_loaders(tmp_path: Path) -> None:
    build_demo(load_config(WELCOME), tmp_path / "d.zip")
    files = _zip(tmp_path / "d.zip")
    page = files["index.html"].decode()
    assert page.startswith("<!DOCTYPE html>")
    for forbidden in ("<script", "<link", "<img", "<iframe", "src=", "url(", "@import"):
        assert forbidden not in page.lower()
    for href in re.findall(r'href="([^"]*)"', page):
        assert "://" not in href and not href.startswith("//")
        assert href in files  # every link is a file of the bundle
    from html import escape

    assert escape(dumps_schema()) in page
    for title in ("Snowflake (COPY INTO)", "BigQuery (bq load)", "Postgres (psql \\copy)"):
        assert escape(title) in page
    for column in load_config(WELCOME).columns:
        assert f"<code>{column}</code>" in page  # the field dictionary


def test_fs8_index_html_escapes_every_value(tmp_path: Path) -> None:
    hostile_name = '<b>Fish & "Chips"</b>'
    text = WELCOME.read_text(encoding="utf-8").replace('"Welcome Series"', f"'{hostile_name}'")
    text += '\n[[feed.contexts]]\nname = "promo"\nvalue = "<img src=x onerror=alert(1)>"\n'
    build_demo(loads_config(text), tmp_path / "d.zip")
    page = _zip(tmp_path / "d.zip")["index.html"].decode()
    assert hostile_name not in page and "<img src=x" not in page
    assert "&lt;b&gt;Fish &amp; &quot;Chips&quot;&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_fs2_5_hashed_bundle_shows_no_address_anywhere(tmp_path: Path) -> None:
    config = load_config(HASHED)
    bundle = build_demo(config, tmp_path / "d.zip")
    text = b"".join(_zip(tmp_path / "d.zip").values()).decode("utf-8")
    for event in simulate_events(config, bundle.batches[0].events, seed=7):
        assert event.email not in text and event.email.lower() not in text


# -- the JSON Schema -----------------------------------------------------------------------------


@pytest.mark.parametrize("checksums", [False, True])
def test_fs5_1_fs5_2_every_control_file_validates_against_the_schema(
    checksums: bool, tmp_path: Path
) -> None:
    config = _edit(
        "hash_identity = false",
        f"hash_identity = false\ncontrol_checksums = {str(checksums).lower()}",
    )
    build_demo(config, tmp_path / "d.zip")
    files = _zip(tmp_path / "d.zip")
    schema = json.loads(files["control.schema.json"])
    assert schema == control_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    controls = [json.loads(b) for n, b in files.items() if Member(n, b).is_control]
    assert len(controls) == 2
    for document in controls:
        jsonschema.validate(document, schema)
        assert ("sha256" in document["files"][0]) is checksums


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d["files"][0].update(extra=1),  # FS-5.1: keys exactly these
        lambda d: d["files"][0].pop("rows"),
        lambda d: d.update(delta=False),
        lambda d: d["files"][0].update(file_type="xlsx"),
        lambda d: d["files"][0].update(bytes=10),  # bytes without sha256 (FS-5.2 pairs them)
        lambda d: d["files"].append(copy.deepcopy(d["files"][0])),
    ],
)
def test_fs5_1_schema_rejects_what_the_spec_rejects(spoil: object, tmp_path: Path) -> None:
    build_demo(load_config(WELCOME), tmp_path / "d.zip")
    files = _zip(tmp_path / "d.zip")
    document = next(json.loads(b) for n, b in files.items() if Member(n, b).is_control)
    assert callable(spoil)
    spoil(document)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, control_schema())


# -- loaders -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feed", "expected"),
    [
        ("welcome_csv_s3", ["FIELD_DELIMITER = ','", "--source_format=CSV", "FORMAT csv, HEADER"]),
        ("welcome_tsv_sftp", ["FIELD_DELIMITER = '\\t'", "--field_delimiter=tab", "E'\\t'"]),
        ("welcome_jsonl_s3", ["TYPE = JSON", "NEWLINE_DELIMITED_JSON", "jsonb_populate_record"]),
    ],
)
def test_loader_snippets_match_the_feeds_format(feed: str, expected: list[str]) -> None:
    config = load_config(ROOT / "fixtures" / "feeds" / f"{feed}.toml")
    snippets = list(loaders.snippets(config, "x/data.file").values())
    assert len(snippets) == 3
    for snippet, needle in zip(snippets, expected, strict=True):
        assert needle in snippet
    assert "x/data.file" in snippets[1] and "'x/data.file'" in snippets[2]
    for field in loaders.fields(config):
        assert all(f'"{field.name}"' in s for s in snippets)


def test_field_dictionary_types_and_nullability() -> None:
    by_name = {f.name: f for f in loaders.fields(load_config(WELCOME))}
    assert by_name["timestamp"].kind == "timestamp" and not by_name["timestamp"].nullable
    assert by_name["variant"].nullable and by_name["greeting"].nullable
    assert not by_name["identifier"].nullable
    plain = {
        f.name: f
        for f in loaders.fields(load_config(ROOT / "fixtures/feeds/plain_jsonl_s3_nopath.toml"))
    }
    assert not plain["campaign"].nullable  # constant text is never null


# -- byte reproducibility and the session's files ----------------------------------------------


def test_fs8_bundles_are_byte_reproducible(tmp_path: Path) -> None:
    config = load_config(WELCOME)
    build_demo(config, tmp_path / "a.zip")
    build_demo(config, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    sink = _session(config)
    build_session_demo(config, sink.objects.items(), tmp_path / "c.zip")
    build_session_demo(config, reversed(list(sink.objects.items())), tmp_path / "d.zip")
    assert (tmp_path / "c.zip").read_bytes() == (tmp_path / "d.zip").read_bytes()


def _session(config: FeedConfig) -> MemorySink:
    from datetime import UTC, datetime

    sink = MemorySink()
    at = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)
    FeedWriter(config, sink, seed="s/1").export(simulate_events(config, 15, seed=3), at=at)
    sink.objects["exports/daily/2026/11/27/unrelated.txt"] = b"not ours"
    sink.objects["exports/daily/2026/11/27/other_1_add_00000000_20261127090000.csv"] = b"x"
    return sink


def test_fs8_session_bundle_holds_exactly_the_feeds_delivered_files(tmp_path: Path) -> None:
    config = load_config(WELCOME)
    sink = _session(config)
    bundle = build_session_demo(config, sink.objects.items(), tmp_path / "s.zip")
    files = _zip(tmp_path / "s.zip")
    ours = {k for k in sink.objects if k.rpartition("/")[2].startswith(("acme_", "control_acme_"))}
    assert {n.removeprefix("acme-data-feeds/") for n in bundle.members[4:]} == ours
    assert "index.html" in files and "delivered to an S3 bucket" in files["README.md"].decode()
    for key in ours:
        assert files[f"acme-data-feeds/{key}"] == sink.objects[key]


def test_fs8_session_bundle_needs_a_delivered_file(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="export a batch first"):
        build_session_demo(load_config(WELCOME), [], tmp_path / "s.zip")


def test_fs2_5_session_bundle_of_a_hashed_feed_refuses_unhashed_files(tmp_path: Path) -> None:
    hashed = load_config(HASHED)
    plain = _edit("hash_identity = true", "hash_identity = false", HASHED)
    sink = _session(plain)
    with pytest.raises(FeedError, match=r"FS-2\.5") as caught:
        build_session_demo(hashed, sink.objects.items(), tmp_path / "s.zip")
    assert "@" not in str(caught.value)
    build_session_demo(hashed, _session(hashed).objects.items(), tmp_path / "ok.zip")


# -- the poller ----------------------------------------------------------------------------------


@pytest.mark.parametrize("feed", ["welcome_csv_s3", "welcome_tsv_sftp", "welcome_jsonl_s3"])
def test_poller_fetches_each_announced_file_once(feed: str, tmp_path: Path) -> None:
    config = load_config(ROOT / "fixtures" / "feeds" / f"{feed}.toml")
    build_demo(config, tmp_path / "d.zip")
    zipfile.ZipFile(tmp_path / "d.zip").extractall(tmp_path / "bundle")
    bundle = tmp_path / "bundle"
    argv = [
        sys.executable, "poll_control_files.py", "--local", config.feed.hostname,
        "--since", "2026-11-27", "--until", "2026-11-28", "--once", "--out", str(tmp_path / "in"),
    ]  # fmt: skip
    done = subprocess.run(argv, cwd=bundle, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("ready: ") for line in lines)
    fetched = sorted(p.name for p in (tmp_path / "in").iterdir() if not p.name.startswith("."))
    data = sorted(Path(n).name for n in _zip(tmp_path / "d.zip") if Member(n, b"").is_data)
    assert fetched == data
    again = subprocess.run(argv, cwd=bundle, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and again.stdout == ""  # remembered
