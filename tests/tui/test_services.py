"""The TUI's plain-Python services (no app): form values, simulator, preview parsing, log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feedcore.config import config_to_dict, load_config
from feedcore.errors import ConfigError
from mock_targets.reports import Operation
from tests.tui.conftest import CLOCK, WELCOME, settings
from tui.services.draft import FormValues, split_actions
from tui.services.preview import kind_of, parse_data
from tui.services.simulation import Simulator, parse_clock
from tui.widgets.activity import _fold
from tui.widgets.preview import render_cell


def test_form_values_round_trip_the_fs_1_2_layout() -> None:
    config = load_config(WELCOME)
    values = FormValues.from_config(config)
    assert values.variants[0] == ("A", "50", "email_welcome, facebook_audience")
    assert values.to_config() == config
    assert config_to_dict(values.to_config()) == config_to_dict(config)


def test_form_values_keep_invalid_text_and_report_it_per_field() -> None:
    values = FormValues.from_config(load_config(WELCOME)).with_field("flow_id", "12a")
    values = values.with_field("path", "/exports")
    with pytest.raises(ConfigError) as info:
        values.to_config()
    fields = sorted(p.field for p in info.value.problems)
    assert fields == ["feed.path", "flow.id"]
    assert values.flow_id == "12a"  # shown as typed, for the user to fix


def test_unknown_and_form_less_keys_ride_along() -> None:
    data = config_to_dict(load_config(WELCOME))
    data["feed"]["control_checksums"] = True
    data["feed"]["colour"] = "blue"
    values = FormValues.from_data(data)
    assert values.to_data()["feed"]["control_checksums"] is True
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        values.to_config()


def test_split_actions() -> None:
    assert split_actions(" a, b ,, c ") == ["a", "b", "c"]


def test_simulator_exits_only_contacts_that_entered_earlier() -> None:
    sim = Simulator()
    first = sim.plan(settings(entering=10, exiting=3))
    assert (first.entering, first.exiting, first.enter_from) == (10, 0, 0)
    second = sim.plan(settings(entering=5, exiting=3))
    assert (second.entering, second.exiting, second.enter_from) == (5, 3, 10)
    assert second.exit_slices[0].start == 0
    third = sim.plan(settings(entering=0, exiting=20))
    assert third.exiting == 12  # 15 entered, 3 already left
    assert sim.in_flow == 0
    assert first.writer_seed == second.writer_seed == 42  # the CLI's --seed (FS-8)
    assert second.same_time_as == 1  # the same clock: the log warns of the same names


def test_batch_events_are_reproducible_and_exits_repeat_entered_emails() -> None:
    config = load_config(WELCOME)
    sim = Simulator()
    entered = list(sim.plan(settings(entering=4)).events(config))
    exits = list(sim.plan(settings(entering=0, exiting=2)).events(config))
    assert [e.email for e in exits] == [e.email for e in entered[:2]]
    assert {e.type for e in exits} == {"exit"}
    again = list(Simulator().plan(settings(entering=4)).events(config))
    assert [e.email for e in again] == [e.email for e in entered]


def test_parse_clock() -> None:
    assert parse_clock("2026-11-27 09:00:00") == CLOCK
    assert parse_clock("2026-11-27T10:00:00+01:00") == CLOCK
    assert parse_clock("2026-11-28") == CLOCK + timedelta(hours=15)
    with pytest.raises(ValueError, match="YYYY-MM-DD HH:MM:SS"):
        parse_clock("tomorrow")


def test_parse_csv_head_keeps_whole_records_and_nulls() -> None:
    data = b'identifier,variant,city\r\na@x,,"Paris, ""FR"""\r\nb@x,A,"two\r\nlines"\r\nc@x,B,"cut'
    preview = parse_data(data, "csv", truncated=True)
    assert preview.columns == ("identifier", "variant", "city")
    assert preview.rows == [("a@x", None, 'Paris, "FR"'), ("b@x", "A", "two\r\nlines")]
    assert preview.truncated


def test_parse_jsonl_nulls_and_tsv() -> None:
    jsonl = b'{"identifier":"h","variant":null}\n{"identifier":"i","variant":"A"}\n'
    assert parse_data(jsonl, "jsonl", truncated=False).rows == [("h", None), ("i", "A")]
    tsv = b'identifier\tcity\r\nh\t"a\tb"\r\n'
    assert parse_data(tsv, "tsv", truncated=False).rows == [("h", "a\tb")]


def test_render_cell_shows_null_and_invisible_characters() -> None:
    assert render_cell(None).plain == "null"
    assert render_cell("a\tb\nc\u200f").plain == "a⇥b↵c\\u200f"


def test_kind_of_names() -> None:
    assert kind_of("acme_1_add_0a1b2c3d_20261127090000.csv") == "data"
    assert kind_of("control_acme_1_add_0a1b2c3d_20261127090000.json") == "control"
    assert kind_of(".acme_1_add_0a1b2c3d_20261127090000.csv.partial") == "partial"
    assert kind_of("notes.txt") == "other"


def test_activity_folds_runs_of_writes() -> None:
    ops = [
        Operation("sftp", "open", "f/.x.partial"),
        *[Operation("sftp", "write", "f/.x.partial", size=100) for _ in range(3)],
        Operation("sftp", "close", "f/.x.partial", size=300),
        Operation("sftp", "rename", "f/.x.partial", target="f/x"),
    ]
    folded = _fold(ops)
    assert [(op.op, count, size) for op, count, size in folded] == [
        ("open", 1, None),
        ("write", 3, 300),
        ("close", 1, 300),
        ("rename", 1, None),
    ]
