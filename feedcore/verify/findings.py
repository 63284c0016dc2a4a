"""Findings: what the conformance checker (FS-8 ``feedlab verify``) reports.

A finding is one line a person or a CI log can act on: which file, which rule,
what was expected and what was found. Files can hold millions of rows, so a
problem that repeats row after row is folded into one finding by :class:`Tally`
(first line, and how many lines in all) instead of flooding the output.

Row values are never quoted blindly: a data file holds contact addresses (and a
hashed feed promises they appear nowhere, FS-2.5), so :func:`show` refuses to
echo anything that looks like an identifier.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_MAX_SHOWN = 40
#: For URLs and keys, whose informative part is at the end.
LONG = 300


@dataclass(frozen=True)
class Finding:
    """One violation of a spec rule by one file."""

    rule: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{_printable(self.key)}: {self.message} [{self.rule}]"


def _printable(text: str) -> str:
    """Keys come from a listing and may hold line breaks; a finding stays one line."""
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        return repr(text)[1:-1]
    return text


def show(value: object, limit: int = _MAX_SHOWN) -> str:
    """A value from a file, safe to put in a finding: short, one line, no identifiers."""
    if value is None:
        return "null"
    if isinstance(value, str):
        if "@" in value or _HEX64_RE.search(value.lower()):
            return "a value that looks like a contact identifier (not shown)"
        text = repr(value)
    else:
        text = repr(value)
        if "@" in text:
            return "a value that looks like a contact identifier (not shown)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class _Count:
    first_line: int
    message: str
    lines: int = 1


@dataclass
class Tally:
    """Folds repeated per-line problems of one file into one finding per kind."""

    key: str
    _counts: dict[tuple[str, str], _Count] = field(default_factory=dict)

    def add(self, rule: str, kind: str, line: int, message: str) -> None:
        """Record a problem; only the first message of each (rule, kind) is kept."""
        count = self._counts.get((rule, kind))
        if count is None:
            self._counts[(rule, kind)] = _Count(line, message)
        else:
            count.lines += 1

    def findings(self) -> list[Finding]:
        out = []
        for (rule, _), count in self._counts.items():
            more = f" ({count.lines:,} lines in all)" if count.lines > 1 else ""
            out.append(Finding(rule, self.key, f"line {count.first_line}: {count.message}{more}"))
        return out
