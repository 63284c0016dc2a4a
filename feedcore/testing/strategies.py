"""Hypothesis strategies for feed configs and the events they export: the one home.

The public surface (issue 13, ``docs/conformance.md``) is three functions, for
an integration engineer property-testing a config and a loader team
property-testing what feedlab writes:

* :func:`feed_configs` — valid feed configs (FS-1) as validated
  :class:`~feedcore.config.FeedConfig` objects;
* :func:`events` — flow events (FS-7) valid for one config: enters and exits,
  every configured variant and none, the attributes the config's contexts and
  condition read (found in their syntax trees by :mod:`feedcore.lint`) plus the
  simulator's, with hostile but legal values;
* :func:`hostile_text` — text every format must round-trip (FS-3.4): quotes,
  commas, tabs, CR, LF, CRLF, emoji, RTL marks, combining marks, NUL (the
  stdlib ``csv`` reader and JSON both carry it, so the writer must too), and
  any other Unicode scalar value; never a lone surrogate.

The rest is what feedlab's own tests build on and may change: the parts of a
config (:data:`labels`, :data:`bucket_names`, :func:`sftp_hosts`, ...),
:func:`config_dicts` (the TOML layout), :func:`events_for` (the older spelling
of :func:`events`), :data:`export_times` and :data:`seeds`. Strategies only
the project's fuzzing needs live in :mod:`feedcore.testing.fuzzing`.

Hypothesis is imported here, not by ``import feedcore``: it comes with the
``feedlab[testing]`` extra.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from feedcore import lint, rules
from feedcore.config import FeedConfig, parse_config
from feedcore.errors import MissingExtraError
from feedcore.events import Event, EventType
from feedcore.sandbox.limits import MAX_VALUE

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as exc:  # Hypothesis comes with the testing extra
    raise MissingExtraError("feedcore.testing (Hypothesis)", "testing") from exc

__all__ = ["events", "feed_configs", "hostile_text"]

# --------------------------------------------------------------------------- text

#: The characters and sequences FS-3.4 names, plus the usual suspects.
HOSTILE_PIECES: tuple[str, ...] = (
    ",",
    '"',
    '""',
    "'",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\n\r",
    "\x00",  # NUL: legal in JSON (\u0000) and round-trips through the csv module
    "\x1b",
    "\x7f",
    "\x85",  # NEL: a line break to str.splitlines(), not to csv or JSONL
    "\u2028",  # LINE SEPARATOR (same)
    "\u2029",
    "\ufeff",  # BOM in the middle of text
    "\u200b",  # ZERO WIDTH SPACE
    "\u200e",  # LEFT-TO-RIGHT MARK
    "\u200f",  # RIGHT-TO-LEFT MARK
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u0301",  # COMBINING ACUTE ACCENT
    "שלום",
    "مرحبا",
    "🎉",
    "👩\u200d💻",
    "🇫🇷",
    "\U0010ffff",
    "\\",
    "\\n",
    "{",
    "}",
    " ",
    "  ",
    "=1+1",
    "null",
    "None",
    "é",
    "e\u0301",
    "😀",
)

#: Any Unicode scalar value (surrogates excluded: they cannot be encoded as UTF-8).
any_char = st.characters(codec="utf-8")


def hostile_text(*, min_size: int = 0, max_size: int = 12) -> st.SearchStrategy[str]:
    """Strings assembled from hostile pieces and arbitrary characters."""
    piece = st.one_of(st.sampled_from(HOSTILE_PIECES), any_char)
    return st.lists(piece, min_size=min_size, max_size=max_size).map("".join)


def _no_control(text: str) -> bool:
    return not rules.has_control_chars(text)


#: FS-1 labels (flow name, segment, variant and action names): 1-200 characters,
#: no control characters, not blank, but otherwise as hostile as it gets.
labels = st.one_of(
    st.sampled_from(["Welcome Series", "New signups", "A", "B", "email_welcome"]),
    st.lists(
        st.one_of(
            st.sampled_from([p for p in HOSTILE_PIECES if _no_control(p)]),
            st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        ),
        min_size=1,
        max_size=8,
    ).map("".join),
).filter(lambda s: bool(s.strip()) and len(s) <= 200)

# ----------------------------------------------------------------------- config parts

_LOWER_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789"
_ALNUM = _LOWER_DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _joined(alphabet: str, max_parts: int, sep: str) -> st.SearchStrategy[str]:
    """``part(sep part)*``: parts of ``alphabet`` characters, so no leading/trailing sep."""
    part = st.text(alphabet=alphabet, min_size=1, max_size=6)
    return st.lists(part, min_size=1, max_size=max_parts).map(sep.join)


client_slugs = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(_LOWER_DIGITS),
    st.text(alphabet=_LOWER_DIGITS + "-", max_size=20),
)
flow_ids = st.integers(min_value=1, max_value=2**53)

_bucket_label = _joined(_LOWER_DIGITS, 3, "-")


def _valid_bucket(name: str) -> bool:
    try:
        rules.check_bucket(name)
    except ValueError:
        return False
    return True


#: S3 bucket names that pass every AWS rule (dots included).
bucket_names = st.lists(_bucket_label, min_size=1, max_size=4).map(".".join).filter(_valid_bucket)

_host_label = _joined(_ALNUM, 3, "-")
hostnames = st.lists(_host_label, min_size=1, max_size=4).map(".".join)
ports = st.integers(min_value=1, max_value=65535)


@st.composite
def sftp_hosts(draw: st.DrawFn) -> str:
    """A hostname, IPv4 or IPv6 address, with an optional ``:port``."""
    kind = draw(st.sampled_from(["name", "v4", "v6"]))
    port = draw(st.none() | ports)
    if kind == "name":
        host = draw(hostnames)
        return host if port is None else f"{host}:{port}"
    if kind == "v4":
        host = str(draw(st.ip_addresses(v=4)))
        return host if port is None else f"{host}:{port}"
    v6 = draw(st.ip_addresses(v=6))
    assert isinstance(v6, ipaddress.IPv6Address)
    return f"[{v6}]" if port is None else f"[{v6}]:{port}"


path_segments = st.text(alphabet=_ALNUM + "._=-", min_size=1, max_size=12).filter(
    lambda s: s not in (".", "..")
)
paths = st.one_of(
    st.just(""),
    st.lists(path_segments, min_size=1, max_size=5).map("/".join).filter(lambda p: len(p) <= 512),
)

#: What no identifier may start or end with (FS-1): whitespace, control characters
#: and the Unicode line and paragraph separators, the usual ones first.
#: Attribute names events carry; contexts look up these and some undefined ones.
DEFINED_ATTRIBUTES = ("first_name", "last_name", "city", "plan", "ltv", "email", "note")
UNDEFINED_ATTRIBUTES = ("nickname", "missing_attr", "Plan")

context_names = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(_ALNUM[:26] + _ALNUM[36:] + "_"),
    st.text(alphabet=_ALNUM + "_", max_size=15),
).filter(lambda n: n not in rules.STANDARD_COLUMNS)

#: Hostile text with no Jinja syntax in it, so it stays constant text (FS-2.5).
constant_text = hostile_text(max_size=10).filter(
    lambda s: "{" not in s and "}" not in s and "%}" not in s and "#}" not in s
)


@st.composite
def context_values(draw: st.DrawFn) -> str:
    """A context template: constant text, a lookup, or a fuller template."""
    attribute = draw(st.sampled_from(DEFINED_ATTRIBUTES + UNDEFINED_ATTRIBUTES))
    text = draw(constant_text)
    return draw(
        st.sampled_from(
            [
                text,
                f"{{{{ contact.{attribute} }}}}",
                f"{{{{contact.{attribute}}}}}",
                f"{{{{ contact.{attribute} | default('-') }}}}",
                f"{{{{ contact.{attribute} | upper }}}}",
                f"{text}{{{{ contact.{attribute} }}}}{text}",
                "Hi {{ contact.first_name }}, from {{ contact.city | default('somewhere') }}",
                "{{ identifier }}",
                "{{ identifier[:8] }}",
                "{{ event.type }}/{{ event.variant }}",
                "{{ event.variant }}",
                '{% if contact.plan == "pro" %}PRO{% else %}other{% endif %}',
                "{{ contact }}",
                "{{ none }}",
            ]
        )
    )


@st.composite
def contexts(draw: st.DrawFn) -> list[dict[str, str]]:
    names = draw(st.lists(context_names, max_size=4, unique=True))
    return [{"name": name, "value": draw(context_values())} for name in names]


conditions = st.sampled_from(
    [
        'contact.plan != "free"',
        "contact.plan is defined",
        "contact.nickname is not defined",
        "event.type == 'enter'",
        "event.variant is none or event.variant != ''",
        "contact.first_name and contact.first_name | length > 2",
        "true",
        "false",
    ]
)

action_names = st.one_of(
    st.sampled_from(["email_welcome", "facebook_audience", "email_welcome_v2", "sms"]), labels
).filter(lambda a: a != rules.DATA_FEED_ACTION)
action_lists = st.lists(action_names, max_size=3, unique=True)
weights = st.one_of(
    st.integers(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False),
)


@st.composite
def variants(draw: st.DrawFn) -> list[dict[str, Any]]:
    """0-3 variants with unique names; weights add up to more than 0."""
    names = draw(st.lists(labels, max_size=3, unique=True))
    out: list[dict[str, Any]] = [
        {"name": name, "weight": draw(weights), "actions": draw(action_lists)} for name in names
    ]
    if out and sum(v["weight"] for v in out) <= 0:
        out[0]["weight"] = 1
    return out


def random_case(draw: st.DrawFn, text: str) -> str:
    flags = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if up else c for c, up in zip(text, flags, strict=True))


@st.composite
def config_dicts(draw: st.DrawFn, *, extensions: bool = False) -> dict[str, Any]:
    """A valid config in the TOML layout of FS-1.2 (as ``tomllib`` would return it).

    With ``extensions``, the FS-5.2 opt-ins (``max_rows_per_file``,
    ``control_checksums``) are sometimes switched on.
    """
    flow: dict[str, Any] = {
        "id": draw(flow_ids),
        "name": draw(labels),
        "segment": draw(labels),
    }
    flow_variants = draw(variants())
    if flow_variants:
        flow["variants"] = flow_variants
    # A flow without variants has actions; one with variants may still list
    # actions (they apply to contacts in no variant).
    if not flow_variants or draw(st.booleans()):
        flow["actions"] = draw(action_lists)
    target = draw(st.sampled_from(["s3", "sftp", "ftp"]))
    host = draw(bucket_names if target == "s3" else sftp_hosts())
    feed: dict[str, Any] = {
        "format": random_case(draw, draw(st.sampled_from(["csv", "tsv", "jsonl"]))),
        "hash_identity": draw(st.booleans()),
        "target": random_case(draw, target),
        "host": host,
        "path": draw(paths),
    }
    feed_contexts = draw(contexts())
    if feed_contexts:
        feed["contexts"] = feed_contexts
    if draw(st.integers(0, 3)) == 0:
        feed["condition"] = draw(conditions)
    if extensions:
        if draw(st.integers(0, 3)) == 0:
            # A contact's rows never straddle files: a file must fit the largest group.
            groups = [flow.get("actions", []), *(v["actions"] for v in flow_variants)]
            needed = 1 + max(len(g) for g in groups)
            feed["max_rows_per_file"] = draw(st.integers(min_value=needed, max_value=needed + 6))
        if draw(st.integers(0, 3)) == 0:
            feed["control_checksums"] = True
    return {"client": draw(client_slugs), "flow": flow, "feed": feed}


def configs(*, extensions: bool = False) -> st.SearchStrategy[FeedConfig]:
    """Valid :class:`FeedConfig` objects, built through :func:`parse_config`."""
    return config_dicts(extensions=extensions).map(parse_config)


# ---------------------------------------------------------------------------- events

#: A token that cannot occur by chance in output (hex hashes never hold 'q' or '@').
_tokens = st.text(alphabet="0123456789abcdefghijklmnop", min_size=10, max_size=10)


@st.composite
def emails(draw: st.DrawFn) -> str:
    """An address with a unique-looking token, maybe padded or in mixed case."""
    local = draw(st.sampled_from(["ann", "bob.smith", "c+tag", "d_e", "Zoë"]))
    domain = draw(st.sampled_from(["example.com", "Example.ORG", "mail.example.net"]))
    address = f"{local}.q{draw(_tokens)}@{domain}"
    if draw(st.booleans()):
        address = address.upper()
    pad = st.sampled_from(["", " ", "  ", "\t", " \t "])
    return draw(pad) + address + draw(pad)


attribute_values = st.one_of(
    hostile_text(max_size=8),
    st.sampled_from(["free", "pro", "enterprise"]),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


@st.composite
def attributes_for(draw: st.DrawFn, email: str) -> dict[str, Any]:
    """Attributes with hostile text; sometimes one that repeats the address."""
    keys = draw(st.lists(st.sampled_from(DEFINED_ATTRIBUTES), max_size=5, unique=True))
    attrs: dict[str, Any] = {key: draw(attribute_values) for key in keys}
    if "email" in attrs and draw(st.booleans()):
        # FS-2.5: in a hashed feed the raw address must not leak through a context,
        # whether an attribute repeats it or holds it in text, a list or an object.
        form = draw(st.sampled_from([email, email.strip(), email.strip().lower()]))
        attrs["email"] = draw(st.sampled_from([form, f"to {form}", [form], {"k": form}]))
    return attrs


@st.composite
def events_for(
    draw: st.DrawFn, config: FeedConfig, *, min_size: int = 0, max_size: int = 8
) -> list[Event]:
    """Events whose variants are configured (or None) for ``config``."""
    variant_names: list[str | None] = [None, *(v.name for v in config.flow.variants)]
    count = draw(st.integers(min_value=min_size, max_value=max_size))
    out: list[Event] = []
    used: set[str] = set()
    for _ in range(count):
        email = draw(emails().filter(lambda e: e.strip().lower() not in used))
        used.add(email.strip().lower())
        out.append(
            Event(
                draw(st.sampled_from(["enter", "exit"])),
                email,
                draw(st.sampled_from(variant_names)),
                draw(attributes_for(email)),
            )
        )
    return out


# ---------------------------------------------------------------------- times, seeds

_ZONES = [
    None,
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-8)),
    timezone(timedelta(hours=14)),
]

#: Export times, naive (taken as UTC) or aware in assorted offsets.
export_times = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2099, 12, 30),
    timezones=st.sampled_from(_ZONES),
)

#: Seeds as ``--seed`` accepts them: integers or short strings.
seeds = st.one_of(
    st.integers(min_value=0, max_value=2**64),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", max_size=12),
)


# ------------------------------------------------------------------- the public API


def feed_configs(*, extensions: bool = False) -> st.SearchStrategy[FeedConfig]:
    """Valid feed configs (FS-1): every format and target, hashed or not, with
    variants or none, hostile labels, contexts and conditions.

    With ``extensions``, the FS-5.2 opt-ins are sometimes on.
    """
    return configs(extensions=extensions)


#: Lengths of long values: short of, at and just past the sandbox's value bound
#: (a context rendering past it is null, FS-2.5), and long enough to matter to a reader.
LONG_LENGTHS = (1_000, MAX_VALUE // 2, MAX_VALUE - 1, MAX_VALUE, MAX_VALUE + 1)


@st.composite
def long_text(draw: st.DrawFn) -> str:
    """A value near a bound: a hostile piece repeated to one of :data:`LONG_LENGTHS`."""
    length = draw(st.sampled_from(LONG_LENGTHS))
    piece = draw(st.sampled_from(HOSTILE_PIECES).filter(lambda p: len(p) == 1) | any_char)
    return piece * length


#: Values a contact's attribute takes in :func:`events`: hostile text, the empty
#: string, the plan names conditions compare, numbers, booleans, null and a little
#: nesting (FS-7 allows any JSON value). :func:`long_text` comes on top, once per
#: contact at most, so an event's line stays well under FS-7's 1 MiB.
event_attribute_values: st.SearchStrategy[Any] = st.one_of(
    hostile_text(max_size=10),
    st.just(""),
    st.sampled_from(["free", "pro", "enterprise"]),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(hostile_text(max_size=4), max_size=2),
    st.dictionaries(st.sampled_from(["k", "a"]), hostile_text(max_size=4), max_size=2),
)


def attribute_names(config: FeedConfig) -> tuple[str, ...]:
    """The attributes ``config``'s contexts and condition read, then the simulator's (FS-7.1)."""
    names: dict[str, None] = {}
    for context in config.feed.contexts:
        for ref in lint.references(context.value):
            if ref.root == "contact" and ref.key is not None:
                names[ref.key] = None
    if config.feed.condition is not None:
        for ref in lint.references(config.feed.condition, expression=True):
            if ref.root == "contact" and ref.key is not None:
                names[ref.key] = None
    for name in DEFINED_ATTRIBUTES:
        names[name] = None
    return tuple(names)


@st.composite
def _contact_attributes(draw: st.DrawFn, names: tuple[str, ...], email: str) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(names), max_size=len(names), unique=True))
    attrs: dict[str, Any] = {key: draw(event_attribute_values) for key in keys}
    if keys and draw(st.integers(min_value=0, max_value=7)) == 0:
        attrs[draw(st.sampled_from(keys))] = draw(long_text())
    if "email" in attrs and draw(st.booleans()):
        # FS-2.5: in a hashed feed an attribute holding the address must not leak.
        form = draw(st.sampled_from([email, email.strip(), email.strip().lower()]))
        attrs["email"] = draw(st.sampled_from([form, f"to {form}", [form], {"k": form}]))
    return attrs


def events(
    config: FeedConfig, *, min_size: int = 0, max_size: int = 8
) -> st.SearchStrategy[list[Event]]:
    """Batches of :class:`~feedcore.Event` valid for ``config`` (FS-7).

    Each batch holds ``min_size`` to ``max_size`` events of distinct contacts
    (a unique token in each address, so a test can look for it in output),
    entering or exiting, in a configured variant or none, with attributes the
    config reads: hostile text, empty strings, values near the sandbox's
    bounds, numbers, booleans, nulls and nesting.
    """
    names = attribute_names(config)
    variant_names: list[str | None] = [None, *(v.name for v in config.flow.variants)]

    @st.composite
    def batch(draw: st.DrawFn) -> list[Event]:
        count = draw(st.integers(min_value=min_size, max_value=max_size))
        out: list[Event] = []
        used: set[str] = set()
        for _ in range(count):
            email = draw(emails().filter(lambda e: e.strip().lower() not in used))
            used.add(email.strip().lower())
            event_type: EventType = draw(st.sampled_from(["enter", "exit"]))
            variant = draw(st.sampled_from(variant_names))
            attrs = draw(_contact_attributes(names, email))
            out.append(Event(event_type, email, variant, attrs))
        return out

    return batch()
