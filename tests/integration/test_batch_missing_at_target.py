"""FS-6.3: the journal never claims what the target does not hold (issue 11).

``feedlab publish`` reruns against the mock S3 and SFTP servers and a local
folder with ``--journal``: complete and there is "already delivered"; a control
file removed at the target is reported in one line (exit 3) and nothing is
written; ``--resend-missing`` writes exactly that file again, byte for byte,
and the next rerun is "already delivered" again.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from reliability_support import (
    LocalTarget,
    S3Target,
    SFTPTarget,
    Target,
    make_events,
    publish_args,
    target_env,
    write_inputs,
)

from feedcore.verify.layout import classify
from feedlab.cli import EXIT_MISSING, main
from mock_targets.reports import Operation

EVENTS = make_events(batch=3, enters=5, exits=2)


class Written:
    """The final names a mock server stored during a block (reports arrive on its thread)."""

    def __init__(self, target: Target) -> None:
        self.keys: list[str] = []
        self._lock = threading.Lock()
        self._target = target
        self._unsubscribe = None
        if isinstance(target, (S3Target, SFTPTarget)):
            self._unsubscribe = target.server.reporter.subscribe(self._heard)

    def _heard(self, op: Operation) -> None:
        stored = None
        if op.server == "s3" and op.op in ("put", "multipart-complete"):
            stored = op.key if (op.status or 200) < 300 else None
        elif op.server == "sftp" and op.op == "rename":
            stored = op.target
        if stored is not None:
            with self._lock:
                self.keys.append(stored)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()


def _remove(target: Target, key: str) -> None:
    if isinstance(target, S3Target):
        target._client.delete_object(Bucket=target.bucket, Key=key)
    elif isinstance(target, SFTPTarget):
        (target.server.root / key).unlink()
    else:
        assert isinstance(target, LocalTarget)
        (target.root / key).unlink()


@pytest.mark.parametrize("kind", ["s3", "sftp", "local"])
def test_fs6_3_control_file_removed_at_the_target_is_reported_then_resent_exactly(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target: Target = (
        LocalTarget(tmp_path / "out")
        if kind == "local"
        else request.getfixturevalue(f"{kind}_target")
    )
    for name, value in target_env(target).items():
        monkeypatch.setenv(name, value)
    config_path, events_path = write_inputs(tmp_path, target.config, EVENTS)
    publish = publish_args(target, config_path, events_path)

    assert main(publish) == 0
    delivered = target.files()
    controls = sorted(k for k in delivered if classify(k) == "control")
    assert len(controls) == 2
    assert main(publish) == 0
    assert capsys.readouterr().out.count("already delivered") == 1

    _remove(target, controls[1])
    assert main(publish) == EXIT_MISSING
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert "missing at target: batch " in err and "1 of 2 control file(s) are gone" in err
    assert f"(first: {controls[1]})" in err and "--resend-missing" in err
    assert target.files() == {k: v for k, v in delivered.items() if k != controls[1]}

    written = Written(target)
    try:
        assert main([*publish, "--resend-missing"]) == 0
    finally:
        written.close()
    out = capsys.readouterr().out
    assert out.startswith("resent: 1 missing control file(s) of batch ")
    assert target.files() == delivered  # the same names, the same bytes
    if kind != "local":
        assert written.keys == [controls[1]]  # the data file was still whole: not resent
    assert main(publish) == 0
    assert capsys.readouterr().out.startswith("already delivered")
