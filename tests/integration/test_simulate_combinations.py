"""Issue 2 acceptance: ``validate`` and ``simulate`` handle every combination of
format, hashing, target (``ftp`` included), empty path and variants, with hostile
constant contexts and undefined attributes, exactly as FS-1..FS-5 say.

``simulate`` runs through the CLI with its embedded server swapped for the
session's mock servers (same sinks, same protocol; only start-up is shared).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from feedcore.config import FeedConfig, load_config
from feedcore.sinks.base import Sink
from feedcore.sinks.local import LocalSink
from feedcore.verify import verify_location
from feedlab import cli
from feedlab.cli import simulate as simulate_cmd
from mock_targets.embedded import sink_for
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

HOSTILE = 'a,b\t"c"\r\nd 😀 \u202eevil\u202c'
COMBOS = list(
    itertools.product(
        ("csv", "tsv", "jsonl"), (False, True), ("s3", "sftp", "ftp"), ("", "exports/x=1"), (0, 2)
    )
)


def config_dict(fmt: str, hashed: bool, target: str, path: str, variants: int) -> dict[str, Any]:
    host = "combo-feeds" if target == "s3" else "sftp.combo.example:2022"
    flow: dict[str, Any] = {"id": 42, "name": 'Combo, "flow"', "segment": 'Seg, "ment" ✓'}
    if variants:
        flow["actions"] = ["no_variant_action"]
        flow["variants"] = [
            {"name": "A", "weight": 3, "actions": ["email", "sms"]},
            {"name": "B", "weight": 1, "actions": []},
        ]
    else:
        flow["actions"] = ["email_welcome"]
    return {
        "client": "combo",
        "flow": flow,
        "feed": {
            "format": fmt.upper() if fmt == "tsv" else fmt,  # input is case-insensitive
            "hash_identity": hashed,
            "target": target,
            "host": host,
            "path": path,
            "contexts": [
                {"name": "constant", "value": HOSTILE},
                {"name": "first_name", "value": "{{ contact.first_name }}"},
                {"name": "undefined", "value": "{{ contact.no_such_attribute }}"},
                {"name": "greeting", "value": "Hi {{ contact.no_such_attribute }}!"},
            ],
        },
    }


@pytest.fixture
def shared_servers(
    monkeypatch: pytest.MonkeyPatch, mock_s3: MockS3Server, mock_sftp: MockSFTPServer
) -> None:
    def embedded(config: FeedConfig) -> contextlib.closing[Sink]:
        return contextlib.closing(sink_for(config, s3=mock_s3, sftp=mock_sftp))

    monkeypatch.setattr(simulate_cmd, "embedded_sink", embedded)


@pytest.mark.parametrize(
    ("fmt", "hashed", "target", "path", "variants"),
    COMBOS,
    ids=["-".join(map(str, c)).replace("/", "_") or "x" for c in COMBOS],
)
def test_fs1_to_fs5_validate_and_simulate_every_combination(
    shared_servers: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    hashed: bool,
    target: str,
    path: str,
    variants: int,
) -> None:
    config_file = tmp_path / "feed.toml"
    config_file.write_text(tomli_w.dumps(config_dict(fmt, hashed, target, path, variants)))
    assert cli.main(["validate", str(config_file)]) == 0
    config = load_config(config_file)
    assert config.feed.target == ("s3" if target == "s3" else "sftp")  # ftp means sftp
    out = tmp_path / "out"
    code = cli.main(
        [
            "simulate",
            str(config_file),
            "--contacts",
            "24",
            "--exits",
            "5",
            "--days",
            "2",
            "--seed",
            "11",
            "--at",
            "2026-11-27T03:00:00Z",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    root = out / config.feed.hostname
    findings = verify_location(LocalSink(root), config=config)
    assert findings == [], "\n".join(map(str, findings))
    files = sorted(p for p in root.rglob("*") if p.is_file())
    data = [p for p in files if not p.name.startswith("control_")]
    # two add days and one remove day (FS-8 simulate semantics), each with its control file
    assert len(data) == 3 and len(files) == 6
    rows = 0
    for control in (p for p in files if p.name.startswith("control_")):
        entry = json.loads(control.read_text(encoding="utf-8"))["files"][0]
        assert entry["bucket"] == config.feed.host and entry["path"] == path
        assert entry["file_type"] == fmt
        rows += entry["rows"]
    data_feed_rows = 0
    for p in data:
        text = p.read_text(encoding="utf-8")
        data_feed_rows += text.count("data_feed")
        if hashed:
            assert "@example" not in text and "@" not in text.split("\n", 1)[-1]
    assert data_feed_rows == 24 + 5  # N adds and M removes, one data_feed row each
    assert rows >= data_feed_rows
