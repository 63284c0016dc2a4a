"""Which cases exist, which to run, and running them (``python -m benchmarks``' engine)."""

from __future__ import annotations

import fnmatch
import importlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from benchmarks.core import CaseResult, Settings, Target, loadavg, machine

#: Case families, in running order (cheap and in-process first).
FAMILIES = {
    "encode": "benchmarks.encode",
    "startup": "benchmarks.startup",
    "e2e": "benchmarks.e2e",
    "columnar": "benchmarks.columnar",
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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suite:
        """A saved ``--json`` run, to render its table or doc again without rerunning it."""
        results = []
        for case in data["cases"]:
            result = CaseResult(
                name=case["name"],
                unit=case["unit"],
                feedlab=case["feedlab"],
                peer=case["peer"],
                peer_value=case["peer_value"],
                target=parse_target(case["target"]),
                samples=case.get("samples", {}),
                note=case.get("note", ""),
                error=case.get("error"),
                best_ratio=case.get("best_ratio"),
            )
            if case.get("ratio") is not None and result.ratio is None:
                result.ratio_override = case["ratio"]
            results.append(result)
        return cls(Settings(quick=bool(data.get("quick"))), results, dict(data["machine"]))


_TARGET = re.compile(r"^(>=|<=|<) (?:peer \+ )?([0-9.]+)x? ?(.*)$")


def parse_target(text: str) -> Target:
    """The inverse of :attr:`Target.text`."""
    match = _TARGET.match(text)
    if text == "info" or match is None:
        return Target("info")
    op, bound, unit = match.group(1), float(match.group(2)), match.group(3)
    if "peer +" in text:
        return Target("delta_max", bound, unit)
    if op == "<":
        return Target("value_max", bound, unit)
    return Target("ratio_min" if op == ">=" else "ratio_max", bound)


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


def profile_side(name: str) -> str:
    """Cases that time the same feedlab side share one profile (e.g. encode-csv-*)."""
    for family, names in catalogue().items():
        if name in names:
            fn = getattr(_module(family), "profile_side", None)
            return name if fn is None else str(fn(name))
    return name


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
