"""Hypothesis drives the properties: ``feedlab conformance`` is this, plus output.

:func:`run` draws batches of events for one config
(:func:`feedcore.testing.strategies.events`) and export times, checks each
with :func:`~feedcore.testing.properties.check_export` on a fresh, empty sink
from ``fresh_sink``, and on a failure lets Hypothesis shrink the batch to the
smallest one that still fails; that one is returned (its events, time and
what it broke), with what the examples covered. :func:`replay` checks one
given batch again, without Hypothesis: the reproduction of a failure.

Runs are reproducible: the seed derandomizes Hypothesis and seeds the writer's
random name parts. Hypothesis's example database is off unless a folder is
given (``--keep``), so nothing is written into the user's working directory.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedcore.config import FeedConfig
from feedcore.events import Event
from feedcore.sinks.base import Sink
from feedcore.testing import strategies as fs
from feedcore.testing.properties import (
    ExportReport,
    Failure,
    WriterFactory,
    check_export,
)
from feedcore.writer import FeedWriter

#: A fresh, empty location per example: entered, used for one export, left.
SinkFactory = Callable[[], contextlib.AbstractContextManager[Sink]]
#: Called after each example: (examples so far, examples asked for, failed yet).
ProgressCallback = Callable[[int, int, bool], None]

#: **[decision]** Kinds of hostile text counted in the coverage report, each a
#: predicate on one string an event carries (docs/decisions.md).
HOSTILE_KINDS: dict[str, Callable[[str], bool]] = {
    "quote": lambda s: '"' in s or "'" in s,
    "separator": lambda s: "," in s or ";" in s,
    "tab": lambda s: "\t" in s,
    "cr": lambda s: "\r" in s,
    "lf": lambda s: "\n" in s,
    "crlf": lambda s: "\r\n" in s,
    "unicode_line_break": lambda s: any(c in s for c in "\x85\u2028\u2029"),
    "control": lambda s: any(ord(c) < 32 and c not in "\t\r\n" for c in s),
    "emoji": lambda s: any(ord(c) >= 0x1F000 for c in s),
    "rtl": lambda s: any("\u0590" <= c <= "\u08ff" or c in "\u200f\u202b\u202e\u2067" for c in s),
    "combining": lambda s: any("\u0300" <= c <= "\u036f" for c in s),
    "long": lambda s: len(s) >= 1_000,
    "empty": lambda s: s == "",
}


class _Failed(Exception):
    """Raised inside the Hypothesis test so it shrinks; always from one place."""


@dataclass
class Case:
    """One checked batch: the events, the export time and what it broke."""

    events: list[Event]
    at: datetime
    report: ExportReport


@dataclass
class RunResult:
    """What a run did: examples checked, the shrunk failure (if any), coverage."""

    examples: int = 0
    failure: Case | None = None
    coverage: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def failures(self) -> list[Failure]:
        return [] if self.failure is None else self.failure.report.failures


def run(
    config: FeedConfig,
    *,
    examples: int,
    seed: int | str,
    fresh_sink: SinkFactory,
    writer: WriterFactory = FeedWriter,
    max_events: int = 8,
    database: Path | None = None,
    progress: ProgressCallback | None = None,
) -> RunResult:
    """Check ``examples`` generated batches; shrink the first failure (see the module)."""
    from hypothesis import HealthCheck, Verbosity, given, settings
    from hypothesis import seed as seeded
    from hypothesis.database import DirectoryBasedExampleDatabase

    result = RunResult(
        coverage={"hostile": Counter(), "variants": Counter(), "operations": Counter()}
    )
    last: list[Case] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=DirectoryBasedExampleDatabase(str(database)) if database else None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(events=fs.events(config, max_size=max_events), at=fs.export_times)
    def conforms(events: list[Event], at: datetime) -> None:
        case = replay_case(config, events, at=at, seed=seed, fresh_sink=fresh_sink, writer=writer)
        if not last:
            result.examples += 1
            _cover(result.coverage, events)
            if progress is not None:
                progress(result.examples, examples, bool(case.report.failures))
        if case.report.failures:
            last[:] = [case]
            raise _Failed(str(case.report.failures[0]))

    test = seeded(seed)(conforms)
    try:
        test()
    except _Failed:
        pass
    except Exception:  # Hypothesis's own verdicts (a flaky failure): the case still stands
        if not last:
            raise
    if last:
        result.failure = last[-1]  # Hypothesis replays the shrunk example last
    return result


def replay_case(
    config: FeedConfig,
    events: Sequence[Event],
    *,
    at: datetime,
    seed: int | str,
    fresh_sink: SinkFactory,
    writer: WriterFactory = FeedWriter,
) -> Case:
    """Check one batch on a fresh sink; an exception from the writer is a failure too."""
    with fresh_sink() as sink:
        try:
            report = check_export(config, events, sink, at=at, seed=seed, writer=writer)
        except Exception as exc:  # a writer's bug, not the run's: report it, shrink it
            report = ExportReport(
                [Failure("export", "FS-6", f"the writer raised {type(exc).__name__}: {exc}")]
            )
    return Case(list(events), at, report)


def replay(
    config: FeedConfig,
    events: Sequence[Event],
    *,
    at: datetime,
    seed: int | str,
    fresh_sink: SinkFactory,
    writer: WriterFactory = FeedWriter,
) -> RunResult:
    """One given batch checked once (``--replay FILE``): a :class:`RunResult` of one example."""
    case = replay_case(config, events, at=at, seed=seed, fresh_sink=fresh_sink, writer=writer)
    result = RunResult(
        examples=1,
        failure=case if case.report.failures else None,
        coverage={"hostile": Counter(), "variants": Counter(), "operations": Counter()},
    )
    _cover(result.coverage, events)
    return result


def _cover(coverage: dict[str, Counter[str]], events: Sequence[Event]) -> None:
    """Count this example once under each hostile kind, variant and operation it has."""
    texts = [text for e in events for text in _strings(e.attributes)]
    for kind, present in HOSTILE_KINDS.items():
        if any(present(text) for text in texts):
            coverage["hostile"][kind] += 1
    values = [v for e in events for v in _leaves(e.attributes)]
    if any(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        coverage["hostile"]["number"] += 1
    if any(v is None for v in values):
        coverage["hostile"]["null"] += 1
    for variant in {"(none)" if e.variant is None else e.variant for e in events}:
        coverage["variants"][variant] += 1
    for operation in {e.operation for e in events}:
        coverage["operations"][operation] += 1
    if not events:
        coverage["operations"]["(empty batch)"] += 1


def _leaves(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            yield item


def _strings(value: Any) -> Iterator[str]:
    return (item for item in _leaves(value) if isinstance(item, str))
