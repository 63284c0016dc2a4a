"""Errors as users see them: one line, never a traceback."""

from __future__ import annotations

from feedcore.errors import ConfigError, FeedError


def one_line(exc: BaseException) -> str:
    """feedlab's own message (the first problem of a config), or the type for anything else.

    Unexpected exceptions are not quoted: their text could carry anything, including
    a raw address from an event (FS-2.5).
    """
    if isinstance(exc, ConfigError) and exc.problems:
        more = len(exc.problems) - 1
        return str(exc.problems[0]) + (f" (and {more} more)" if more else "")
    if isinstance(exc, FeedError):
        text = str(exc)
        return text.splitlines()[0] if text else type(exc).__name__
    return f"unexpected {type(exc).__name__}"
