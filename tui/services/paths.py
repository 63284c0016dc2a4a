"""Completing a file path as it is typed (the open / save / demo prompts).

Plain functions over the file system, no Textual: the prompt's suggester calls
:func:`complete_path` on a thread, since listing a folder is disk IO.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

#: Entries of one folder looked at, at most (a huge folder must not stall a key press).
MAX_ENTRIES = 2000


def complete_path(text: str, suffixes: Sequence[str] = ()) -> str | None:
    """``text`` completed to the first matching entry of its folder, or None.

    Folders complete with a trailing ``/``; files only when they end with one of
    ``suffixes`` (any file when empty). Hidden entries only when the typed part
    starts with ``.``. ``~`` is kept as typed.
    """
    if not text or text.endswith(os.sep + os.sep):
        return None
    folder_text, _, partial = text.rpartition(os.sep)
    folder = Path(os.path.expanduser(folder_text + os.sep if folder_text else "."))
    if folder_text == "" and text.startswith(os.sep):
        folder = Path(os.sep)
    matches: list[tuple[bool, str]] = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_ENTRIES:
                    break
                name = entry.name
                if not name.startswith(partial) or name == partial:
                    continue
                if name.startswith(".") and not partial.startswith("."):
                    continue
                is_dir = entry.is_dir()
                if is_dir or not suffixes or name.endswith(tuple(suffixes)):
                    matches.append((not is_dir, name + (os.sep if is_dir else "")))
    except OSError:
        return None
    if not matches:
        return None
    _, best = min(matches)  # folders first, then by name
    prefix = text[: len(text) - len(partial)]
    return prefix + best
