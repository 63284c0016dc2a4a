"""Regenerate the fault matrix in ``docs/reliability.md`` from a real test run.

    .venv/bin/python scripts/fault_matrix.py            # run the tests, rewrite the doc
    .venv/bin/python scripts/fault_matrix.py --from-json matrix.json   # render a saved run

The reliability tests record one row per injected fault when
``FEEDLAB_FAULT_MATRIX`` names a JSON file (``tests/integration/reliability_support.py``,
fixture ``fault_matrix``); this script runs them with it set, then replaces the
part of the doc between the ``fault-matrix`` markers with a table of those rows.
A failing test run fails the script and leaves the doc alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
START = "<!-- fault-matrix:start -->"
END = "<!-- fault-matrix:end -->"
TESTS = [
    "tests/integration/test_reliability_faults.py",
    "tests/integration/test_reliability_crash.py",
    "tests/integration/test_reliability_stateful.py",
]
COMMAND = ".venv/bin/python scripts/fault_matrix.py"
COLUMNS = (
    ("target", "target"),
    ("fault", "fault injected"),
    ("injected", "times"),
    ("outcome", "outcome"),
    ("lost", "lost"),
    ("duplicated", "duplicated"),
    ("orphan_control", "orphan control"),
    ("partial_visible", "partial visible"),
)


def run_tests(json_path: Path) -> str:
    """Run the reliability tests with the recorder on; return pytest's summary line."""
    env = {**os.environ, "FEEDLAB_FAULT_MATRIX": str(json_path)}
    python = ROOT / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python if python.exists() else sys.executable), "-m", "pytest", "-q", "-p",
         "no:cacheprovider", *TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-2000:])
        raise SystemExit(f"the reliability tests failed ({summary}); the doc was not changed")
    return summary


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(rows: list[dict[str, Any]], summary: str) -> str:
    order = {"sftp": 0, "s3": 1, "local": 2}
    rows = sorted(rows, key=lambda r: order.get(r["target"], 9))  # stable: run order within
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row[key]) for key, _ in COLUMNS) + " |")
    totals = {
        key: sum(int(r[key]) for r in rows)
        for key in ("injected", "lost", "duplicated", "orphan_control", "partial_visible")
    }
    lines.append(
        f"| **all** | **{len(rows)} scenarios** | **{totals['injected']}** | | "
        f"**{totals['lost']}** | **{totals['duplicated']}** | **{totals['orphan_control']}** | "
        f"**{totals['partial_visible']}** |"
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            START,
            "",
            f"Generated {stamp} by `{COMMAND}` from a real run ({summary}).",
            "",
            *lines,
            "",
            END,
        ]
    )


def update_doc(table: str, doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{doc} has no {START} ... {END} markers")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    doc.write_text(head + table + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-json", type=Path, help="render rows recorded earlier")
    parser.add_argument("--doc", type=Path, default=DOC, help="the doc to update")
    parser.add_argument("--print", action="store_true", help="print the table, change nothing")
    args = parser.parse_args(argv)
    if args.from_json:
        data = json.loads(args.from_json.read_text())
        summary = "rows from " + args.from_json.name
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "fault-matrix.json"
            summary = run_tests(path)
            data = json.loads(path.read_text())
    table = render(data["rows"], summary)
    if args.print:
        print(table)
    else:
        update_doc(table, args.doc)
        print(f"{args.doc}: {len(data['rows'])} rows ({summary})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
