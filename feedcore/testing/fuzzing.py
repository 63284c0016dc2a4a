"""Hypothesis strategies only feedlab's own fuzzing needs (not the public API).

Junk around identifiers, mutated and raw config documents (``feedlab
validate``), sandbox templates fuzzed against its bounds (FS-2.5, FS-2.6),
address transformations a template might try, templates naming attributes
(:mod:`feedcore.lint`), spellings of one endpoint, pasted locations and what a
target lost of a batch (FS-6.3). They build on :mod:`feedcore.testing.strategies`,
the one home of the config and event strategies.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from feedcore.simulate import ATTRIBUTES
from feedcore.testing.strategies import (
    bucket_names,
    client_slugs,
    config_dicts,
    constant_text,
    context_names,
    hostile_text,
    hostnames,
    path_segments,
    paths,
    random_case,
    sftp_hosts,
)

edge_junk = st.one_of(
    st.sampled_from(["\n", "\r", "\x00", "\u2028", "\u2029", "\t", " ", "\x85", "\r\n"]),
    st.characters(categories=("Cc", "Zs", "Zl", "Zp")),
)


@st.composite
def junk_identifiers(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """(dotted field, the config dict's changes): one identifier with junk before or after it.

    The identifiers are the values that become names: ``client``, ``feed.host`` (S3
    bucket or SFTP host), ``feed.path`` and a context ``name``.
    """
    field = draw(st.sampled_from(["client", "feed.host", "feed.path", "feed.contexts[0].name"]))
    target = draw(st.sampled_from(["s3", "sftp"]))
    value = draw(
        {
            "client": client_slugs,
            "feed.host": bucket_names if target == "s3" else sftp_hosts(),
            "feed.path": paths.filter(bool),
            "feed.contexts[0].name": context_names,
        }[field]
    )
    junk = draw(st.lists(edge_junk, min_size=1, max_size=3).map("".join))
    value = draw(st.sampled_from([value + junk, junk + value]))
    return field, {"target": target, field: value}


# ------------------------------------------------------------- fuzzed configs (FS-1)

#: Any TOML scalar, the hostile and the out-of-range included (NaN, inf, huge ints, dates).
toml_scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    hostile_text(max_size=20),
    st.booleans(),
    st.dates(),
    st.datetimes(timezones=st.none() | st.just(UTC)),
    st.sampled_from(["", "s3", "sftp", "ftp", "CSV", "jsonl", "acme", "s3://acme", "a/"]),
)

#: TOML values: scalars, arrays and tables nested a little.
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

#: Keys a typo or an attacker might use, valid-looking and not.
toml_keys = st.one_of(
    st.sampled_from(
        ["client", "flow", "feed", "id", "name", "host", "path", "format", "target", "actions"]
    ),
    st.text(max_size=12),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a nested dict/list document (list items by index)."""
    out: list[tuple[Any, ...]] = []
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        path = (*prefix, key)
        out.append(path)
        if isinstance(value, dict | list):
            out.extend(_paths(value, path))
    return out


@st.composite
def mutated_config_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid FS-1.2 config with 1-4 mutations: a value replaced by one of another type
    or range, a key deleted, an unknown key added, or a section replaced wholesale."""
    import copy

    data = copy.deepcopy(draw(config_dicts(extensions=True)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        *parents, last = path
        container: Any = data
        for part in parents:
            container = container[part]
        action = draw(st.sampled_from(["replace", "delete", "add", "retype"]))
        if action == "replace":
            container[last] = draw(toml_values)
        elif action == "delete":
            del container[last]
        elif action == "add" and isinstance(container, dict):
            container[draw(toml_keys)] = draw(toml_values)
        elif action == "retype":
            value = container[last]
            container[last] = [value] if not isinstance(value, list) else {"x": value}
    return data


def _toml_or_none(data: dict[str, Any]) -> str | None:
    import tomli_w

    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):
        return None


#: TOML documents shaped like a feed config but mutated (see :func:`mutated_config_dicts`).
config_toml_documents = (
    mutated_config_dicts().map(_toml_or_none).filter(lambda text: text is not None).map(str)
)

_TOML_FRAGMENTS = (
    "client = ",
    '"acme"',
    "\n",
    "[flow]",
    "[[flow.variants]]",
    "[feed]",
    "id = ",
    "1234",
    "= =",
    "[",
    "]]",
    '"""',
    "'''",
    "\\u0000",
    "nan",
    "inf",
    "1979-05-27T07:32:00Z",
    "{ a = 1 }",
    "# comment",
    "\ufeff",
)

#: Raw text, TOML or not: random characters and shuffled TOML fragments.
raw_config_text = st.one_of(
    st.text(max_size=200),
    hostile_text(max_size=40),
    st.lists(st.sampled_from(_TOML_FRAGMENTS) | hostile_text(max_size=3), max_size=30).map("".join),
)


# ------------------------------------------------------- templates (FS-2.5, FS-2.6)

#: Attribute values a hostile contact may carry into a template: text built to forge
#: rows (quotes, delimiters, line ends), numbers of every size, nesting, markup.
hostile_attribute_values = st.recursive(
    st.one_of(
        hostile_text(max_size=10),
        st.sampled_from(['"', '"\r\n', 'a","b', "\t\r\n", "<b>&amp;</b>", "=1+2", "@SUM(A1)"]),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)

#: Attribute names the template strategies read (``contact.NAME``).
TEMPLATE_ATTRIBUTES = ("v", "w", "n", "l", "d", "missing")

#: Single expressions whose value is not a plain ``str``: markup (``|e``, ``|safe``,
#: ``|tojson``...), numbers, booleans, containers, undefined, none (FS-3.1, FS-3.4).
typed_expressions = st.sampled_from(
    [
        "contact.v|e",
        "contact.v|escape",
        "contact.v|forceescape",
        "contact.v|safe",
        "contact.v|tojson",
        "contact.v|urlize",
        "{'k': contact.v}|xmlattr",
        "contact.v|e|upper",
        "contact.v|e|replace('a', '\"')",
        "contact.v|e|center(12)",
        "contact.v|safe ~ contact.v",
        "(contact.v|e) + contact.v",
        "(contact.v|e) * 2",
        "'%s|%s'|format(contact.v|e, contact.v)",
        "contact.v|e|list",
        "contact.v|e|reverse",
        "contact.v|string",
        "contact.v|pprint",
        "contact.n",
        "contact.n * 3",
        "contact.n|float",
        "contact.n > 0",
        "[contact.v, contact.n]",
        "{'a': contact.v, 'b': [contact.n]}",
        "contact.l",
        "contact.d",
        "contact.missing",
        "none",
        "contact.v is string",
        "cycler(contact.v).next()",
        "namespace(a=contact.v).a|e",
    ]
)


@st.composite
def typed_templates(draw: st.DrawFn) -> str:
    """A context template whose output is of any type: a single expression, or embedded."""
    expression = draw(typed_expressions)
    return draw(
        st.sampled_from(
            [
                _out(expression),
                _out(expression),  # twice: the single expression is where a type survives
                "[" + _out(expression) + "]",
                _tag("autoescape true") + _out(expression) + _tag("endautoescape"),
                _tag(f"set x = {expression}") + _out("x"),
            ]
        )
    )


# Sizes on both sides of every bound (feedcore.sandbox.limits): a fuzzed template
# mixes numbers a template may use with ones that must be cut off.
_SIZES = st.sampled_from([0, 1, 2, 3, 7, 40, 300, 4_000, 70_000, 10**6, 10**8])
_EXPONENTS = st.sampled_from([0, 1, 2, 8, 64, 5_000, 10**6, 10**8])
_FILTERS = (
    "e",
    "safe",
    "tojson",
    "upper",
    "title",
    "trim",
    "string",
    "list",
    "reverse",
    "length",
    "first",
    "last",
    "sort",
    "unique",
    "sum",
    "int",
    "float",
    "abs",
    "striptags",
    "urlencode",
    "wordcount",
    "capitalize",
    "pprint",
    "urlize",
    "dictsort",
    "items",
    "lower",
)
_SIZED_FILTERS = (
    "center",
    "indent",
    "wordwrap",
    "truncate",
    "batch",
    "slice",
    "round",
    "join",
    "format",
)
_METHODS = ("center", "ljust", "rjust", "zfill", "expandtabs", "split", "upper", "count")


@st.composite
def _atom(draw: st.DrawFn) -> str:
    return draw(
        st.one_of(
            st.sampled_from([f"contact.{a}" for a in TEMPLATE_ATTRIBUTES]),
            st.sampled_from(
                ["identifier", "event.type", "event.variant", "x", "ns.s", "loop.index"]
            ),
            _SIZES.map(str),
            st.sampled_from(["'ab'", "'\"'", "'\\r\\n'", "','", "'\\t'", "''", "[1, 2]", "{}"]),
            st.sampled_from(["true", "none", "range(3)", "lipsum(1, false, 1, 3)"]),
        )
    )


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    sized = st.one_of(_SIZES.map(str), inner)
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//", "%", "~"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, _EXPONENTS).map(lambda t: f"({t[0]} ** {t[1]})"),
        st.tuples(inner, st.sampled_from(_FILTERS)).map(lambda t: f"({t[0]}|{t[1]})"),
        st.tuples(inner, st.sampled_from(_SIZED_FILTERS), sized).map(
            lambda t: f"({t[0]}|{t[1]}({t[2]}))"
        ),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]}|replace({t[1]}, {t[2]}))"),
        st.tuples(inner, st.sampled_from(_METHODS), sized).map(lambda t: f"{t[0]}.{t[1]}({t[2]})"),
        st.tuples(inner, sized).map(lambda t: f"'%*s' % ({t[1]}, {t[0]})"),
        st.tuples(inner, sized).map(lambda t: f"'{{:>{t[1]}}}'.format({t[0]})"),
        st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}]"),
        st.tuples(inner, inner).map(lambda t: f"{{'k': {t[0]}, 'j': {t[1]}}}"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(inner, st.sampled_from(["==", "!=", "<", "in", "not in"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(inner, sized, sized).map(lambda t: f"{t[0]}[{t[1]}:{t[2]}]"),
        st.tuples(
            inner, st.sampled_from(["defined", "string", "number", "odd", "divisibleby 3"])
        ).map(lambda t: f"({t[0]} is {t[1]})"),
        sized.map(lambda n: f"range({n})"),
        st.tuples(sized, sized).map(lambda t: f"lipsum({t[0]}, false, 1, {t[1]})"),
        inner.map(lambda e: f"(not {e})"),
    )


#: Jinja2 expressions over the allowed syntax: literals, attribute access, filters,
#: tests, operators, methods, literals of lists and dicts, conditionals.
jinja_expressions = st.recursive(_atom(), _combine, max_leaves=5)


def _tag(body: str) -> str:
    return "{% " + body + " %}"


def _out(expression: str) -> str:
    return "{{ " + expression + " }}"


#: Loop counts: small, near the step budget, and from the contact.
_COUNTS = st.sampled_from(["3", "100", "9999", "contact.n", "(contact.n % 200)"])


def _blocks(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    e = jinja_expressions
    macro = _tag("macro m(x)")
    return st.one_of(
        st.tuples(e, inner).map(lambda t: _tag(f"for x in {t[0]}") + t[1] + _tag("endfor")),
        st.tuples(_COUNTS, _COUNTS, inner).map(
            lambda t: (
                _tag(f"for x in range({t[0]})")
                + _tag(f"for y in range({t[1]})")
                + t[2]
                + _tag("endfor")
                + _tag("endfor")
            )
        ),
        st.tuples(e, _COUNTS, st.sampled_from(["~", "+", "*"])).map(
            lambda t: (
                _tag(f"set ns = namespace(s={t[0]})")
                + _tag(f"for x in range({t[1]})")
                + _tag(f"set ns.s = ns.s {t[2]} ns.s")
                + _tag("endfor")
                + _out("ns.s")
            )
        ),
        st.tuples(e, _COUNTS).map(
            lambda t: (
                _tag(f"set ns = namespace(a={t[0]})")
                + _tag(f"for x in range({t[1]})")
                + _tag("set ns.a = [ns.a, ns.a]")
                + _tag("endfor")
                + _out("ns.a|length")
            )
        ),
        st.tuples(inner, _COUNTS).map(
            lambda t: (
                macro
                + t[0]
                + _out("m(x - 1) ~ m(x - 1) if x > 0 else ''")
                + _tag("endmacro")
                + _out(f"m({t[1]})")
            )
        ),
        st.tuples(e, inner, inner).map(
            lambda t: (
                _tag(f"for x in {t[0]} recursive")
                + t[1]
                + _out("loop([x])")
                + t[2]
                + _tag("endfor")
            )
        ),
        st.tuples(e, inner, inner).map(
            lambda t: _tag(f"if {t[0]}") + t[1] + _tag("else") + t[2] + _tag("endif")
        ),
        st.tuples(e, inner).map(lambda t: _tag(f"set x = {t[0]}") + t[1]),
        st.tuples(e, inner).map(
            lambda t: (
                _tag(f"set ns = namespace(s={t[0]})") + t[1] + _tag("set ns.s = ns.s ~ ns.s") + t[1]
            )
        ),
        st.tuples(e, inner).map(lambda t: _tag(f"set ns.s = {t[0]}") + t[1]),
        st.tuples(inner, e).map(
            lambda t: (
                macro + t[0] + _out("m(x) if x else ''") + _tag("endmacro") + _out(f"m({t[1]})")
            )
        ),
        st.tuples(inner, e).map(
            lambda t: (
                macro
                + "["
                + _out("caller()")
                + "]"
                + _tag("endmacro")
                + _tag(f"call m({t[1]})")
                + t[0]
                + _tag("endcall")
            )
        ),
        inner.map(lambda b: _tag("filter upper") + b + _tag("endfilter")),
        st.tuples(inner, st.text(alphabet="bcdefgh", min_size=4, max_size=4)).map(
            lambda t: _tag(f"block {t[1]}") + t[0] + _tag("endblock") + _out(f"self.{t[1]}()")
        ),
        st.tuples(e, inner).map(lambda t: _tag(f"with x = {t[0]}") + t[1] + _tag("endwith")),
        st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
    )


#: Whole context templates: text, outputs and statements (loops, recursion, macros,
#: ``caller``, ``self``, namespaces, filter blocks), fuzzed against the sandbox's bounds.
jinja_templates = st.recursive(
    st.one_of(jinja_expressions.map(_out), constant_text),
    _blocks,
    max_leaves=4,
)

#: Attributes for the template strategies: every name they read, hostile values.
template_attributes = st.fixed_dictionaries(
    {
        "v": hostile_text(max_size=10),
        "w": hostile_attribute_values,
        "n": st.sampled_from([0, 1, 3, 40, 4_000, 10**6, 10**9]) | st.integers(-(2**40), 2**40),
        "l": st.lists(hostile_attribute_values, max_size=4),
        "d": st.dictionaries(st.text(max_size=4), hostile_attribute_values, max_size=3),
    }
)


# ---------------------------------------------- address transformations (FS-2.5)

#: Letters a SHA-256 hex digest never holds, so a run of them in output can only
#: have come from the contact's address.
_NOT_HEX = "ghijkmnpqrstuvwxyz"
address_tokens = st.text(alphabet=_NOT_HEX, min_size=8, max_size=8)


@st.composite
def address_holders(draw: st.DrawFn, address: str) -> Any:
    """An attribute value that holds ``address`` somewhere (case, padding, nesting, keys)."""
    form = draw(st.sampled_from([address, address.upper(), f"  {address} ", address.title()]))
    return draw(
        st.sampled_from(
            [
                form,
                f"write to {form} today",
                [form],
                ["x", [form]],
                {"k": form},
                {form: 1},
                {"a": [{"b": form}]},
            ]
        )
    )


#: Transformations a template can apply to an attribute to carry an address past an
#: output scan: replacement, slicing, case, reversal, encoding, joins, nesting.
address_transforms = st.sampled_from(
    [
        "{{ contact.a }}",
        "{{ contact.a|replace('@', ' at ') }}",
        "{{ contact.a|replace('.', ' dot ')|replace('@', '(at)') }}",
        "{{ contact.a|urlencode }}",
        "{{ contact.a|reverse }}",
        "{{ contact.a|reverse|join }}",
        "{{ contact.a[:6] }}",
        "{{ contact.a[6:] }}",
        "{{ contact.a[::-1] }}",
        "{{ contact.a|upper }}",
        "{{ contact.a|lower }}",
        "{{ contact.a|title }}",
        "{{ contact.a|list|join('-') }}",
        "{{ contact.a|e }}",
        "{{ contact.a|tojson }}",
        "{{ contact.a|string|replace('@', '') }}",
        "{{ contact.a|wordwrap(3) }}",
        "{{ contact.a.split('@')|join('') }}",
        "{{ contact.a|first }}",
        "{{ contact.a|map('string')|join(',') }}",
        "{{ contact.a.k|default('') ~ contact.a[0]|default('') }}",
        "{{ contact|dictsort }}",
        "{{ contact }}",
        "{% for k, v in contact|dictsort %}{{ k|reverse }}={{ v|string|reverse }};{% endfor %}",
        "{{ contact.a|pprint|replace('@', '#') }}",
    ]
)


# ------------------------------------------- operator chains at the bounds (FS-2.5)

#: One step of a chain applied to ``X`` (the value so far), with its size argument
#: ``N``: the operators and the filters and methods that take a width or a count.
CHAIN_STEPS = (
    "(X * N)",
    "(X ~ X)",
    "(X + X)",
    "X|center(N)",
    "X.ljust(N)",
    "X.zfill(N)",
    "X|indent(N, true)",
    "X|replace('a', 'xyz')",
    "X|upper",
    "X[:N]",
    "X|wordwrap(N + 1)",
    "X|join('-')",
    "X|list|join(',')",
    "('%*s' % (N, X))",
    "('{:>' ~ N ~ '}').format(X)",
    "X|truncate(N + 4)",
    "([X] * N)|join",
)


@st.composite
def operation_chains(draw: st.DrawFn, *, max_size: int = 4) -> tuple[str, list[str]]:
    """``(expression, prefixes)``: a chain of :data:`CHAIN_STEPS` over ``contact.v``, and
    the expression after each step (each intermediate value, for an oracle to size)."""
    expression = "contact.v"
    prefixes = []
    for _ in range(draw(st.integers(min_value=1, max_value=max_size))):
        step = draw(st.sampled_from(CHAIN_STEPS))
        size = draw(st.sampled_from([0, 1, 2, 5, 20, 50]) | st.integers(0, 300))
        expression = step.replace("X", f"({expression})").replace("N", str(size))
        prefixes.append(expression)
    return expression, prefixes


# -- templates naming attributes (feedcore.lint) ------------------------------------------------

_attribute_names = st.one_of(
    st.sampled_from(ATTRIBUTES),
    st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True),
)


@st.composite
def attribute_templates(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A template looking up attributes three ways (``.x``, ``['x']``, ``.get('x')``), with
    constant text between, and the attribute names it uses."""
    names = draw(st.lists(_attribute_names, min_size=1, max_size=5))
    pieces = []
    for name in names:
        style = draw(
            st.sampled_from(("{{ contact.%s }}", "{{ contact['%s'] }}", "{{ contact.get('%s') }}"))
        )
        if style == "{{ contact.%s }}" and name in _JINJA_WORDS:
            style = "{{ contact['%s'] }}"  # ``contact.not`` would not parse
        pieces.append(draw(st.sampled_from(("", " ", ", ", "Hi "))) + style % name)
    return "".join(pieces), names


#: Words Jinja2's parser reads as operators or literals after a dot.
_JINJA_WORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "true", "false", "none"})
# ------------------------------------------------------------------- endpoints

#: Every one of these names this machine: one endpoint, whichever is written.
LOOPBACK_SPELLINGS = ("localhost", "LocalHost", "127.0.0.1", "127.0.0.53", "[::1]", "[0::1]")
_DEFAULT_PORT = {"http": 80, "https": 443}


@st.composite
def endpoint_spellings(
    draw: st.DrawFn, scheme: str, host: str, port: int | None, path: str = ""
) -> str:
    """One way to write ``scheme://host[:port]/path``: same server, another spelling.

    ``host`` is a DNS name or ``"localhost"`` (then any loopback alias may be
    used); the scheme and host get random case, a default port may be written
    out, the path may get a trailing slash, and credentials may be added.
    """
    shown_scheme = random_case(draw, scheme)
    if host == "localhost":
        shown_host = draw(st.sampled_from(LOOPBACK_SPELLINGS))
    else:
        shown_host = random_case(draw, host)
    if port is None and draw(st.booleans()):
        port = _DEFAULT_PORT[scheme]
    credentials = draw(st.sampled_from(["", "user@", "AKIAEXAMPLE:s3cr3t-Value@"]))
    slash = draw(st.sampled_from(["", "/"]))
    where = shown_host + (f":{port}" if port is not None else "")
    return f"{shown_scheme}://{credentials}{where}{path}{slash}"


#: What people paste into Host/bucket and Path: URLs, stray slashes, wrong case, ports.
_URL_PIECES = ("s3://", "sftp://", "/", "//", ":2222", "Acme", "acme", "data-feeds", ".", "..")
pasted_locations = st.lists(
    st.sampled_from(_URL_PIECES) | path_segments | hostnames | bucket_names, min_size=1, max_size=6
).map("".join)


# --------------------------------------------------------------------------- target losses

#: What a target can lose of one delivered file (its data file alone is not checked:
#: a control file is the receipt that its data file was complete, FS-6.1).
LOSSES = ("kept", "control", "both")


def target_losses(count: int) -> st.SearchStrategy[list[str]]:
    """For each of ``count`` delivered files, what the target lost of it; at least one loss."""
    return st.lists(st.sampled_from(LOSSES), min_size=count, max_size=count).filter(
        lambda losses: any(loss != "kept" for loss in losses)
    )
