"""One exception tree for everything feedlab can refuse or fail at.

Callers (CLI, TUI, a production job) catch :class:`FeedError` and show ``str(exc)``:
one line that already says what went wrong and, where we know it, how to fix it.
Library exceptions (boto3, asyncssh, OSError) are translated at the edge with
``raise ... from exc`` so the cause stays available to a debugger but never
reaches a user as a traceback. Messages never carry secrets or raw addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class FeedError(Exception):
    """Root of every error feedlab raises on purpose."""


@dataclass(frozen=True)
class FieldProblem:
    """One rejected config value: which field, what was given, how to fix it."""

    field: str
    message: str
    rule: str = "FS-1"

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.rule}]"


class ConfigError(FeedError):
    """A feed config is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[FieldProblem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            text = f"{head}{self.problems[0]}"
        else:
            text = f"{head}{len(self.problems)} problems: " + "; ".join(map(str, self.problems))
        super().__init__(text)


class EventError(FeedError):
    """Flow-event input could not be used (FS-7)."""


@dataclass(frozen=True)
class LineProblem:
    """A bad event line. The message never quotes the line (it may hold an address)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message} [FS-7]"


class BadLineError(EventError):
    """Strict reading stopped at the first bad line; nothing was delivered (FS-7).

    ``problem`` is the line (a :class:`LineProblem`), ``source`` the input's name.
    """

    def __init__(self, source: str, problem: LineProblem) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem} (strict: stopped before writing anything)")


class SpoolError(FeedError):
    """Local temporary storage failed (a full disk, a quota, a file size limit)."""


class RenderError(FeedError):
    """A context template or condition could not be evaluated for a contact."""


class TemplateLimitError(RenderError):
    """A template went over one of the sandbox's bounds (FS-2.5, FS-2.6).

    Its message names the bound only (never contact data), so the export
    summary counts one warning line per bound however many contacts hit it.
    """

    def __init__(self, bound: str) -> None:
        super().__init__(f"over a template bound: {bound}")
        self.bound = bound


class SinkError(FeedError):
    """A delivery target refused or failed an operation."""


class TransientSinkError(SinkError):
    """A fault worth retrying (connection drop, 5xx, throttling) (FS-6.3)."""


class AuthError(SinkError):
    """Credentials were refused by the target."""


class HostKeyError(SinkError):
    """The SFTP server's host key is unknown or does not match (FS-6.5)."""


class AlreadyExistsError(SinkError):
    """A write-once object (a control file) already exists with other content."""


class JournalError(FeedError):
    """The batch journal cannot be used. ``path`` is the record or lock file,
    ``reason`` what went wrong; the subclasses say which remedy applies."""

    def __init__(self, path: str, reason: str, remedy: str = "") -> None:
        self.path = path
        self.reason = reason
        tail = f"; {remedy}" if remedy else ""
        super().__init__(f"batch journal {path}: {reason}{tail}")


class JournalReadError(JournalError):
    """A batch record is unreadable or unusable: delete it, or publish as a new batch."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            path,
            reason,
            "delete it, or publish these events as a new batch "
            "(resuming from it could duplicate files)",
        )


class JournalWriteError(JournalError):
    """A batch record cannot be written: choose another state folder, or no journal."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason, "choose another state folder, or publish without a journal")


class BatchLockedError(JournalError):
    """Another publish of the same batch holds its lock: wait for it to finish."""

    def __init__(self, path: str) -> None:
        super().__init__(path, "another publish of this batch is running", "wait for it to finish")


class IncompleteBatchError(FeedError):
    """Delivery failed after the batch was recorded in the journal (FS-6.3).

    The cause (``__cause__``, a :class:`SinkError` or another :class:`FeedError`)
    says what failed; publishing the same batch again finishes it under the
    same names and bytes. ``key`` is the batch key.
    """

    def __init__(self, cause: FeedError, key: str) -> None:
        self.cause = cause
        self.key = key
        super().__init__(
            f"{cause}; batch {key[:12]} is incomplete: publishing the same batch again "
            "finishes it (same names and bytes; nothing is duplicated) [FS-6.3]"
        )


class MissingExtraError(FeedError):
    """A feature needs an optional part of feedlab that is not installed.

    ``pip install feedlab`` is the production writer; the app, the mock servers
    and the simulator come with an extra (``pip install 'feedlab[tui]'``).
    """

    def __init__(self, what: str, extra: str = "tui") -> None:
        self.what = what
        self.extra = extra
        super().__init__(f"{what} needs the {extra} extra: pip install 'feedlab[{extra}]'")


class VerifyError(FeedError):
    """A location could not be read for verification (not a finding: a usage error)."""
