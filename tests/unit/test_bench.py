"""``python -m benchmarks`` (issue 6): the JSON shape and the plumbing, never timings.

A cheap subset runs at ``--quick`` size; every number is only checked to be
there and positive, never compared with anything (the machine is shared). The
TUI case is left out: it runs the TUI engineer's script, covered by its owner.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import runner, tui
from benchmarks.__main__ import build_parser
from benchmarks.core import CaseResult, Settings, Target, alternate, run_process

ROOT = Path(__file__).resolve().parents[2]
CASE_KEYS = {"name", "unit", "feedlab", "peer", "peer_value", "ratio", "target", "pass"}
MACHINE_KEYS = {"cpu", "cores", "python", "platform", "date"}


def _quick_json(cases: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", "--cases", cases],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    for case in report["cases"]:
        assert case.keys() >= CASE_KEYS, case
        assert "error" not in case, case
        assert case["feedlab"] > 0 and case["peer_value"] > 0 and case["ratio"] > 0
    return report


def test_quick_json_run_of_a_cheap_subset_has_the_documented_shape() -> None:
    report = _quick_json("encode-csv-stdlib,fused-jsonl-stdlib,e2e")
    assert report["machine"].keys() >= MACHINE_KEYS
    names = [case["name"] for case in report["cases"]]
    assert names == [
        "encode-csv-stdlib",
        "fused-jsonl-stdlib",
        "e2e-publish-wall",
        "e2e-publish-rss",
    ]
    for case in report["cases"]:
        assert isinstance(case["target"], str) and case["target"]
        assert case["pass"] in (True, False, None)
    by_name = {case["name"]: case for case in report["cases"]}
    assert by_name["e2e-publish-wall"]["unit"] == "s"
    assert by_name["e2e-publish-wall"]["target"] == "<= 0.5"
    assert by_name["encode-csv-stdlib"]["target"] == ">= 3x"
    assert "byte-identical" in by_name["encode-csv-stdlib"]["note"]
    assert "byte-identical" in by_name["e2e-publish-wall"]["note"]


def test_quick_columnar_and_startup_cases_have_their_peers_and_targets() -> None:
    """Issue 14: feedlab against DuckDB and polars end to end, and start-up."""
    report = _quick_json("e2e-500k-csv-wall,e2e-500k-csv-rss,startup")
    by_name = {case["name"]: case for case in report["cases"]}
    assert list(by_name) == [
        "startup-publish",
        "startup-validate",
        "e2e-500k-csv-wall",
        "e2e-500k-csv-rss",
    ]
    wall, rss = by_name["e2e-500k-csv-wall"], by_name["e2e-500k-csv-rss"]
    assert (wall["unit"], wall["target"]) == ("s", "<= 1")
    assert (rss["unit"], rss["target"]) == ("MB", "<= 0.2")
    assert "byte-identical" in wall["note"]
    assert wall["peer"].startswith("the faster peer: ")
    assert {"feedlab", "duckdb", "polars"} == set(wall["samples"]) == set(rss["samples"])
    for name in ("startup-publish", "startup-validate"):
        assert (by_name[name]["unit"], by_name[name]["target"]) == ("s", "<= 6")
        assert set(by_name[name]["samples"]) == {name.split("-")[1], "stdlib"}


def test_bench_is_a_registered_command_with_its_options() -> None:
    args = build_parser().parse_args(
        ["--json", "--quick", "--cases", "s3", "--repeat", "2", "--write-doc"]
    )
    assert (args.json, args.quick, args.cases, args.repeat, args.write_doc) == (
        True,
        True,
        "s3",
        2,
        True,
    )


def test_case_selection_by_name_family_and_glob() -> None:
    assert runner.select(["e2e"]) == ["e2e-publish-wall", "e2e-publish-rss"]
    assert runner.select(["sftp-small-exports"]) == ["sftp-small-exports"]
    assert set(runner.select(["e2e-*-csv-wall"])) == {"e2e-500k-csv-wall", "e2e-5m-csv-wall"}
    assert runner.select(["startup"]) == ["startup-publish", "startup-validate"]
    assert len(runner.select(["columnar"])) == 8  # {500k, 5m} x {csv, jsonl} x {wall, rss}
    assert not [case for case in runner.select(None) if case.endswith("-polars")]  # retired
    assert len(runner.select(None)) == sum(len(c) for c in runner.catalogue().values())
    with pytest.raises(ValueError, match="no benchmark case matches"):
        runner.select(["no-such-case"])


def test_alternation_is_abba_and_the_warm_up_is_not_recorded() -> None:
    calls: list[tuple[str, bool]] = []
    alternate(
        [lambda record: calls.append(("a", record)), lambda record: calls.append(("b", record))],
        3,
        warmup=True,
    )
    assert calls == [
        ("a", False),
        ("b", False),
        ("a", True),
        ("b", True),
        ("b", True),
        ("a", True),
        ("a", True),
        ("b", True),
    ]


def test_targets_and_ratios() -> None:
    faster = CaseResult("x", "rows/s", 300.0, "peer", 100.0, Target("ratio_min", 3.0))
    assert faster.ratio == 3.0 and faster.passed is True
    slower = CaseResult("y", "s", 2.0, "peer", 3.0, Target("ratio_max", 0.5))
    assert slower.passed is False and slower.to_json()["target"] == "<= 0.5"
    flat = CaseResult("z", "MB", 140.0, "peer", 100.0, Target("delta_max", 50, "MB"))
    assert flat.passed is True
    skipped = CaseResult("t", "ms", None, "-", None, Target("value_max", 100, "ms"))
    assert skipped.passed is None and skipped.to_json()["ratio"] is None


def test_child_peak_rss_is_the_childs_own_not_the_parents() -> None:
    ballast = bytearray(200 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    done = run_process([sys.executable, "-c", "pass"])
    assert done.returncode == 0
    assert 0 < done.max_rss < 100 * 1024 * 1024
    del ballast


def test_tui_frame_gap_parsing() -> None:
    assert tui.parse_gap_ms("frames: 120\nmax frame gap: 42.5 ms\n") == 42.5
    assert tui.parse_gap_ms('{"frames": 10, "max_gap_ms": 17}') == 17.0
    assert tui.parse_gap_ms("max gap 0.25 s") == 250.0
    assert tui.parse_gap_ms("nothing here") is None
    printed = (
        "tui_frames: 1,000,000 rows to s3 in 4.8 s; 255 ticks at 60 Hz; largest gap 166.5 ms, "
        "p99 84.4 ms, median 16.5 ms (target: largest gap < 100 ms)"
    )
    assert tui.parse_gap_ms(printed) == 166.5
    assert tui.parse_gap_ms("(target: largest gap < 100 ms)") is None


def test_quick_sizes_shrink_twenty_fold() -> None:
    assert Settings(quick=True).size(500_000) == 25_000
    assert Settings().size(500_000) == 500_000
    assert Settings(quick=True).repeats(5) == 1
    assert Settings(repeat=7).repeats(3) == 7
