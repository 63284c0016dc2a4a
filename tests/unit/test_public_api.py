"""``import feedcore`` is the documented API: its names are pinned here (as httpx's
``test_exported_members``), and the S3/SFTP sinks load only when asked for."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from datetime import UTC, datetime
from types import ModuleType

import feedcore
from feedcore import errors

#: The API. Adding a name is a decision: add it here too.
EXPORTED = [
    "AlreadyExistsError",
    "AuthError",
    "BadLineError",
    "BatchLockedError",
    "BatchResult",
    "ConfigError",
    "DeliveredFile",
    "Event",
    "EventError",
    "EventReader",
    "FeedConfig",
    "FeedError",
    "FeedWriter",
    "Finding",
    "HostKeyError",
    "IncompleteBatchError",
    "JournalError",
    "JournalReadError",
    "JournalWriteError",
    "LineProblem",
    "LocalSink",
    "LocalTarget",
    "MemorySink",
    "MemoryTarget",
    "MissingExtraError",
    "Payload",
    "PublishOutcome",
    "RenderError",
    "RetryPolicy",
    "S3Sink",
    "S3Target",
    "SFTPSink",
    "SFTPTarget",
    "Sink",
    "SinkError",
    "SpoolError",
    "TargetSpec",
    "TemplateLimitError",
    "TransientSinkError",
    "VerifyError",
    "load_config",
    "loads_config",
    "open_sink",
    "publish_batch",
    "read_events",
    "save_config",
    "target_location",
    "verify_location",
]


def test_all_names_are_pinned_sorted_and_resolve() -> None:
    assert feedcore.__all__ == EXPORTED == sorted(EXPORTED)
    for name in feedcore.__all__:
        assert getattr(feedcore, name) is not None
    # Once every name is resolved, the package holds no other public name (modules aside).
    public = {
        name
        for name, value in vars(feedcore).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert public == set(EXPORTED)
    assert set(EXPORTED) <= set(dir(feedcore))


def test_every_feedlab_error_is_exported() -> None:
    tree = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, errors.FeedError)
    }
    assert tree <= set(feedcore.__all__)
    assert {"FeedError", "ConfigError", "SinkError", "AuthError"} <= tree


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'boto3', 'botocore', 'asyncssh', 'pydantic', 'jinja2'})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_import_feedcore_is_lazy_and_the_network_sinks_load_on_demand() -> None:
    assert _loaded_after("import feedcore\nfeedcore.FeedError") == []
    assert "boto3" not in _loaded_after("import feedcore\nfeedcore.FeedWriter\nfeedcore.open_sink")
    assert "asyncssh" not in _loaded_after("import feedcore\nfeedcore.LocalSink")
    assert "boto3" in _loaded_after("import feedcore\nfeedcore.S3Sink")
    assert "asyncssh" in _loaded_after("from feedcore import SFTPSink")


def test_a_feed_exports_through_the_public_names_only() -> None:
    config = feedcore.loads_config(
        """
client = "acme"
[flow]
id = 7
name = "Welcome"
segment = "New"
actions = ["email_welcome"]
[feed]
format = "csv"
target = "s3"
host = "acme-data-feeds"
path = "exports/daily"
"""
    )
    target = feedcore.MemoryTarget()
    events = [feedcore.Event("enter", "ann@example.com", None, {})]
    with feedcore.open_sink(target) as sink:
        result = feedcore.FeedWriter(config, sink, seed=1).export(
            events, at=datetime(2026, 11, 27, 3, tzinfo=UTC)
        )
    assert isinstance(result, feedcore.BatchResult)
    (file,) = result.files
    assert isinstance(file, feedcore.DeliveredFile)
    assert file.url == f"s3://acme-data-feeds/{file.data_key}"
    assert file.rows == 2  # one per action: data_feed and email_welcome (FS-2.2)
    assert set(target.objects) == {file.data_key, file.control_key}
    assert feedcore.verify_location(sink, config=config) == []
    assert isinstance(sink, feedcore.Sink)


def test_every_exported_name_is_documented_in_docs_library_md() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "library.md").read_text()
    assert [name for name in EXPORTED if f"`{name}" not in text] == []
