"""``feedlab publish`` keys a batch by the target's canonical location (FS-6.3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import feed_config, make_events, s3_env, write_inputs

from feedlab.cli import main
from mock_targets.s3 import MockS3Server


def test_fs6_3_one_batch_whichever_way_the_endpoint_is_spelled(
    mock_s3: MockS3Server,
    s3_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in s3_env(mock_s3).items():
        monkeypatch.setenv(name, value)
    config_path, events_path = write_inputs(
        tmp_path, feed_config("s3", s3_bucket), make_events(enters=3, exits=0)
    )
    publish = ["publish", str(config_path), "--events", str(events_path), "--endpoint-url"]
    assert main([*publish, f"http://127.0.0.1:{mock_s3.port}/"]) == 0
    first = capsys.readouterr().out
    assert "exported 3 of 3 events" in first
    assert main([*publish, f"HTTP://localhost:{mock_s3.port}"]) == 0
    assert capsys.readouterr().out.startswith("already delivered")
