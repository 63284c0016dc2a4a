"""``feedlab conformance`` (issue 13) in subprocesses, as a user or CI runs it.

Every config in fixtures/feeds/ passes over a folder, and one each over the
embedded mock S3 and SFTP servers; a writer with a planted encoder bug
(``planted_writer.py``, injected with ``--writer``, no production code edited)
fails with exit 1, a shrunk events file of a few lines and a command that
reproduces it; unusable arguments are exit 2 with one line on stderr.
``FEEDLAB_CONFORMANCE_EXAMPLES`` raises the examples per config (default 10).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FEEDS = sorted((ROOT / "fixtures" / "feeds").glob("*.toml"))
WELCOME = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
EXAMPLES = os.environ.get("FEEDLAB_CONFORMANCE_EXAMPLES", "10")
FEEDLAB = str(Path(sys.executable).parent / "feedlab")
PLANTED = "planted_writer:unquoted_line_breaks"
#: The planted writer is imported by name: its folder goes on the command's path.
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FEEDLAB, "conformance", *argv], capture_output=True, text=True, env=ENV, timeout=600
    )


@pytest.mark.parametrize("config", FEEDS, ids=lambda p: p.stem)
def test_every_fixture_config_conforms_over_a_folder(config: Path) -> None:
    done = _run(str(config), "--target", "dir", "--examples", EXAMPLES, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["failures"] == [] and report["examples"] == int(EXAMPLES)
    assert report["shrunk"] is None
    assert "conformance:" in done.stderr  # progress


@pytest.mark.parametrize(
    ("config", "target"),
    [("welcome_jsonl_s3.toml", "s3"), ("hashed_csv_sftp.toml", "sftp")],
)
def test_fs6_a_config_conforms_over_the_embedded_mock_server(config: str, target: str) -> None:
    done = _run(str(ROOT / "fixtures" / "feeds" / config), "--examples", "4", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["target"] == target and report["failures"] == []


def test_fs3_1_a_planted_encoder_bug_fails_shrinks_and_reproduces(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    junit = tmp_path / "junit.xml"
    done = _run(
        str(WELCOME), "--target", "dir", "--examples", "25", "--writer", PLANTED,
        "--keep", str(keep), "--junit", str(junit),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    lines = (keep / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert 1 <= len(lines) <= 3, lines  # shrunk: a few lines, not the batch that failed first
    assert any("\\r" in line or "\\n" in line for line in lines)  # the line break it needs
    assert any(line.startswith("FAILED parse:") for line in done.stdout.splitlines())
    command = next(line for line in done.stdout.splitlines() if line.startswith("reproduce: "))
    argv = shlex.split(command.removeprefix("reproduce: "))
    assert argv[:2] == ["feedlab", "conformance"] and "--replay" in argv
    again = subprocess.run(
        [FEEDLAB, *argv[1:]], capture_output=True, text=True, env=ENV, timeout=120
    )
    assert again.returncode == 1 and "FAILED parse:" in again.stdout, again.stdout
    # The same events through the production writer conform: the file isolates the bug.
    i = argv.index("--writer")
    fixed = subprocess.run(
        [FEEDLAB, *argv[1:i], *argv[i + 2 :]], capture_output=True, text=True, timeout=120
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite" and suite.get("failures") != "0"
    failed = {
        case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None
    }
    assert "parse" in failed and "order" not in failed
    case = json.loads((keep / "case.json").read_text(encoding="utf-8"))
    assert case["events"] == len(lines) and case["failures"]


def test_json_reports_examples_failures_and_coverage() -> None:
    done = _run(str(WELCOME), "--target", "dir", "--examples", "12", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # one object, nothing else on stdout
    assert set(report) == {"config", "target", "examples", "failures", "coverage", "shrunk"}
    coverage = report["coverage"]
    assert set(coverage) == {"hostile", "variants", "operations"}
    assert set(coverage["variants"]) <= {"(none)", "A", "B"} and coverage["variants"]
    assert {"add", "remove"} <= set(coverage["operations"])
    assert all(isinstance(n, int) and 0 < n <= 12 for n in coverage["hostile"].values())


def test_junit_of_a_passing_run_has_one_case_per_property(tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    done = _run(str(WELCOME), "--target", "dir", "--examples", "3", "--junit", str(junit))
    assert done.returncode == 0, done.stderr
    suite = ET.parse(junit).getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names == ["export", "verify", "parse", "rows", "order", "rerun"]
    assert suite.get("failures") == "0" and suite.get("tests") == "6"


@pytest.mark.parametrize(
    "argv",
    [
        [str(WELCOME), "--examples", "0"],
        [str(WELCOME), "--target", "ftp"],
        [str(WELCOME), "--writer", "no_such_module:factory"],
        [str(WELCOME), "--writer", "nocolon"],
        [str(WELCOME), "--replay", "/nonexistent/events.jsonl"],
        [str(WELCOME), "--at", "yesterday", "--target", "dir"],
        ["/nonexistent/feed.toml"],
    ],
    ids=["examples-0", "target", "writer-module", "writer-spec", "replay", "at", "config"],
)
def test_unusable_arguments_exit_2_with_one_line(argv: list[str]) -> None:
    done = _run(*argv)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("feedlab"), done.stderr
    assert done.stdout == ""
