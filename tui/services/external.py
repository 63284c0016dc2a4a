"""Open a mock server's file in the user's ``$PAGER`` or ``$EDITOR``.

The file is downloaded (by the caller, in a worker) to a private temporary
copy: a fresh 0700 folder, the file 0600 from the start and named as on the
server, so an editor picks the right syntax. The app suspends while the program
runs and the copy is removed when it exits; edits stay in the copy (the server's
file is write-once, FS-6). **[decision]** Defaults when the variable is unset:
``less`` for the pager, ``vi`` for the editor (both are on any POSIX system);
a program that is not installed is a one-line error naming the variable.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from feedcore.errors import FeedError

Kind = Literal["pager", "editor"]
DEFAULTS: dict[Kind, tuple[str, str]] = {"pager": ("PAGER", "less"), "editor": ("EDITOR", "vi")}


class ProgramMissing(FeedError):
    """The pager or editor cannot be run; the message says which variable to set."""


def program(kind: Kind, environ: Mapping[str, str] | None = None) -> list[str]:
    """The argv of the user's pager or editor (``$PAGER``/``$EDITOR``, else the default)."""
    env = os.environ if environ is None else environ
    variable, default = DEFAULTS[kind]
    text = env.get(variable, "").strip()
    if kind == "editor" and not text:
        text = env.get("VISUAL", "").strip()
    try:
        argv = shlex.split(text) if text else [default]
    except ValueError:
        problem = f"${variable} {text!r} is not a command line: fix its quoting"
        raise ProgramMissing(problem) from None
    if not argv or shutil.which(argv[0], path=env.get("PATH")) is None:
        shown = argv[0] if argv else text
        where = f"${variable} names {shown!r}" if text else f"no ${variable} is set and {shown!r}"
        raise ProgramMissing(f"cannot open the file: {where} is not installed (set ${variable})")
    return argv


def private_copy(name: str, data: bytes) -> Path:
    """Write ``data`` to a private temporary file called ``name`` (in a worker: it may be big).

    Remove it with :func:`remove_copy` once the program has exited.
    """
    safe = Path(name).name or "file"
    folder = Path(tempfile.mkdtemp(prefix="feedlab-open-"))
    path = folder / safe
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def remove_copy(path: Path) -> None:
    """Remove a :func:`private_copy` and its folder."""
    if path.parent.name.startswith("feedlab-open-"):
        shutil.rmtree(path.parent, ignore_errors=True)
