"""Fuzz target for the template sandbox (FS-2.5, FS-2.6; issue 10, finding 3).

Random Jinja2 templates over the allowed syntax (:data:`feedcore.testing.fuzzing.jinja_templates`:
literals, attribute access, filters, tests, operators, methods, loops, recursion,
``set``, ``namespace``, macros, ``caller``, blocks, conditionals) with numbers on
both sides of every bound, used as a context and as the condition, against
contacts with hostile attributes. Whatever the template:

* ``validate`` answers (accepts, or refuses with a one-line reason);
* an export finishes without an exception, every render within its step budget
  (counted by the budget) and the value cap (counted by output length), with a
  bounded peak of memory;
* every data file reads back with the stdlib to its control file's count.

``make test`` runs a few examples; ``FEEDLAB_FUZZ_EXAMPLES=5000 pytest
tests/unit/test_sandbox_fuzz.py`` runs a bug hunt. The only clock is a generous
hang guard (a failure detector, never a performance assertion).
"""

from __future__ import annotations

import os
import resource
import signal
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedcore.errors import ConfigError
from feedcore.naming import FORMATS
from feedcore.sandbox import limits
from feedcore.testing import fuzzing as fz
from tests.unit.template_support import BudgetLog, contact, export, feed_config, read_back

FUZZ = settings(
    max_examples=int(os.environ.get("FEEDLAB_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Seconds of CPU per example before the run counts as hung (a detector only).
HANG_GUARD = 60
#: Peak memory one export may allocate (bytes): bounded values, bounded budgets.
MEMORY_BOUND = 96 << 20


class Hang(Exception):
    pass


@pytest.fixture
def hang_guard() -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"an example used more than {HANG_GUARD} s of CPU")

    previous = signal.signal(signal.SIGXCPU, alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime)
    examples = FUZZ.max_examples
    resource.setrlimit(resource.RLIMIT_CPU, (used + HANG_GUARD * examples, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        signal.signal(signal.SIGXCPU, previous)


#: A contact whose name would forge a row and whose numbers are big (the pinned examples).
_HOSTILE = {"v": 'a"b,\r\nc', "w": None, "n": 10**9, "l": [], "d": {}}

#: What the fuzzer saw, for the report of a long run (printed with ``-s``).
STATS: dict[str, int] = {"examples": 0, "refused": 0, "most_steps": 0}


@FUZZ
@given(
    source=fz.jinja_templates,
    as_condition=st.booleans(),
    fmt=st.sampled_from(FORMATS),
    people=st.lists(fz.template_attributes, min_size=1, max_size=3),
)
@example(source="{{ contact.v * 100000000 }}", as_condition=False, fmt="csv", people=[_HOSTILE])
@example(
    source="{% for x in range(9999) %}{% for y in range(9999) %}{{ x }}{% endfor %}{% endfor %}",
    as_condition=False,
    fmt="tsv",
    people=[_HOSTILE],
)
@example(source="{{ contact.v|e }}", as_condition=False, fmt="csv", people=[_HOSTILE])
@example(
    source="{{ (contact.v * 9999)|length > 0 }}", as_condition=True, fmt="jsonl", people=[_HOSTILE]
)
def fuzz_templates(source: str, as_condition: bool, fmt: str, people: list[dict[str, Any]]) -> None:
    STATS["examples"] += 1
    condition = None
    if as_condition:
        condition = (
            source.removeprefix("{{").removesuffix("}}") if source.startswith("{{") else None
        )
    try:
        config = feed_config([source, "{{ contact.v }}"], fmt=fmt, condition=condition)
    except ConfigError as exc:
        STATS["refused"] += 1
        assert len(str(exc).splitlines()) == 1
        return
    log = BudgetLog()
    events = [contact(f"p{i}@example.com", **attributes) for i, attributes in enumerate(people)]
    import feedcore.sandbox.environment as environment

    original = environment.Budget
    environment.Budget = log  # type: ignore[misc]
    tracemalloc.start()
    try:
        sink, result = export(config, events)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        environment.Budget = original  # type: ignore[misc]
    assert peak < MEMORY_BOUND, f"{peak:,} bytes for {source!r}"
    steps = log.most_used()
    STATS["most_steps"] = max(STATS["most_steps"], steps)
    for message, count in result.warnings.items():
        bound = message.partition("over a template bound: ")[2]
        key = f"bound: {bound.split(' ')[-1]}" if bound else "render failures"
        STATS[key] = STATS.get(key, 0) + count
    # A render stops at its first charge past the budget; one charge is at most one
    # value's worth of steps.
    assert steps <= limits.MAX_STEPS + limits.MAX_TEXT_ESTIMATE // limits.STEP_NODES
    for row in read_back(config, sink, result):
        assert all(v is None or len(v) <= limits.MAX_VALUE for v in row[7:])
    assert result.exported + result.filtered == len(events)


def test_fs2_5_fs2_6_fuzzed_templates_stay_bounded_and_files_read_back(hang_guard: None) -> None:
    fuzz_templates()
    print(f"\nsandbox fuzz: {STATS}")
