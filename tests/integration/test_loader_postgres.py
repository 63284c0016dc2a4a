"""The Postgres loader of the demo bundle loads the sample exactly (FS-3.4), each format.

Runs the ``index.html`` snippet through ``psql`` against a throwaway cluster on a
Unix socket (no TCP port), then reads the table back and compares every cell,
nulls included, with the rows of the data file it loaded. Skipped where Postgres
or ``runuser`` is not installed (the server refuses to run as root).
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedcore.config import load_config
from feedcore.demo import build_demo
from feedcore.demo_html import Member, read_rows
from feedcore.loaders import table_name

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str | None:
    """Debian keeps the server's programs off PATH, under /usr/lib/postgresql/<major>/bin."""
    found = shutil.which(name)
    if found is not None:
        return found
    for bin_dir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (bin_dir / name).is_file():
            return str(bin_dir / name)
    return None


TOOLS = {name: _tool(name) for name in ("initdb", "pg_ctl", "psql", "runuser")}
PG_CTL, PSQL = str(TOOLS["pg_ctl"]), str(TOOLS["psql"])
pytestmark = pytest.mark.skipif(
    None in TOOLS.values() or os.geteuid() != 0,
    reason="needs Postgres (initdb, pg_ctl, psql) and runuser as root",
)
SNIPPET = re.compile(r"<h3>Postgres \(psql \\copy\)</h3>\s*<pre><code>(.*?)</code></pre>", re.S)


@pytest.fixture(scope="module")
def socket_dir() -> Iterator[Path]:
    # Not under pytest's tmp folder: the server's user could not enter it (0700, root's).
    base = Path(tempfile.mkdtemp(prefix="feedlab-pg-"))
    shutil.chown(base, "postgres")
    data = base / "data"
    owner = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*owner, str(TOOLS["initdb"]), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-k {base} -c listen_addresses=''"
    subprocess.run(
        [*owner, PG_CTL, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield base
    finally:
        subprocess.run([*owner, PG_CTL, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def _psql(socket_dir: Path, cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [PSQL, "-h", str(socket_dir), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", *args],
        cwd=cwd, capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode("utf-8")  # bytes: text mode would turn \r\n into \n


@pytest.mark.parametrize("feed", ["welcome_csv_s3", "welcome_tsv_sftp", "welcome_jsonl_s3"])
def test_fs3_4_postgres_snippet_loads_every_value_exactly(
    feed: str, socket_dir: Path, tmp_path: Path
) -> None:
    config = load_config(ROOT / "fixtures" / "feeds" / f"{feed}.toml")
    build_demo(config, tmp_path / "d.zip")
    zipfile.ZipFile(tmp_path / "d.zip").extractall(tmp_path)
    match = SNIPPET.search((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert match is not None
    (tmp_path / "load.sql").write_text(html.unescape(match.group(1)), encoding="utf-8")
    table = table_name(config)
    _psql(socket_dir, tmp_path, "-c", f"DROP TABLE IF EXISTS {table}", "-f", "load.sql")

    loaded = next(m for m in tmp_path.rglob("*") if Member(m.name, b"").is_data and "add" in m.name)
    expected = list(read_rows(Member(loaded.name, loaded.read_bytes()), config.feed.format))
    columns = ", ".join(f'"{c}"::text' for c in config.columns)
    out = _psql(
        socket_dir, tmp_path, "-c",
        f"COPY (SELECT {columns} FROM {table}) TO STDOUT WITH (FORMAT csv, NULL E'\\x01')",
    )  # fmt: skip
    # A null comes back as \x01, a byte no simulated value holds; "" stays "".
    got = [
        tuple(None if value == "\x01" else value for value in record)
        for record in csv.reader(io.StringIO(out, newline=""))
    ]
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    assert any(v is not None and re.search('[",\n]', v) for row in expected for v in row)
