"""The batch journal: publishing the same batch again is idempotent (FS-6.3).

FS-6.3 asks that a retried export reuse its names. Within one run the writer's
retries do; across runs (a crash, a killed job, a target that stayed down past
the retry budget) the next run must know the export time and the random name
parts the first one used. The journal remembers them.

A batch is identified by its **batch key**: the SHA-256 of the canonical config
(:func:`~feedcore.config.dumps_config`, so comments and key order do not
matter), the events' bytes, and the target location
(:func:`~feedcore.targets.target_location`: canonical, without credentials);
the export time and the seed are part of it when the caller chose them, since
they choose the names. Before the first byte is sent, the batch workflow
(:mod:`feedcore.batch`) records ``{at, seed, random parts, started, files
delivered}`` in ``STATE_DIR/{key}.json``; after each file it records the file;
at the end it marks the batch complete. What a rerun does with a record
(resume, report it delivered, check the target still holds it) is the
workflow's business; this module only keeps records.

Writes are atomic (a temporary file in the same folder, flushed and renamed),
and a lock file (``flock``, released by the OS if the process dies) keeps two
runs of one batch from racing. The state folder is the caller's, else
``$FEEDLAB_STATE_DIR``, else ``$XDG_STATE_HOME/feedlab/batches``, else
``~/.local/state/feedlab/batches``. Records are small and read by nothing but
the workflow; deleting old ones only forgets that those batches were delivered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedcore.config import FeedConfig, dumps_config
from feedcore.errors import BatchLockedError, JournalError, JournalReadError, JournalWriteError
from feedcore.writer import BatchNames, BatchResult, DeliveredFile

__all__ = [
    "STATE_ENV",
    "BatchJournal",
    "BatchRecord",
    "JournalError",
    "JournalObserver",
    "batch_key",
    "default_state_dir",
]

STATE_ENV = "FEEDLAB_STATE_DIR"
_VERSION = 1


def default_state_dir() -> Path:
    """``$FEEDLAB_STATE_DIR``, else ``$XDG_STATE_HOME/feedlab/batches``, else under ``~``."""
    override = os.environ.get(STATE_ENV)
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return base / "feedlab" / "batches"


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def batch_key(
    config: FeedConfig,
    events_digest: bytes,
    target: str,
    *,
    at: str | None = None,
    seed: str | None = None,
) -> str:
    """The batch key: SHA-256 over the parts' own digests (so no two inputs can run together)."""
    parts = [
        b"feedlab-batch-v1",
        _digest(dumps_config(config).encode("utf-8")),
        events_digest,
        _digest(target.encode("utf-8")),
        _digest(f"at={at}".encode()) if at is not None else b"",
        _digest(f"seed={seed}".encode()) if seed is not None else b"",
    ]
    return hashlib.sha256(b"".join(_digest(p) for p in parts)).hexdigest()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class BatchRecord:
    """One batch as the journal keeps it (JSON, one file per batch key)."""

    key: str
    at: str
    seed: int | str | None
    target: str
    status: str = "started"  # "started" until every file is delivered, then "complete"
    random_parts: dict[str, str] = field(default_factory=dict)
    started: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    files: list[dict[str, Any]] = field(default_factory=list)
    version: int = _VERSION

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def export_time(self) -> datetime:
        return datetime.fromisoformat(self.at).astimezone(UTC)

    def names(self, config: FeedConfig) -> BatchNames:
        """The batch's names, exactly as the first run made them."""
        return BatchNames(config, self.export_time, self.seed, drawn=self.random_parts)

    @classmethod
    def from_json(cls, data: Any) -> BatchRecord:
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            raise ValueError("not a version-1 batch record")
        seed = data.get("seed")
        if seed is not None and not isinstance(seed, (int, str)):
            raise ValueError("seed is not an integer, a string or null")
        parts = data.get("random_parts", {})
        files = data.get("files", [])
        if not isinstance(parts, dict) or not isinstance(files, list):
            raise ValueError("random_parts or files has the wrong type")
        record = cls(
            key=str(data["key"]),
            at=str(data["at"]),
            seed=seed,
            target=str(data["target"]),
            status=str(data["status"]),
            random_parts={str(k): str(v) for k, v in parts.items()},
            started=str(data["started"]),
            updated=str(data["updated"]),
            files=[dict(f) for f in files if isinstance(f, dict)],
        )
        record.export_time  # noqa: B018 - validates the time
        return record


class BatchJournal:
    """The folder of batch records (created on first write, mode 0700)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_state_dir()

    def path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("a batch key is 64 lowercase hex characters")
        return self.directory / f"{key}.json"

    def load(self, key: str) -> BatchRecord | None:
        path = self.path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalReadError(str(path), f"cannot read it ({exc.strerror or exc})") from None
        try:
            return BatchRecord.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            raise JournalReadError(str(path), f"unreadable ({exc})") from None

    def save(self, record: BatchRecord) -> None:
        """Atomically replace the record: a crash leaves the old one or the new one, never half."""
        record.updated = _now()
        path = self.path(record.key)
        data = json.dumps(asdict(record), indent=2, sort_keys=True, allow_nan=False) + "\n"
        try:
            self._ensure_directory()
            fd, tmp = tempfile.mkstemp(prefix=f".{record.key}.", suffix=".tmp", dir=self.directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            _fsync_directory(self.directory)
        except OSError as exc:
            raise JournalWriteError(str(path), f"cannot write it ({exc.strerror or exc})") from None

    def _ensure_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold the batch's lock; another run of the same batch is refused, not raced."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock, the journal still works
            yield
            return
        lock_path = self.path(key).with_suffix(".lock")
        try:
            self._ensure_directory()
            handle = open(lock_path, "a+b")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise JournalWriteError(
                str(lock_path), f"cannot lock it ({exc.strerror or exc})"
            ) from None
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise BatchLockedError(str(lock_path)) from None
            yield
        finally:
            handle.close()


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class JournalObserver:
    """The writer's :class:`~feedcore.writer.DeliveryObserver` that keeps a batch record."""

    def __init__(self, journal: BatchJournal, record: BatchRecord) -> None:
        self.journal = journal
        self.record = record

    def planned(self, names: BatchNames, data_keys: list[str]) -> None:
        self.record.at = names.at.isoformat()
        self.record.random_parts = names.drawn()
        self.record.status = "started"
        self.record.files = []
        self.journal.save(self.record)

    def delivered(self, file: DeliveredFile) -> None:
        self.record.files.append(
            {
                "operation": file.operation,
                "data_key": file.data_key,
                "control_key": file.control_key,
                "url": file.url,
                "rows": file.rows,
                "size": file.size,
            }
        )
        self.journal.save(self.record)

    def finished(self, result: BatchResult) -> None:
        self.record.status = "complete"
        self.journal.save(self.record)
