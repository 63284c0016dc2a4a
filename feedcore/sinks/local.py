"""A local-folder sink: ``feedlab publish --to-dir`` and the writer's file-based test double.

It follows the SFTP protocol on a local disk (write ``.{name}.partial``, then
rename) so a folder it writes looks exactly like what a consumer's poller would
see on a server, including never a half-written file under a final name.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from feedcore.errors import AlreadyExistsError, SinkError
from feedcore.naming import partial_name
from feedcore.sinks.base import (
    ClosingSink,
    Listeners,
    ObjectInfo,
    Payload,
    SinkListener,
    check_limit,
)


def safe_key(key: str) -> PurePosixPath:
    """Reject keys that could leave the root (absolute, ``..``, NUL, empty parts)."""
    parts = key.split("/")
    if not key or key.startswith("/") or "\x00" in key or any(p in ("", ".", "..") for p in parts):
        raise SinkError(f"refusing unsafe key {key!r}: keys are relative paths without '..'")
    return PurePosixPath(key)


def _place(payload: Payload, tmp: Path) -> None:
    """Write a file payload at ``tmp``: a hard link to a spool file on the same file
    system (its bytes are written once, not copied: a 2 GB export is 2 GB less disk
    traffic), otherwise a copy."""
    assert payload.path is not None
    if payload.spooled:
        tmp.unlink(missing_ok=True)  # a partial file left by a crashed run
        try:
            os.link(payload.path, tmp)
            return
        except OSError:  # another file system, or one without hard links: copy it
            pass
    shutil.copyfile(payload.path, tmp)


class LocalSink(ClosingSink):
    """Writes keys as files under ``root`` (created on demand)."""

    def __init__(self, root: str | Path, listeners: list[SinkListener] | None = None) -> None:
        self.root = Path(root)
        self.label = f"file://{self.root.resolve()}"
        self.listeners = Listeners(list(listeners or []))

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*safe_key(key).parts)

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None:
        final = self._path(key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            if exclusive and final.exists():
                if final.read_bytes() == payload.read_all():
                    self.listeners.emit("skip-existing", key, size=payload.size)
                    return
                raise AlreadyExistsError(f"{key} already exists with other content (write-once)")
            tmp = final.with_name(partial_name(final.name))
            self.listeners.emit("write-partial", key, size=payload.size)
            try:
                if payload.path is not None:
                    _place(payload, tmp)
                else:
                    tmp.write_bytes(payload.data or b"")
                if exclusive:
                    try:
                        os.link(tmp, final)  # fails if another writer got there first
                    finally:
                        tmp.unlink()
                else:
                    os.replace(tmp, final)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except FileExistsError:
            raise AlreadyExistsError(f"{key} already exists (write-once)") from None
        except OSError as exc:
            raise SinkError(f"cannot write {final}: {exc.strerror or exc}") from exc
        self.listeners.emit("rename", key, size=payload.size)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        # Keys starting with "a/b/c" live under a/b/: walk only there (a lookup of one
        # key, as the batch workflow makes, must not walk the whole target).
        folder = prefix.rpartition("/")[0]
        parts = folder.split("/") if folder else []
        start = self.root
        if parts and all(part not in ("", ".", "..") for part in parts):
            start = self.root.joinpath(*parts)
        if not start.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield ObjectInfo(key, path.stat().st_size)

    def read(self, key: str, limit: int | None = None) -> bytes:
        check_limit(limit)
        try:
            with self._path(key).open("rb") as fh:
                return fh.read(-1 if limit is None else limit)
        except OSError as exc:
            raise SinkError(f"cannot read {key}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        pass  # nothing held open between calls
