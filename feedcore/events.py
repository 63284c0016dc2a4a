"""Flow events (FS-7): what the writer consumes, and the JSON Lines reader for them.

Parsing is deliberately hand-written over msgspec rather than a pydantic model:
it is on the hot path (hundreds of thousands of lines per export) and its error
messages must never quote a line, because a line carries a raw address.

Lines are read in bounded memory by :mod:`feedcore.lines`; an input that cannot
be read twice is opened through :mod:`feedcore.eventsource`. Whatever a line
holds, it is at worst one bad line: too long, not JSON, nested too deeply for
the decoder, or with attribute values nested deeper than
:data:`MAX_ATTRIBUTE_DEPTH`.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal, Protocol

import msgspec

from feedcore.errors import BadLineError, EventError, LineProblem
from feedcore.lines import MAX_LINE_BYTES as MAX_LINE_BYTES  # re-exported: the FS-7 limit
from feedcore.lines import LineReader, LineSource, SplitInput, StreamSource

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


#: **[decision]** Arrays and objects may nest at most this deep inside one attribute
#: value (``"a": [[1]]`` is 2 deep): deeper values are bad lines, so nothing later
#: (``str()``, the address scan, a template) can run out of stack on them.
MAX_ATTRIBUTE_DEPTH = 32
#: **[decision]** Bad lines kept with their message; beyond this they are only counted.
MAX_PROBLEMS_KEPT = 100
EVENT_KEYS = frozenset(("type", "email", "variant", "attributes"))
CONTAINERS = (list, dict)
#: What the decoder raises for a line it cannot handle (RecursionError: nested too deeply).
DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError)
_decode = msgspec.json.Decoder().decode
_TOO_DEEP = f"arrays/objects nested deeper than {MAX_ATTRIBUTE_DEPTH} levels"


def too_deep(value: list[Any] | dict[str, Any], limit: int = MAX_ATTRIBUTE_DEPTH) -> bool:
    """Does ``value`` (a list or dict) nest more than ``limit`` levels? Iterative: no recursion."""
    stack: list[tuple[Iterable[Any], int]] = [(value.values() if type(value) is dict else value, 1)]
    while stack:
        items, depth = stack.pop()
        if depth > limit:
            return True
        for item in items:
            kind = type(item)
            if kind is dict:
                stack.append((item.values(), depth + 1))
            elif kind is list:
                stack.append((item, depth + 1))
    return False


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
    except RecursionError:
        raise ValueError(f"too deeply nested to decode ({_TOO_DEEP})") from None
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
    else:
        for name, value in attributes.items():
            if type(value) in CONTAINERS and too_deep(value):
                raise ValueError(f"attribute {_preview(name)} has {_TOO_DEEP}")
    return Event(kind, email, variant, attributes)


def _preview(value: Any) -> str:
    text = repr(value)
    if "@" in text:
        # A misplaced address (in ``type``, ``variant`` or a key) must not be echoed.
        return "(a value with '@', not shown)"
    return text if len(text) <= 40 else text[:37] + "..."


class LineEvents(Protocol):
    """An events source that can hand the writer its raw JSON lines.

    The writer picks its path by what a source offers, never by its type: a
    source with these methods (an :class:`EventReader`, or a service's own)
    gets the generated raw-line loop when the config allows it; any other
    iterable of :class:`Event` gets the general path, with the same bytes. A
    source that also has ``split_input()`` and ``merge_part()`` (as
    :class:`EventReader` does) may be encoded by two processes; one with
    ``finish()`` has it called after the last line, before anything is sent.
    """

    def raw_lines(self) -> Iterable[bytes]: ...

    def parse_line(self, number: int, line: bytes) -> Event | None: ...

    def counted(self, events: int) -> None: ...


class EventReader:
    """Iterates the good events of a JSON Lines input, collecting bad lines.

    ``lines`` is a binary stream (read once, in bounded memory), a
    :class:`~feedcore.lines.LineSource` (:func:`feedcore.eventsource.open_source`:
    read once, checked whole and unchanged at the end) or any iterable of lines.

    Non-strict: a bad line is recorded in :attr:`problems` (the first
    :data:`MAX_PROBLEMS_KEPT`; :attr:`bad_lines` counts them all) and skipped.
    Strict: the first bad line raises :class:`EventError`; the writer reads
    all events before delivering anything, so nothing has been written.
    """

    def __init__(
        self,
        lines: Iterable[bytes] | BinaryIO | LineSource,
        *,
        variants: Collection[str] | None = None,
        strict: bool = False,
        source: str | None = None,
    ) -> None:
        self._iterable: Iterable[bytes] = ()
        if isinstance(lines, LineSource):
            self.input: LineSource | None = lines
        elif callable(getattr(lines, "read", None)):
            self.input = StreamSource(lines, source or "events")
        else:
            self.input = None
            self._iterable = lines
        self.variants = variants
        self.strict = strict
        self.source = source or (self.input.name if self.input is not None else "events")
        self.problems: list[LineProblem] = []
        self.bad_lines = 0
        self.count = 0
        #: Bytes read for this reader outside this process (a helper's part).
        self.bytes_elsewhere = 0
        self._readers: list[LineReader] = []

    @property
    def digest(self) -> bytes | None:
        """The SHA-256 of the input, when it was opened with one (a batch key's part)."""
        digest = getattr(self.input, "digest", None)
        return digest if isinstance(digest, bytes) else None

    @property
    def lines(self) -> Iterable[bytes]:
        """The raw lines of the whole input, byte-order mark dropped."""
        if self.input is None:
            return _without_bom(self._iterable)
        return self.lines_between(0, None, strip_bom=True)

    # -- the writer's raw-line protocol (LineEvents) -------------------------

    def raw_lines(self) -> Iterable[bytes]:
        """The raw lines, for the writer's raw-line loop, which calls :meth:`parse_line`
        for every line it does not handle itself, so numbering and policy stay here.
        From a file, a :class:`~feedcore.lines.LineReader`: its ``stop_at`` lets the
        writer hand the rest of the file to another process."""
        return self.lines

    def counted(self, events: int) -> None:
        """``events`` good events were handled without :meth:`parse_line`."""
        self.count += events

    def split_input(self) -> SplitInput | None:
        """The input as another process can reopen it, when it is a regular file."""
        source = self.input
        path = getattr(source, "path", None)
        identity = getattr(source, "identity", None)
        if source is None or not source.seekable or source.size is None:
            return None
        if not isinstance(path, str) or identity is None:
            return None
        variants = None if self.variants is None else tuple(self.variants)
        return SplitInput(path, identity, source.size, self.source, variants)

    def merge_part(
        self, lines_before: int, events: int, problems: list[LineProblem], bad: int, read: int
    ) -> None:
        """Take in what another process read of this input after ``lines_before`` lines:
        its ``events``, its bad lines (``problems`` numbered from its first line; ``bad``
        counts them all) and the ``read`` bytes (checked by :meth:`finish`)."""
        for problem in problems:
            self.add_problem(LineProblem(problem.line + lines_before, problem.message))
        self.bad_lines += bad - len(problems)  # those the other process only counted
        self.bytes_elsewhere += read
        self.count += events

    def lines_between(self, start: int, end: int | None, *, strip_bom: bool) -> LineReader:
        """The lines starting in ``[start, end)`` of the input (counted for :meth:`finish`)."""
        if self.input is None:
            raise EventError(f"{self.source}: these lines cannot be read by offset")
        reader = self.input.lines(start, end, strip_bom=strip_bom)
        self._readers.append(reader)
        return reader

    @property
    def bytes_read(self) -> int:
        return sum(r.bytes_read for r in self._readers) + self.bytes_elsewhere

    def parse_line(self, number: int, line: bytes) -> Event | None:
        """One raw line on the general path: its Event, or None (blank, or bad and recorded)."""
        if not line.strip():
            return None
        try:
            event = parse_event(line, self.variants)
        except ValueError as exc:
            self.add_problem(LineProblem(number, str(exc)))
            return None
        self.count += 1
        return event

    def add_problem(self, problem: LineProblem) -> None:
        """Record one bad line (strict: stop here)."""
        if self.strict:
            raise BadLineError(self.source, problem) from None
        self.bad_lines += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)

    def finish(self) -> None:
        """After the last line, before anything is delivered: refuse an input that was
        not read whole or changed meanwhile, and one whose every line was bad.

        **[decision]** An input whose non-blank lines are all bad delivers nothing
        and is an error (exit 1), not an empty success: nothing could be delivered
        from a file that was not empty, and a careful user wants to hear it.
        """
        if self.input is not None:
            self.input.check(self.bytes_read)
        if self.count == 0 and self.bad_lines:
            raise EventError(
                f"{self.source}: none of its {self.bad_lines:,} non-blank line(s) is a valid "
                f"event (the first: {self.problems[0]}); nothing was delivered"
            )

    def __iter__(self) -> Iterator[Event]:
        for number, line in enumerate(self.lines, start=1):
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


def dump_event(event: Event) -> bytes:
    """One event as a JSON Lines record (simulate, fixtures)."""
    data: dict[str, Any] = {"type": event.type, "email": event.email}
    if event.variant is not None:
        data["variant"] = event.variant
    if event.attributes:
        data["attributes"] = event.attributes
    return msgspec.json.encode(data) + b"\n"
