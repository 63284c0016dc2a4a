"""feedcore: build and deliver marketing data feeds (FEED_SPEC v1), as a library.

The documented API is what ``__all__`` lists (``docs/library.md``); everything
else is reached through its module and may change. A production job loads a
config, reads its events and publishes them as one batch, safely rerunnable::

    import feedcore
    from feedcore import logsafety

    logsafety.install()  # mask secrets in log records: the process's choice, made once
    config = feedcore.load_config("feed.toml")
    target = feedcore.S3Target(config.feed.host)  # credentials: the AWS chain
    with feedcore.read_events("events.jsonl", config=config) as events:
        outcome = feedcore.publish_batch(config, events, target, state_dir="state")
    for file in outcome.files:
        print(outcome.status, file.url, file.rows)

The writer alone (``FeedWriter(config, sink).export(events)`` on a sink from
``open_sink(target)``) is one export without the batch journal.

Names are imported on first use (module ``__getattr__``), so ``import feedcore``
costs next to nothing and loads neither boto3 nor asyncssh until an S3 or SFTP
sink is asked for. The error classes are imported at once: they are tiny, and
``except feedcore.FeedError`` must work before anything else was touched.
"""

import importlib as _importlib
import typing as _typing

from feedcore.errors import (
    AlreadyExistsError,
    AuthError,
    BadLineError,
    BatchLockedError,
    ConfigError,
    EventError,
    FeedError,
    HostKeyError,
    IncompleteBatchError,
    JournalError,
    JournalReadError,
    JournalWriteError,
    LineProblem,
    MissingExtraError,
    RenderError,
    SinkError,
    SpoolError,
    TemplateLimitError,
    TransientSinkError,
    VerifyError,
)

if _typing.TYPE_CHECKING:
    from feedcore.batch import PublishOutcome, publish_batch
    from feedcore.config import FeedConfig, load_config, loads_config, save_config
    from feedcore.events import Event, EventReader
    from feedcore.eventsource import read_events
    from feedcore.retry import RetryPolicy
    from feedcore.sinks.base import Payload, Sink
    from feedcore.sinks.local import LocalSink
    from feedcore.sinks.memory import MemorySink
    from feedcore.sinks.s3 import S3Sink
    from feedcore.sinks.sftp import SFTPSink
    from feedcore.targets import (
        LocalTarget,
        MemoryTarget,
        S3Target,
        SFTPTarget,
        TargetSpec,
        open_sink,
        target_location,
    )
    from feedcore.verify import Finding, verify_location
    from feedcore.writer import BatchResult, DeliveredFile, FeedWriter

#: Where each lazily imported name lives.
_LAZY = {
    "FeedConfig": "feedcore.config",
    "load_config": "feedcore.config",
    "loads_config": "feedcore.config",
    "save_config": "feedcore.config",
    "Event": "feedcore.events",
    "EventReader": "feedcore.events",
    "read_events": "feedcore.eventsource",
    "publish_batch": "feedcore.batch",
    "PublishOutcome": "feedcore.batch",
    "RetryPolicy": "feedcore.retry",
    "FeedWriter": "feedcore.writer",
    "BatchResult": "feedcore.writer",
    "DeliveredFile": "feedcore.writer",
    "Sink": "feedcore.sinks.base",
    "Payload": "feedcore.sinks.base",
    "LocalSink": "feedcore.sinks.local",
    "MemorySink": "feedcore.sinks.memory",
    "S3Sink": "feedcore.sinks.s3",
    "SFTPSink": "feedcore.sinks.sftp",
    "LocalTarget": "feedcore.targets",
    "MemoryTarget": "feedcore.targets",
    "S3Target": "feedcore.targets",
    "SFTPTarget": "feedcore.targets",
    "TargetSpec": "feedcore.targets",
    "open_sink": "feedcore.targets",
    "target_location": "feedcore.targets",
    "verify_location": "feedcore.verify",
    "Finding": "feedcore.verify",
}

__all__ = [
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


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'feedcore' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
