"""Flow events (FS-7): what the writer consumes, and the JSON Lines reader for them.

Parsing is deliberately hand-written over msgspec rather than a pydantic model:
it is on the hot path (hundreds of thousands of lines per export) and its error
messages must never quote a line, because a line carries a raw address.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import msgspec

from feedcore.errors import EventError, LineProblem

EventType = Literal["enter", "exit"]


@dataclass(slots=True)
class Event:
    """One contact entering or exiting a flow."""

    type: EventType
    email: str
    variant: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def operation(self) -> Literal["add", "remove"]:
        """FS-7: ``enter`` is exported as ``add``, ``exit`` as ``remove``."""
        return "add" if self.type == "enter" else "remove"


#: **[decision]** Longest accepted event line; a longer one is reported, not loaded.
MAX_LINE_BYTES = 1 << 20
EVENT_KEYS = frozenset(("type", "email", "variant", "attributes"))
_decode = msgspec.json.Decoder().decode


def parse_event(line: bytes, variants: Collection[str] | None = None) -> Event:
    """One JSON Lines record -> :class:`Event`; ``ValueError`` says what is wrong.

    The message never repeats the line's content: it may hold a raw address.
    """
    if len(line) > MAX_LINE_BYTES:
        raise ValueError(f"line is {len(line):,} bytes; the limit is {MAX_LINE_BYTES:,}")
    try:
        data = _decode(line)
    except UnicodeDecodeError:
        raise ValueError("not valid UTF-8") from None
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        reason = str(exc).replace("Input data was truncated", "truncated or lone surrogate")
        raise ValueError(f"not valid JSON ({reason})") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    unknown = data.keys() - EVENT_KEYS
    if unknown:
        raise ValueError(
            f"unknown key(s) {', '.join(sorted(map(_preview, unknown)))}: "
            "use type, email, variant, attributes"
        )
    kind = data.get("type")
    if kind not in ("enter", "exit"):
        if kind is None:
            raise ValueError('missing \'type\': use "enter" or "exit"')
        raise ValueError(f'type {_preview(kind)} is not "enter" or "exit"')
    email = data.get("email")
    if not isinstance(email, str) or not email.strip():
        raise ValueError("missing or empty 'email'")
    if "@" not in email:
        raise ValueError("'email' is not an address (no '@')")
    variant = data.get("variant")
    if variant is not None:
        if not isinstance(variant, str):
            raise ValueError("'variant' must be a string or null")
        if variants is not None and variant not in variants:
            raise ValueError(
                f"variant {_preview(variant)} is not configured "
                f"(configured: {', '.join(map(repr, variants)) or 'none'})"
            )
    attributes = data.get("attributes")
    if attributes is None:
        attributes = {}
    elif not isinstance(attributes, dict):
        raise ValueError("'attributes' must be an object")
    return Event(kind, email, variant, attributes)


def _preview(value: Any) -> str:
    text = repr(value)
    if "@" in text:
        # A misplaced address (in ``type``, ``variant`` or a key) must not be echoed.
        return "(a value with '@', not shown)"
    return text if len(text) <= 40 else text[:37] + "..."


class EventReader:
    """Iterates the good events of a JSON Lines stream, collecting bad lines.

    Non-strict: a bad line is recorded in :attr:`problems` and skipped.
    Strict: the first bad line raises :class:`EventError`; the writer reads
    all events before delivering anything, so nothing has been written.
    """

    def __init__(
        self,
        lines: Iterable[bytes],
        *,
        variants: Collection[str] | None = None,
        strict: bool = False,
        source: str = "events",
        path: Path | None = None,
    ) -> None:
        self._lines = lines
        #: The regular file behind ``lines``, when there is one: lets the writer
        #: split the work over processes (FeedWriter ``workers``).
        self.path = path
        self.variants = variants
        self.strict = strict
        self.source = source
        self.problems: list[LineProblem] = []
        self.count = 0

    @property
    def lines(self) -> Iterable[bytes]:
        """The raw lines, for the writer's fused fast path (which calls :meth:`parse_line`
        for every line it does not handle itself, so numbering and policy stay here)."""
        return _without_bom(self._lines)

    def parse_line(self, number: int, line: bytes) -> Event | None:
        """One raw line on the general path: its Event, or None (blank, or bad and recorded)."""
        if not line.strip():
            return None
        try:
            event = parse_event(line, self.variants)
        except ValueError as exc:
            problem = LineProblem(number, str(exc))
            if self.strict:
                raise EventError(
                    f"{self.source}: {problem} (--strict: stopped before writing anything)"
                ) from None
            self.problems.append(problem)
            return None
        self.count += 1
        return event

    def __iter__(self) -> Iterator[Event]:
        for number, line in enumerate(_without_bom(self._lines), start=1):
            event = self.parse_line(number, line)
            if event is not None:
                yield event


def _without_bom(lines: Iterable[bytes]) -> Iterator[bytes]:
    """**[decision]** A UTF-8 byte-order mark at the start of an events file is
    ignored (editors on Windows add one); anywhere else it is ordinary text."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        return iter(())
    # chain, not ``yield from``: no Python frame is resumed for each of the other lines.
    return itertools.chain((first.removeprefix(b"\xef\xbb\xbf"),), iterator)


def open_events(path: str | Path) -> BinaryIO:
    """Open an events file for :class:`EventReader` (``-`` is standard input)."""
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise EventError(f"cannot read events file {str(path)!r}: {exc.strerror}") from None


def dump_event(event: Event) -> bytes:
    """One event as a JSON Lines record (simulate, fixtures)."""
    data: dict[str, Any] = {"type": event.type, "email": event.email}
    if event.variant is not None:
        data["variant"] = event.variant
    if event.attributes:
        data["attributes"] = event.attributes
    return msgspec.json.encode(data) + b"\n"
