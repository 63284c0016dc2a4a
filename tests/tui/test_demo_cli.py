"""``feedlab demo CONFIG --out FILE.zip`` and ``feedlab tui`` registration."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from feedcore import naming
from feedcore.config import load_config
from feedcore.demo import DEMO_SEED, build_demo
from feedcore.simulate import contacts
from feedlab.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def test_demo_command_writes_bundle_with_layout_readme_and_screenshot(
    welcome: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "acme-demo.zip"
    assert main(["demo", str(welcome), "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    archive = zipfile.ZipFile(out)
    names = archive.namelist()
    assert names[:5] == [
        "README.md",
        "screenshot.svg",
        "index.html",
        "control.schema.json",
        "poll_control_files.py",
    ]
    files = names[5:]
    assert [n.rpartition("/")[0] for n in files] == [
        "acme-data-feeds/exports/daily/2026/11/27",
        "acme-data-feeds/exports/daily/2026/11/27",
        "acme-data-feeds/exports/daily/2026/11/28",
        "acme-data-feeds/exports/daily/2026/11/28",
    ]
    data = [n.rpartition("/")[2] for n in files if not n.rpartition("/")[2].startswith("control_")]
    assert all(naming.DATA_NAME_RE.fullmatch(name) for name in data)
    assert [name.split("_")[2] for name in data] == ["add", "remove"]
    for name in data:
        assert any(n.endswith(naming.control_file_name(name)) for n in files)

    readme = archive.read("README.md").decode()
    for column in (*load_config(welcome).columns, "control_", '"flow_ID": 1234', "FEED"[:0]):
        assert column in readme
    assert "Hi {{ contact.first_name }}" in readme  # the config's contexts, with their templates
    svg = archive.read("screenshot.svg").decode()
    assert svg.startswith("<svg") and "welcome_csv_s3.toml" in svg
    assert data[0].replace("_", "&#160;") in svg or data[0] in svg  # batch 1 as the app shows it

    everything = b"".join(archive.read(n) for n in names).decode("utf-8", "replace")
    for secret in ("feedlab-secret", "127.0.0.1", "password", str(tmp_path), "/tmp/"):
        assert secret not in everything


def test_demo_bundle_is_reproducible_and_hashed_feeds_hold_no_address(
    hashed: Path, tmp_path: Path
) -> None:
    config = load_config(hashed)
    first = build_demo(config, tmp_path / "a.zip", screenshot=None)
    second = build_demo(config, tmp_path / "b.zip", screenshot=None)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert first.members == second.members
    assert first.members[:4] == (
        "README.md",
        "index.html",
        "control.schema.json",
        "poll_control_files.py",
    )
    assert all(
        m.startswith("sftp.globex.example/feeds/winback/2026/11/2") for m in first.members[4:]
    )
    archive = zipfile.ZipFile(tmp_path / "a.zip")
    text = b"".join(archive.read(n) for n in archive.namelist()).decode()
    # No address, neither any simulated contact's nor anything shaped like one. (The
    # loaders may hold "@" as SQL needs it: a Snowflake stage is written @%table.)
    assert not EMAIL_RE.search(text)
    for contact in contacts(first.batches[0].events, DEMO_SEED):
        assert contact.email not in text
    assert re.search(r'"identifier":"[0-9a-f]{64}"', text)
    assert "SHA-256" in archive.read("README.md").decode()


def test_tui_command_is_registered_and_bare_feedlab_routes_to_it() -> None:
    parser = build_parser()
    assert {"tui", "demo"} <= parser.get_default("available")
    args = parser.parse_args(["tui", "x.toml"])
    assert args.command == "tui" and str(args.config) == "x.toml"
    assert parser.parse_args(["tui"]).config is None


def test_tui_command_reports_a_config_that_is_not_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("client = \n", encoding="utf-8")
    assert main(["tui", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "not valid TOML" in err and "Traceback" not in err
