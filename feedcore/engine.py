"""The one encoding engine: Python source specialised to one feed and export time.

Why generate code at all: ``publish`` of half a million events must beat
DuckDB and polars end to end (issue 14). Going field by field through helper
functions costs a dozen Python calls per contact; one loop written for the
config's exact shape (how many contexts, which are constant, hashed or not,
CSV/TSV or JSONL) costs none. The readable definition of the bytes stays
:mod:`feedcore.encoders` (the reference); tests hold every path here to it.

:func:`generate` is the only code generator. It writes one module per
(config, export time) with up to three functions, all built around one
per-contact block (:func:`_encode_block`: one f-string for all a contact's
rows, so CPython joins the pieces in a single allocation; CSV/TSV run one
regex search per contact to decide whether any field needs quoting):

* ``contact_lines(contact)`` -> (text, rows) for one :class:`ContactRows`;
* ``encode_contacts(contacts, operation)`` -> (text, rows) for many;
* ``run(lines, number, add_out, remove_out, slow)``: raw JSON Lines in, text
  out, when every context is constant or a plain ``{{ contact.NAME }}`` and
  there is no condition and no file splitting. A line it is unsure about goes
  to ``slow(number, line)``, the general path (reader, RowBuilder, then
  ``contact_lines``), so messages and rules live in one place.

The source is registered with :mod:`linecache` under a stable fake file name
(``<feedlab-engine HASH>``), so a traceback through it shows the generated
lines; :attr:`Engine.source` keeps it for reading. The source holds no data:
every file constant (timestamp, flow name, encoded actions) is a global of
the module, so two feeds of one shape share one text.
"""

from __future__ import annotations

import hashlib
import linecache
from collections.abc import Callable, Iterable
from typing import Any, Literal

import msgspec

from feedcore import templating
from feedcore.config import FeedConfig
from feedcore.encoders import (
    CSV_LINE_END,
    DELIMITER,
    JSON_STRING,
    JSONL_LINE_END,
    NEEDS_QUOTE,
    field_encoder,
    header,
)
from feedcore.events import CONTAINERS, DECODE_ERRORS, MAX_LINE_BYTES, too_deep
from feedcore.identity import holds_address, redact
from feedcore.rows import ContactRows
from feedcore.rules import DATA_FEED_ACTION

#: slow(number, line) handles one line on the general path.
SlowPath = Callable[[int, bytes], None]
#: run(lines, number_before_first, add_out, remove_out, slow) -> (exported, add_rows, rm_rows)
LineRunner = Callable[[Iterable[bytes], int, list[str], list[str], SlowPath], tuple[int, int, int]]

Plan = list[tuple[str | None, str | None]]


def plan_contexts(config: FeedConfig) -> Plan | None:
    """Per context: (constant, None) or (None, attribute); None if any is a real template."""
    plan: Plan = []
    for context in config.feed.contexts:
        constant = templating.constant_text(context.value)
        attribute = None if constant is not None else templating.simple_attribute(context.value)
        if constant is None and attribute is None:
            return None
        plan.append((constant, attribute))
    return plan


def line_loop_applies(config: FeedConfig) -> bool:
    """Whether raw lines can be encoded without Event, RowBuilder or a template engine."""
    feed = config.feed
    return (
        feed.condition is None
        and feed.max_rows_per_file is None
        and plan_contexts(config) is not None
    )


# ------------------------------------------------------------------ generated source


def _rows(head: str, suffix: str) -> list[str]:
    """Lines setting ``text`` to every row ``head + action + suffix`` of a contact
    (``acts``: encoded actions, ``n`` their count); one or two actions, the common
    shapes, make one f-string."""
    return [
        "if n == 2:",
        f'    text = f"{head}{{acts[0]}}{suffix}{head}{{acts[1]}}{suffix}"',
        "elif n == 1:",
        f'    text = f"{head}{{acts[0]}}{suffix}"',
        "else:",
        f'    head = f"{head}"',
        f'    suffix = f"{suffix}"',
        "    text = head + (suffix + head).join(acts) + suffix if n else ''",
    ]


def _quoted(name: str) -> str:
    """RFC 4180 quoting of one optional field, inline; the unbound ``str.replace``
    keeps it exact for a ``str`` subclass such as ``markupsafe.Markup`` (FS-3.1)."""
    return (
        f"('' if {name} is None else {name} if NEEDS({name}) is None "
        f"else '\"' + str.replace({name}, '\"', '\"\"') + '\"')"
    )


def _encode_block(jsonl: bool, slots: list[int], prefix: str) -> list[str]:
    """The per-contact block: from ``h`` (identifier) and ``c{i}`` (the values of the
    ``slots`` contexts) to ``text``. ``{prefix}SEP{i}`` is the constant text before
    context ``i``, ``{prefix}AFTER`` the text after the last slot, line end included."""
    if jsonl:  # the identifier is never null; a context value may be
        lines = ["h = ENC(h)", *[f"v{i} = 'null' if c{i} is None else ENC(c{i})" for i in slots]]
        head = "{HEAD0}{h}{MID}"
    else:
        probe = "".join(["{h}", *[f"{{v{i}}}" for i in slots]])
        lines = [
            *[f"v{i} = c{i} or ''" for i in slots],
            f'if NEEDS(f"{probe}") is not None:',
            f"    h = {_quoted('h')}",
            *[f"    v{i} = {_quoted(f'c{i}')}" for i in slots],
        ]
        head = "{h}{MID}"
    suffix = "".join(["{between}", *[f"{{{prefix}SEP{i}}}{{v{i}}}" for i in slots]])
    return lines + _rows(head, suffix + f"{{{prefix}AFTER}}")


def _indent(lines: list[str], depth: int) -> str:
    return "\n".join(" " * (4 * depth) + line for line in lines)


def _contact_functions(jsonl: bool, count: int) -> str:
    slots = list(range(count))
    unpack = [f"{', '.join(f'c{i}' for i in slots)}, = contact.contexts"] if count else []
    body = [*unpack, "h = contact.identifier", *_encode_block(jsonl, slots, "C")]
    return f'''
def contact_lines(contact):
    """All rows of one contact as text, and how many rows that is."""
    between = BETWEEN[contact.operation].get(contact.variant)
    if between is None:
        between = between_of(contact.operation, contact.variant)
    acts = ACTIONS.get(contact.actions)
    if acts is None:
        acts = actions_of(contact.actions)
    n = len(acts)
{_indent(body, 1)}
    return text, n


def encode_contacts(contacts, operation):
    """All rows of many contacts of one operation, in order, and their count."""
    table = BETWEEN[operation]
    out = []
    append = out.append
    rows = 0
    last = between = last_actions = acts = None
    n = 0
    for contact in contacts:
        if contact.variant is not last or between is None:
            last = contact.variant
            between = table.get(last)
            if between is None:
                between = between_of(operation, last)
        if contact.actions is not last_actions:  # one tuple per variant (RowBuilder)
            last_actions = contact.actions
            acts = ACTIONS.get(last_actions)
            if acts is None:
                acts = actions_of(last_actions)
            n = len(acts)
{_indent(body, 2)}
        append(text)
        rows += n
    return "".join(out), rows
'''


def _lookup(index: int, field: int, hashed: bool) -> list[str]:
    """Context ``index`` from attribute ``f{field}``, converted as templating's lookup
    does: None stays null, anything else through ``str()``. A list or object nested
    deeper than the events' limit goes the slow way (which reports the line). Hashed,
    the general path's rule (:func:`feedcore.rows._without_address`,
    :func:`feedcore.identity.redact`): a value holding the address is null, others
    keep the output redaction; a string is checked inline."""
    c = f"c{index}"
    lines = [f"{c} = a.f{field}"]
    if hashed:
        lines += [
            f"if type({c}) is str:",
            f"    if norm in {c}.lower():",
            f"        {c} = None",
            f"elif {c} is not None:",
        ]
    else:
        lines += [f"if {c} is not None and type({c}) is not str:"]
    lines += [f"    if type({c}) in CONTAINERS and too_deep({c}):", "        slow(number, line)"]
    lines += ["        continue"]
    if hashed:
        lines += [
            f"    if HOLDS({c}, norm):",
            f"        {c} = None",
            "    else:",
            f"        {c} = str({c})",
            f"        if norm in {c}.lower():",
            f"            {c} = redact({c}, norm, h)",
        ]
    else:
        lines += [f"    {c} = str({c})"]
    return lines


def _line_loop(jsonl: bool, hashed: bool, lookups: list[tuple[int, int]]) -> str:
    identity = ["norm = h.lower()", "h = sha256(norm.encode()).hexdigest()"] if hashed else []
    body = [
        *identity,
        "a = ev.attributes",
        *[line for index, field in lookups for line in _lookup(index, field, hashed)],
        "between, acts, n = entry",
        *_encode_block(jsonl, [index for index, _ in lookups], "L"),
    ]
    return f'''
def run(lines, number, add_out, remove_out, slow):
    """Raw JSON lines -> rows appended per operation; (exported, add rows, remove rows)."""
    exported = add_rows = remove_rows = 0
    for line in lines:
        number += 1
        if len(line) > MAX_LINE:
            slow(number, line)
            continue
        try:
            ev = decode(line)
        except DECODE_ERRORS:
            slow(number, line)
            continue
        e = ev.email
        t = ev.type
        if t == "enter":
            entry = ADD.get(ev.variant)
        else:
            entry = REMOVE.get(ev.variant)
        h = e.strip()
        if entry is None or not h or "@" not in e:
            slow(number, line)
            continue
{_indent(body, 2)}
        exported += 1
        if t == "enter":
            add_out.append(text)
            add_rows += n
        else:
            remove_out.append(text)
            remove_rows += n
    return exported, add_rows, remove_rows
'''


def generate(config: FeedConfig) -> str:
    """The engine's source for ``config`` (its shape only: no value of the feed's)."""
    jsonl = config.feed.format == "jsonl"
    source = _contact_functions(jsonl, len(config.feed.contexts))
    plan = plan_contexts(config)
    if plan is not None and line_loop_applies(config):
        attributes = _attributes(plan)
        lookups = [(i, attributes.index(a)) for i, (_, a) in enumerate(plan) if a is not None]
        source += _line_loop(jsonl, config.feed.hash_identity, lookups)
    return source


def _attributes(plan: Plan) -> list[str]:
    return list(dict.fromkeys(attribute for _, attribute in plan if attribute is not None))


def _register(source: str) -> str:
    """Put ``source`` in :mod:`linecache` under a stable name (tracebacks show its lines)."""
    name = f"<feedlab-engine {hashlib.sha256(source.encode()).hexdigest()[:12]}>"
    # mtime None: linecache.checkcache never drops an entry that has no file behind it.
    linecache.cache[name] = (len(source), None, source.splitlines(keepends=True), name)
    return name


# ------------------------------------------------------------------------- the engine


def _event_decoder(attributes: list[str]) -> Callable[[bytes], Any]:
    """A C decoder for the FS-7 event shape that keeps only the attributes the
    contexts read (``f0``, ``f1``, ... renamed from their JSON names): other
    attributes are validated as JSON but never become Python objects. Anything
    it rejects (wrong types, unknown keys, ``attributes: null``) goes the slow
    way, where the messages are made."""
    fields = [(f"f{i}", Any, None) for i in range(len(attributes))]
    attrs = msgspec.defstruct(
        "Attributes", fields, rename={f"f{i}": name for i, name in enumerate(attributes)}
    )
    event = msgspec.defstruct(
        "WireEvent",
        [
            ("type", Literal["enter", "exit"]),
            ("email", str),
            ("variant", str | None, None),
            ("attributes", attrs, msgspec.field(default_factory=attrs)),
        ],
        forbid_unknown_fields=True,
    )
    decode: Callable[[bytes], Any] = msgspec.json.Decoder(event).decode
    return decode


class Engine:
    """The generated encoders of one export: ``config`` at ``timestamp`` (FS-2.4)."""

    def __init__(self, config: FeedConfig, timestamp: str) -> None:
        fmt = config.feed.format
        self.fmt = fmt
        self.columns = config.columns
        self.field = field_encoder(fmt)
        field = self.field
        jsonl = fmt == "jsonl"
        flow = config.flow
        if jsonl:
            key = [f"{JSON_STRING(c)}:" for c in self.columns]
            head0 = "{" + key[0]
            mid = (
                f",{key[1]}{field(timestamp)},{key[2]}{field(flow.segment)}"
                f",{key[3]}{field(flow.name)},{key[4]}"
            )
            self._variant_key, self._operation_key = f",{key[5]}", f",{key[6]}"
            context_keys = [f",{k}" for k in key[7:]]
            end = "}" + JSONL_LINE_END
        else:
            delim = DELIMITER[fmt]
            head0 = ""
            mid = delim + delim.join(field(v) for v in (timestamp, flow.segment, flow.name)) + delim
            self._variant_key = self._operation_key = delim
            context_keys = [delim] * len(config.feed.contexts)
            end = CSV_LINE_END
        self._actions: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._between: dict[str, dict[str | None, str]] = {"add": {}, "remove": {}}
        namespace: dict[str, Any] = {
            "__name__": "feedcore.engine.generated",
            "HEAD0": head0,
            "MID": mid,
            "ENC": JSON_STRING,
            "BETWEEN": self._between,
            "between_of": self.between,
            "ACTIONS": self._actions,
            "actions_of": self.encoded_actions,
            "CAFTER": end,
            **{f"CSEP{i}": k for i, k in enumerate(context_keys)},
        }
        if not jsonl:
            namespace["NEEDS"] = NEEDS_QUOTE[fmt].search
        self.source = generate(config)
        if "def run(" in self.source:
            self._line_namespace(config, namespace, context_keys, end)
        #: The fake file name the source is registered under in :mod:`linecache`.
        self.filename = _register(self.source)
        exec(compile(self.source, self.filename, "exec"), namespace)
        #: All rows of one contact as text, and how many rows that is.
        self.contact_lines: Callable[[ContactRows], tuple[str, int]] = namespace["contact_lines"]
        #: All rows of many contacts of one operation (in order) as text, and their count.
        self.encode_contacts: Callable[[Iterable[ContactRows], str], tuple[str, int]] = namespace[
            "encode_contacts"
        ]
        #: The raw-line loop, or None when the config needs the general path.
        self.run: LineRunner | None = namespace.get("run")

    def header(self) -> str:
        return header(self.fmt, self.columns)

    def encoded_actions(self, actions: tuple[str, ...]) -> tuple[str, ...]:
        """Each action as this format writes it (remembered per actions tuple)."""
        cached = self._actions.get(actions)
        if cached is None:
            cached = tuple(self.field(a) for a in actions)
            if len(self._actions) < 256:  # RowBuilder makes one tuple per variant
                self._actions[actions] = cached
        return cached

    def between(self, operation: str, variant: str | None) -> str:
        """The text between ``action`` and the first context: variant and operation."""
        table = self._between[operation]
        text = table.get(variant)
        if text is None:
            text = self._variant_key + self.field(variant)
            text += self._operation_key + self.field(operation)
            if len(table) < 256:  # variants are few; never let odd input grow it
                table[variant] = text
        return text

    def _line_namespace(
        self, config: FeedConfig, namespace: dict[str, Any], keys: list[str], end: str
    ) -> None:
        """The raw-line loop's globals: decoder, per-variant tables, folded constants."""
        plan = plan_contexts(config)
        assert plan is not None
        namespace.update(
            decode=_event_decoder(_attributes(plan)),
            DECODE_ERRORS=DECODE_ERRORS,  # RecursionError too: a line nested too deeply
            CONTAINERS=CONTAINERS,
            too_deep=too_deep,
            MAX_LINE=MAX_LINE_BYTES,
            sha256=hashlib.sha256,
            redact=redact,
            HOLDS=holds_address,
        )
        pending = ""  # constant context text since the last attribute lookup
        for index, ((constant, attribute), key) in enumerate(zip(plan, keys, strict=True)):
            if attribute is None:
                pending += key + self.field(constant)
            else:
                namespace[f"LSEP{index}"] = pending + key
                pending = ""
        namespace["LAFTER"] = pending + end
        flow = config.flow
        actions: dict[str | None, tuple[str, ...]] = {None: (DATA_FEED_ACTION, *flow.actions)}
        actions.update({v.name: (DATA_FEED_ACTION, *v.actions) for v in flow.variants})
        for operation, name in (("add", "ADD"), ("remove", "REMOVE")):
            namespace[name] = {
                variant: (self.between(operation, variant), self.encoded_actions(acts), len(acts))
                for variant, acts in actions.items()
            }
