"""FS-6.3 / FS-6.1: control files are write-once, on every target.

An existing control file is never overwritten by a different batch: SFTP
refuses through an exclusive rename, S3 through ``If-None-Match: *`` and a
local folder through ``os.link``. The same bytes again (a retry) are a success.
Here a second batch is forced onto the first one's names (same ``--seed`` and
``--at``, other events) and must fail without touching either file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import (
    AT,
    LocalTarget,
    Target,
    make_events,
    publish_args,
    reference_files,
    run_feedlab,
    target_env,
    write_inputs,
    writer,
)

from feedcore.errors import AlreadyExistsError
from feedcore.sinks.base import Payload, SinkEvent
from feedcore.verify.layout import classify

FIRST = make_events(batch=5, enters=4, exits=2)
OTHER = make_events(batch=6, enters=5, exits=2)  # other contacts, same names when seeded alike


@pytest.fixture(params=["sftp", "s3", "local"])
def any_target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "local":
        return LocalTarget(tmp_path / "out")
    target: Target = request.getfixturevalue(f"{request.param}_target")
    return target


def test_fs6_3_control_file_is_never_overwritten_by_another_batch(any_target: Target) -> None:
    config = any_target.config
    writer(config, any_target.sink()).export(FIRST, at=AT)
    first = any_target.files()
    assert first == reference_files(config, FIRST)
    events: list[SinkEvent] = []
    with pytest.raises(AlreadyExistsError, match=r"FS-6\.3|write-once"):
        writer(config, any_target.sink(listeners=[events.append])).export(OTHER, at=AT)
    # Same names, so the control file existed: the data file was not resent either.
    assert any_target.files() == first
    assert not any(e.action in ("put", "rename", "multipart-complete") for e in events)


def test_fs6_3_identical_control_file_again_is_an_idempotent_success(any_target: Target) -> None:
    config = any_target.config
    writer(config, any_target.sink()).export(FIRST, at=AT)
    first = any_target.files()
    events: list[SinkEvent] = []
    writer(config, any_target.sink(listeners=[events.append])).export(FIRST, at=AT)
    assert any_target.files() == first
    assert [e.action for e in events].count("skip-existing") == 2


def test_fs6_3_exclusive_put_refuses_other_bytes_at_the_sink(any_target: Target) -> None:
    key = "exports/daily/2026/11/27/control_acme_1234_add_0a1b2c3d_20261127030000.json"
    sink = any_target.sink()
    sink.put(key, Payload.from_bytes(b'{"rows": 1}\n'), exclusive=True)
    for other in (b'{"rows": 2}\n', b'{"rows": 22}\n', b""):
        with pytest.raises(AlreadyExistsError):
            sink.put(key, Payload.from_bytes(other), exclusive=True)
    sink.put(key, Payload.from_bytes(b'{"rows": 1}\n'), exclusive=True)  # a retry: fine
    assert any_target.files() == {key: b'{"rows": 1}\n'}


def test_fs6_3_publish_of_another_batch_onto_taken_names_fails_cleanly(
    any_target: Target, tmp_path: Path
) -> None:
    """Through the CLI: exit 1, one line naming the rule, both files untouched."""
    seeded = ["--seed", "11", "--at", "2026-11-27T03:00:00Z"]
    config_path, first_events = write_inputs(tmp_path, any_target.config, FIRST, "first")
    _, other_events = write_inputs(tmp_path, any_target.config, OTHER, "other")
    env = target_env(any_target)
    ok = run_feedlab(*publish_args(any_target, config_path, first_events), *seeded, env=env)
    assert ok.returncode == 0, ok.stderr
    before = any_target.files()
    assert sorted(map(classify, before)) == ["control", "control", "data", "data"]
    clash = run_feedlab(*publish_args(any_target, config_path, other_events), *seeded, env=env)
    assert clash.returncode == 1
    assert "write-once" in clash.stderr and "Traceback" not in clash.stderr
    assert any_target.files() == before
