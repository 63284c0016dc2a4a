"""Private temporary folders that a later run can tell are abandoned.

Why one module: the writer's spool (encoded rows, raw addresses in unhashed
feeds), the copy of an events stream (raw addresses) and the demo's sample
export all go to temporary folders. They must be private from the first
instant (a folder made 0700 by ``mkdtemp``, files created 0600 with
``O_EXCL | O_NOFOLLOW``: never chmod'ed after, so there is no window where
another user can read or swap them), and a run that is killed must not leave
them behind for ever.

How a later run knows a folder is abandoned: its owner keeps the folder's lock
file ``flock``-ed for as long as it lives (the kernel releases the lock when the
process dies, however it dies). When a run makes its first private folder it
sweeps the parent once: every ``feedlab-*`` folder owned by this user whose
lock it can take is removed. Folders without a lock file (made by something
else, or still being set up) and folders whose lock is held are never touched;
no symlink is followed (``O_NOFOLLOW``, and ``shutil.rmtree`` works on file
descriptors). The lock file is created under a temporary name and renamed into
place only once it is locked, so a sweeper can never take the lock of a folder
that is being created.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

from feedcore.errors import SpoolError

try:  # POSIX; elsewhere folders stay private but are not swept
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

PREFIX = "feedlab-"
LOCK_NAME = ".owner.lock"
_NEW_LOCK = ".owner.lock.new"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC
#: errno values that mean "the disk (or this user's share of it) is full".
NO_SPACE = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG) if code
)

_swept: set[str] = set()
_sweep_lock = threading.Lock()


class Closeable:
    """``with thing:`` closes it on the way out (a private folder, an events source)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class PrivateDir(Closeable):
    """A 0700 folder this process owns (its lock is held) until :meth:`close` removes it."""

    def __init__(self, path: Path, lock_fd: int) -> None:
        self.path = path
        self._lock_fd: int | None = lock_fd

    def create(self, name: str, *, readable: bool = False) -> BinaryIO:
        """A new file in the folder, mode 0600 from its creation (``w+b`` when ``readable``)."""
        return create_private_file(self.path / name, readable=readable)

    def close(self) -> None:
        """Remove the folder and everything in it, then let go of the lock."""
        if self._lock_fd is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock_fd)
        self._lock_fd = None


def create_private_file(path: Path, *, readable: bool = False) -> BinaryIO:
    """Create ``path`` (it must not exist, and is never a followed symlink) with mode 0600."""
    access = os.O_RDWR if readable else os.O_WRONLY
    fd = os.open(path, access | _FILE_FLAGS, 0o600)
    return os.fdopen(fd, "w+b" if readable else "wb")


def private_dir(kind: str, parent: str | Path | None = None) -> PrivateDir:
    """Make ``{parent}/feedlab-{kind}-XXXX`` (default parent: the system temp folder).

    Abandoned folders of earlier runs in ``parent`` are swept first (once per process).
    """
    where = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    sweep_stale(where)
    try:
        path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-", dir=where))
    except OSError as exc:
        raise SpoolError(
            f"cannot make a temporary folder in {where}: {exc.strerror or exc} "
            "(set TMPDIR to a writable folder)"
        ) from exc
    try:
        lock_fd = os.open(path / _NEW_LOCK, os.O_RDWR | _FILE_FLAGS, 0o600)
        if fcntl is not None:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
        os.rename(path / _NEW_LOCK, path / LOCK_NAME)
    except OSError as exc:
        shutil.rmtree(path, ignore_errors=True)
        raise SpoolError(f"cannot set up temporary folder {path}: {exc.strerror or exc}") from exc
    return PrivateDir(path, lock_fd)


def sweep_stale(parent: Path) -> list[str]:
    """Remove the abandoned ``feedlab-*`` folders in ``parent``; returns their names.

    Runs once per parent per process (later calls return ``[]``).
    """
    key = os.path.abspath(parent)
    with _sweep_lock:
        if key in _swept or fcntl is None:
            return []
        _swept.add(key)
    removed: list[str] = []
    try:
        parent_fd = os.open(parent, _DIR_FLAGS)
    except OSError:
        return removed
    try:
        with os.scandir(parent_fd) as entries:
            names = [
                entry.name
                for entry in entries
                if entry.name.startswith(PREFIX) and entry.is_dir(follow_symlinks=False)
            ]
        uid = os.getuid()
        for name in names:
            if _remove_if_abandoned(parent_fd, name, uid):
                removed.append(name)
    except OSError:
        pass
    finally:
        os.close(parent_fd)
    return removed


def _remove_if_abandoned(parent_fd: int, name: str, uid: int) -> bool:
    assert fcntl is not None
    try:
        folder_fd = os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent_fd)
    except OSError:
        return False  # gone, a symlink, or not ours to open
    try:
        if os.fstat(folder_fd).st_uid != uid:
            return False
        try:
            lock_fd = os.open(LOCK_NAME, os.O_RDWR | _NOFOLLOW | _CLOEXEC, dir_fd=folder_fd)
        except OSError:
            return False  # no lock file: not made by this module, or still being set up
        try:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # its owner is alive
            shutil.rmtree(name, dir_fd=parent_fd, ignore_errors=True)
            return True
        finally:
            os.close(lock_fd)
    finally:
        os.close(folder_fd)


def storage_error(folder: Path, needed: int, what: str, exc: OSError) -> SpoolError:
    """One line for a failed write to a temporary folder (a full disk above all)."""
    if exc.errno in NO_SPACE:
        return SpoolError(
            f"no space left for {what} in {folder} ({exc.strerror}): it needs more than "
            f"{needed:,} bytes there; free some space or set TMPDIR to a folder on a larger "
            "disk. Nothing was delivered"
        )
    return SpoolError(
        f"cannot write {what} in {folder}: {exc.strerror or exc}. Nothing was delivered"
    )
