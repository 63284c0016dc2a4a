"""The fused hot path: raw JSON Lines in, encoded rows out, for the common feed shape.

Why it exists: ``publish`` of half a million events must take at most half the
time of a plain ``json.loads`` + ``csv.writer`` script (issue 2). Going event by
event through :class:`~feedcore.events.Event`, :class:`~feedcore.rows.RowBuilder`
and :class:`~feedcore.encoders.FileEncoder` costs a dozen Python calls per
contact; this module generates one loop specialised to a config instead.

It applies when every context is constant text or a plain ``{{ contact.NAME }}``
lookup, there is no condition and no file splitting: the shapes whose result
is known without a template engine. Any line the loop is not sure about (does
not parse, unexpected types, unknown variant, blank) goes to
``slow(number, line)``, the general path, which stays the reference: tests
assert both paths write identical bytes.

A contact's rows differ only in ``action``: each is ``head + action + suffix``
where ``head`` holds the identifier and the file's constant columns and
``suffix`` the variant, operation and contexts; one f-string builds them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, Literal

import msgspec

from feedcore import templating
from feedcore.config import FeedConfig
from feedcore.encoders import JSON_STRING, NEEDS_QUOTE, FileEncoder, rows_source
from feedcore.events import CONTAINERS, DECODE_ERRORS, MAX_LINE_BYTES, too_deep
from feedcore.identity import redact
from feedcore.rules import DATA_FEED_ACTION

#: slow(number, line) handles one line on the general path.
SlowPath = Callable[[int, bytes], None]
#: run(lines, number_before_first, add_out, remove_out, slow) -> (exported, add_rows, rm_rows)
ChunkRunner = Callable[[Iterable[bytes], int, list[str], list[str], SlowPath], tuple[int, int, int]]

#: Per (operation, variant): (text between action and contexts, encoded actions,
#: constant text after the last dynamic context incl. line end, number of rows).
ActionEntry = tuple[str, tuple[str, ...], str, int]

_TEMPLATE = """
def run(lines, number, add_out, remove_out, slow):
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
            acts = ADD.get(ev.variant)
        else:
            acts = REMOVE.get(ev.variant)
        ident = e.strip()
        if acts is None or not ident or "@" not in e:
            slow(number, line)
            continue
{identity}
        a = ev.attributes
{lookups}
        between, encoded, after, n = acts
{encode}
        exported += 1
        if t == "enter":
            add_out.append(text)
            add_rows += n
        else:
            remove_out.append(text)
            remove_rows += n
    return exported, add_rows, remove_rows
"""


def _event_decoder(attributes: list[str]) -> Callable[[bytes], Any]:
    """A C decoder for the FS-7 event shape that keeps only the attributes the
    contexts read (``f0``, ``f1``, ... renamed from their JSON names): other
    attributes are validated as JSON but never become Python objects.
    Anything it rejects (wrong types, unknown keys, ``attributes: null``) goes
    the slow way, where the messages are made."""
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


_HASH = """        norm = ident.lower()
        ident = sha256(norm.encode()).hexdigest()"""


def _plan_contexts(config: FeedConfig) -> list[tuple[str | None, str | None]] | None:
    """Per context: (constant, None) or (None, attribute); None if any is complex."""
    plan: list[tuple[str | None, str | None]] = []
    for context in config.feed.contexts:
        constant, renderer = templating.compile_context(context.value)
        if renderer is None:
            plan.append((constant, None))
            continue
        attribute = templating.simple_attribute(context.value)
        if attribute is None:
            return None
        plan.append((None, attribute))
    return plan


def fast_path_applies(config: FeedConfig) -> bool:
    feed = config.feed
    return (
        feed.condition is None
        and feed.max_rows_per_file is None
        and _plan_contexts(config) is not None
    )


def _lookup(index: int, field: int, hashed: bool) -> str:
    """Same conversion as templating's lookup: None stays null, others via str().

    A list or object nested deeper than the events' limit goes the slow way, which
    reports the line as bad (the limit is checked only on the values this loop reads).
    """
    lines = [
        f"        c{index} = a.f{field}",
        f"        if c{index} is not None and type(c{index}) is not str:",
        f"            if type(c{index}) in CONTAINERS and too_deep(c{index}):",
        "                slow(number, line)",
        "                continue",
        f"            c{index} = str(c{index})",
    ]
    if hashed:  # decisions (rows.py, identity.redact): the address never leaks
        lines += [
            f"        if c{index} and norm in c{index}.lower():",
            f"            c{index} = None if c{index}.strip().lower() == norm "
            f"else redact(c{index}, norm, ident)",
        ]
    return "\n".join(lines)


def _quoted(name: str) -> str:
    """Inline RFC 4180 quoting of one optional field (no function call per field)."""
    return (
        f"('' if {name} is None else {name} if NEEDS({name}) is None "
        f"else '\"' + {name}.replace('\"', '\"\"') + '\"')"
    )


def _json(name: str) -> str:
    """Inline JSON of one optional string (FileEncoder.field without its call per value)."""
    return f"('null' if {name} is None else JSON({name}))"


def _encode_source(fmt: str, dynamic: list[int]) -> str:
    """The text of one contact: ``h`` (identifier) and ``v{i}`` (dynamic contexts) as
    encoded, then one f-string for all its rows, so CPython joins the pieces once."""
    if fmt == "jsonl":  # the identifier is never null; a context value may be
        lines = ["h = JSON(ident)", *[f"v{i} = {_json(f'c{i}')}" for i in dynamic]]
        head = "{HEAD0}{h}{MID}"
    else:  # CSV/TSV: one regex search over the variable text decides if anything needs quoting.
        probe = "".join(["{ident}", *[f"{{v{i}}}" for i in dynamic]])
        lines = [
            "h = ident",
            *[f"v{i} = c{i} or ''" for i in dynamic],
            f'if NEEDS(f"{probe}") is not None:',
            f"    h = {_quoted('ident')}",
            *[f"    v{i} = {_quoted(f'c{i}')}" for i in dynamic],
        ]
        head = "{h}{MID}"
    suffix = "".join(["{between}", *[f"{{SEP{i}}}{{v{i}}}" for i in dynamic], "{after}"])
    lines += rows_source(head, suffix, "encoded", "encoded[0]", "encoded[1]")
    return "\n".join("        " + line for line in lines)


def build_runner(config: FeedConfig, timestamp: str) -> ChunkRunner | None:
    """Generate the fused loop for ``config``; None when the fast path does not apply."""
    plan = _plan_contexts(config)
    if plan is None or not fast_path_applies(config):
        return None
    fmt = config.feed.format
    encoders = {
        op: FileEncoder(
            fmt,
            config.columns,
            timestamp=timestamp,
            segment=config.flow.segment,
            flow_name=config.flow.name,
            operation=op,
        )
        for op in ("add", "remove")
    }
    enc = encoders["add"]
    attributes = list(dict.fromkeys(attribute for _, attribute in plan if attribute is not None))
    namespace: dict[str, Any] = {
        "decode": _event_decoder(attributes),
        "DECODE_ERRORS": DECODE_ERRORS,  # RecursionError too: a line nested too deeply
        "CONTAINERS": CONTAINERS,
        "too_deep": too_deep,
        "MAX_LINE": MAX_LINE_BYTES,
        "sha256": hashlib.sha256,
        "redact": redact,
        "JSON": JSON_STRING,
        "MID": enc.mid,
        "HEAD0": enc.ident_prefix,
    }
    if fmt != "jsonl":
        namespace["NEEDS"] = NEEDS_QUOTE[fmt].search
    dynamic: list[int] = []
    pending = ""  # constant context text since the last dynamic context
    for index, ((constant, attribute), key) in enumerate(zip(plan, enc.context_keys, strict=True)):
        if attribute is None:
            pending += key + enc.field(constant)
        else:
            namespace[f"SEP{index}"] = pending + key
            pending = ""
            dynamic.append(index)
    after = pending + enc.end
    actions_by_variant: dict[str | None, tuple[str, ...]] = {
        None: (DATA_FEED_ACTION, *config.flow.actions)
    }
    for variant in config.flow.variants:
        actions_by_variant[variant.name] = (DATA_FEED_ACTION, *variant.actions)
    for op, name in (("add", "ADD"), ("remove", "REMOVE")):
        encoder = encoders[op]
        table: dict[str | None, ActionEntry] = {}
        for variant_name, actions in actions_by_variant.items():
            encoded = encoder.encoded_actions(actions)
            table[variant_name] = (encoder.between(variant_name), encoded, after, len(actions))
        namespace[name] = table
    source = _TEMPLATE.format(
        identity=_HASH if config.feed.hash_identity else "",
        lookups="\n".join(
            _lookup(i, attributes.index(plan[i][1] or ""), config.feed.hash_identity)
            for i in dynamic
        ),
        encode=_encode_source(fmt, dynamic),
    )
    exec(compile(source, f"<feedlab fast path: {config.client}>", "exec"), namespace)
    runner: ChunkRunner = namespace["run"]
    return runner
