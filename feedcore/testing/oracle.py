"""The rows a feed should hold, computed from the events and the config alone.

An oracle for :mod:`feedcore.testing.properties`: FEED_SPEC's row rules
(FS-2) restated here, independently of :class:`~feedcore.rows.RowBuilder`
and the encoders, so a bug in those cannot also be in the expectation. What
is deliberately shared with production, because a second copy of it would be
a second rule (docs/decisions.md, "conformance oracle"):

* templates and conditions are rendered by the sandbox
  (:mod:`feedcore.templating`): the oracle checks what is done with the
  rendered values, not Jinja2;
* in a hashed feed, which attributes leave template scope is decided by the
  one predicate :func:`~feedcore.identity.holds_address`, and a rendered
  value that still holds the address is rewritten by
  :func:`~feedcore.identity.redact`. The properties check on their own that
  no file holds the address at all.

Expected rows come per operation and per file: with ``max_rows_per_file`` a
file is closed before the contact whose rows would overflow it (FS-5.2; a
contact's rows never straddle files).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedcore import templating
from feedcore.config import FeedConfig
from feedcore.errors import RenderError
from feedcore.events import Event
from feedcore.identity import holds_address, redact

Row = tuple[str | None, ...]
#: FS-2.1, restated: the standard columns in order.
COLUMNS = ("identifier", "timestamp", "segment_name", "flow_name", "action", "variant", "operation")


@dataclass(frozen=True)
class Expected:
    """What one export must hold: rows per operation, split into files."""

    files: dict[str, list[list[Row]]]
    #: Normalised addresses of the exported contacts (hashed feeds: must appear nowhere).
    addresses: tuple[str, ...]

    def rows(self, operation: str) -> list[Row]:
        return [row for file in self.files[operation] for row in file]


def expected(config: FeedConfig, events: Iterable[Event], at: datetime) -> Expected:
    """The rows ``config`` exports for ``events`` at ``at`` (FS-2), file by file."""
    feed, flow = config.feed, config.flow
    stamp = (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    contexts = [templating.compile_context(c.value) for c in feed.contexts]
    condition = templating.compile_condition(feed.condition)
    groups: dict[str, list[list[Row]]] = {"add": [], "remove": []}
    addresses: list[str] = []
    for event in events:
        address = event.email.strip().lower()
        if feed.hash_identity:
            ident = hashlib.sha256(address.encode("utf-8")).hexdigest()
            addresses.append(address)
        else:
            ident = event.email.strip()
        contact = event.attributes
        if feed.hash_identity:
            contact = {k: v for k, v in contact.items() if not holds_address((k, v), address)}
        scope = {
            "contact": contact,
            "event": {"type": event.type, "variant": event.variant},
            "identifier": ident,
        }
        if condition is not None and not _holds(condition, scope):
            continue
        values = tuple(
            _value(constant, renderer, scope, address if feed.hash_identity else None)
            for constant, renderer in contexts
        )
        if event.variant is None:
            actions: Sequence[str] = flow.actions
        else:
            actions = next(v.actions for v in flow.variants if v.name == event.variant)
        operation = "add" if event.type == "enter" else "remove"
        groups[operation].append(
            [
                (ident, stamp, flow.segment, flow.name, action, event.variant, operation, *values)
                for action in ("data_feed", *actions)
            ]
        )
    files = {op: _split(rows, feed.max_rows_per_file) for op, rows in groups.items()}
    return Expected(files, tuple(addresses))


def _holds(condition: templating.Predicate, scope: dict[str, Any]) -> bool:
    """FS-2.6: a condition that fails to render excludes the contact, like a false one."""
    try:
        return bool(condition(scope))
    except RenderError:
        return False


def _value(
    constant: str | None,
    renderer: templating.Renderer | None,
    scope: dict[str, Any],
    address: str | None,
) -> str | None:
    if renderer is None:
        return constant
    try:
        value = renderer(scope)
    except RenderError:
        return None  # a context that fails to render is null (FS-2.7)
    if address is not None and value:
        return redact(value, address, scope["identifier"])
    return value


def _split(groups: list[list[Row]], limit: int | None) -> list[list[Row]]:
    """Contacts' row groups packed into files of at most ``limit`` rows, in order."""
    files: list[list[Row]] = []
    for group in groups:
        if not files or (limit is not None and files[-1] and len(files[-1]) + len(group) > limit):
            files.append([])
        files[-1].extend(group)
    return [file for file in files if file]


def as_written(row: Row, fmt: str) -> Row:
    """A row as a reader of ``fmt`` sees it: null is an empty field in CSV/TSV (FS-2.7)."""
    if fmt == "jsonl":
        return row
    return tuple("" if value is None else value for value in row)
