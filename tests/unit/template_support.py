"""Helpers of the template tests: a feed config around some contexts, an export, a reading.

Files are read back with :func:`tests.unit.test_properties.parse_data` (the stdlib
only), so every test here holds the writer to the same reader the properties use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from feedcore.config import FeedConfig, parse_config
from feedcore.events import Event
from feedcore.sandbox import limits
from feedcore.sinks import MemorySink
from feedcore.writer import BatchResult, FeedWriter
from tests.unit.test_properties import Row, parse_data

AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def feed_config(
    contexts: Sequence[str],
    *,
    fmt: str = "csv",
    hashed: bool = False,
    condition: str | None = None,
    actions: Sequence[str] = ("email",),
) -> FeedConfig:
    """A valid config whose contexts ``c0, c1, ...`` are ``contexts`` (not validated as
    templates: :func:`parse_config` checks them, which is the point of some tests)."""
    feed: dict[str, Any] = {
        "format": fmt,
        "hash_identity": hashed,
        "target": "s3",
        "host": "acme-data-feeds",
        "path": "exports",
        "contexts": [{"name": f"c{i}", "value": v} for i, v in enumerate(contexts)],
    }
    if condition is not None:
        feed["condition"] = condition
    flow = {"id": 7, "name": "Welcome", "segment": "New", "actions": list(actions)}
    return parse_config({"client": "acme", "flow": flow, "feed": feed})


def contact(address: str, /, **attributes: Any) -> Event:
    return Event("enter", address, None, attributes)


def export(config: FeedConfig, events: Sequence[Event]) -> tuple[MemorySink, BatchResult]:
    sink = MemorySink()
    result = FeedWriter(config, sink, seed=3).export(list(events), at=AT)
    return sink, result


def read_back(config: FeedConfig, sink: MemorySink, result: BatchResult) -> list[Row]:
    """Every data row, read with the stdlib; each file's count equals its control file's."""
    import json

    rows: list[Row] = []
    for delivered in result.files:
        records = parse_data(config.feed.format, sink.read(delivered.data_key), config.columns)
        control = json.loads(sink.read(delivered.control_key))
        assert control["files"][0]["rows"] == len(records) == delivered.rows, "FS-5.1"
        rows.extend(records)
    return rows


class BudgetLog:
    """Records every render's budget (patched in for ``feedcore.sandbox`` budgets)."""

    def __init__(self) -> None:
        self.budgets: list[limits.Budget] = []

    def __call__(self, steps: int = limits.MAX_STEPS) -> limits.Budget:
        budget = limits.Budget(steps)
        self.budgets.append(budget)
        return budget

    def most_used(self) -> int:
        """The most steps any render recorded spent (over-spending renders raised)."""
        return max((limits.MAX_STEPS - b.left for b in self.budgets), default=0)
