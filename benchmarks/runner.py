"""Which cases exist, which to run, and running them (``feedlab bench``'s engine)."""

from __future__ import annotations

import fnmatch
import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from benchmarks.core import CaseResult, Settings, Target, loadavg, machine

#: Case families, in running order (cheap and in-process first).
FAMILIES = {
    "encode": "benchmarks.encode",
    "e2e": "benchmarks.e2e",
    "s3": "benchmarks.s3",
    "sftp": "benchmarks.sftp",
    "memory": "benchmarks.memory",
    "tui": "benchmarks.tui",
}


def _module(family: str) -> ModuleType:
    return importlib.import_module(FAMILIES[family])


def catalogue() -> dict[str, tuple[str, ...]]:
    """Family -> its case names."""
    return {family: tuple(_module(family).CASES) for family in FAMILIES}


def select(patterns: Sequence[str] | None) -> list[str]:
    """Case names matching ``patterns`` (names, family names or globs); all when empty."""
    families = catalogue()
    every = [case for cases in families.values() for case in cases]
    if not patterns:
        return every
    chosen: set[str] = set()
    for pattern in patterns:
        if pattern in families:
            matched = set(families[pattern])
        else:
            matched = {case for case in every if fnmatch.fnmatchcase(case, pattern)}
        if not matched:
            raise ValueError(
                f"no benchmark case matches {pattern!r}; cases: {', '.join(every)}; "
                f"families: {', '.join(families)}"
            )
        chosen |= matched
    return [case for case in every if case in chosen]


@dataclass
class Suite:
    """A finished run: results in catalogue order plus the machine it ran on."""

    settings: Settings
    results: list[CaseResult] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=machine)

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": [result.to_json() for result in self.results],
            "machine": self.machine,
            "quick": self.settings.quick,
        }


def run_suite(
    settings: Settings, cases: Sequence[str], log: Callable[[str], None] = lambda _: None
) -> Suite:
    suite = Suite(settings)
    started = time.monotonic()
    wanted = set(cases)
    for family, names in catalogue().items():
        todo = [name for name in names if name in wanted]
        if not todo:
            continue
        log(f"[{time.monotonic() - started:6.0f}s] {family}: {', '.join(todo)}")
        try:
            results: list[CaseResult] = _module(family).run(settings, wanted.__contains__)
        except Exception as exc:  # one broken family must not hide the others' numbers
            error = f"{type(exc).__name__}: {exc}"
            results = [
                CaseResult(name, "", None, "-", None, Target("info"), error=error) for name in todo
            ]
        for result in results:
            log(f"    {result.name}: {describe(result)}")
        suite.results += results
    suite.machine["loadavg_end"] = loadavg()
    suite.machine["seconds"] = round(time.monotonic() - started, 1)
    return suite


def describe(result: CaseResult) -> str:
    if result.error is not None:
        return f"ERROR {result.error}"
    verdict = {True: "pass", False: "FAIL", None: "-"}[result.passed]
    ratio = "-" if result.ratio is None else f"{result.ratio:.2f}"
    return f"ratio {ratio} (target {result.target.text}) {verdict}"


def profile(name: str, settings: Settings) -> str | None:
    """The family's profile of feedlab's side of ``name``, if it has one."""
    for family, names in catalogue().items():
        if name in names:
            fn = getattr(_module(family), "profile", None)
            if fn is None:
                return None
            text: str | None = fn(name, settings)
            return text
    return None
