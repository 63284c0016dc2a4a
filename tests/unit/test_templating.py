"""Contexts and conditions against hostile configs and contacts (FS-2.5, FS-2.6, FS-3).

* forged rows: whatever type a template's value has (``Markup`` from ``|e``, a
  number, a list...), it reaches the encoders as an exact ``str`` and every file
  reads back with the stdlib to its control file's count (issue 10, finding 1);
* resource bombs: ``validate`` refuses what is over a bound whatever the contact,
  and a render that depends on the contact stops at its budget or the value cap,
  its value null with a counted warning, the other contacts delivered (finding 3);
* hashed feeds: no transformation of an attribute brings the address back (finding 6).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from feedcore import templating
from feedcore.encoders import encode_rows
from feedcore.engine import Engine
from feedcore.errors import ConfigError
from feedcore.events import EventReader, dump_event
from feedcore.identity import hash_email
from feedcore.naming import FORMATS
from feedcore.rows import ContactRows, RowBuilder
from feedcore.sandbox import limits
from feedcore.sinks import MemorySink
from feedcore.testing import fuzzing as fz
from feedcore.testing import strategies as fs
from feedcore.writer import FeedWriter
from tests.unit.template_support import (
    AT,
    BudgetLog,
    contact,
    export,
    feed_config,
    read_back,
)
from tests.unit.test_properties import as_written

PROPERTY = settings(
    max_examples=int(os.environ.get("FEEDLAB_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: The reference: Jinja2's own sandbox, as main used it (no bounds, same settings).
VANILLA = ImmutableSandboxedEnvironment(keep_trailing_newline=True, autoescape=False)
FORGERY = 'Bob "the"\r\nforged@example.com,2026-01-01 00:00:00,x,y,data_feed,,add,z\r\n\tjr,'


def vanilla_value(source: str, attributes: dict[str, Any]) -> str | None:
    """What a context should be: Jinja2's own value, null for none/undefined, else str()."""
    scope = {"contact": attributes, "event": {"type": "enter", "variant": None}}
    scope["identifier"] = "ann@example.com"
    inner = source[2:-2] if source.startswith("{{") and source.endswith("}}") else None
    if inner is not None:
        try:
            value = VANILLA.compile_expression(inner, undefined_to_none=True)(**scope)
        except Exception:
            inner = None  # not a single expression after all
        else:
            return None if value is None else str.__str__(str(value))
    return str.__str__(VANILLA.from_string(source).render(scope))


# ------------------------------------------------------------- forged rows (FS-3.1)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("expression", ["contact.v|e", "contact.v|safe", "contact.v|tojson"])
def test_fs3_1_markup_values_are_quoted_and_read_back_to_the_control_count(
    fmt: str, expression: str
) -> None:
    config = feed_config([f"{{{{ {expression} }}}}", "{{ contact.w }}"], fmt=fmt)
    events = [contact("ann@example.com", v=FORGERY, w="x"), contact("bob@example.com", v="ok")]
    sink, result = export(config, events)
    rows = read_back(config, sink, result)
    assert len(rows) == 4
    expected = vanilla_value(f"{{{{ {expression} }}}}", {"v": FORGERY})
    assert [r[7] for r in rows[:2]] == [expected, expected]


def test_fs3_1_encoders_quote_a_str_subclass_exactly_as_a_str() -> None:
    """No encoder depends on the value's type: Markup quotes like str (FS-3.1)."""
    text = 'a "quoted"\r\nline, end'
    for fmt in FORMATS:
        config = feed_config(["{{ contact.note }}"], fmt=fmt)
        columns = config.columns
        plain = ContactRows("ann@x.com", None, "add", ("data_feed",), (text,))
        markup = ContactRows(Markup("ann@x.com"), None, "add", ("data_feed",), (Markup(text),))
        fixed = ("t", config.flow.segment, config.flow.name)
        row = list(next(plain.rows(*fixed)))
        reference = encode_rows(fmt, columns, [row])
        assert encode_rows(fmt, columns, [list(next(markup.rows(*fixed)))]) == reference
        engine = Engine(config, "t")
        assert engine.header() + engine.contact_lines(markup)[0] == reference
        assert engine.header() + engine.encode_contacts([markup], "add")[0] == reference


def test_fs3_1_every_rendered_value_is_an_exact_str_or_none() -> None:
    config = feed_config(
        [
            "{{ contact.v|e }}",
            "{{ contact.n }}",
            "{{ [contact.v] }}",
            "x{{ contact.v|e }}",
            "{{ contact.missing }}",
            "{{ contact.v }}",
            "{{ contact.m }}",
        ]
    )
    event = contact("ann@example.com", v='<"a">', n=3, m=Markup("<b>"))
    built = RowBuilder(config).build(event)
    assert built is not None
    assert [type(v) for v in built.contexts] == [str, str, str, str, type(None), str, str]
    assert built.contexts[0] == "&lt;&#34;a&#34;&gt;" and built.contexts[6] == "<b>"


_FORGING = {"v": FORGERY, "w": None, "n": 1, "l": [FORGERY], "d": {"k": FORGERY}}


@PROPERTY
@given(
    fmt=st.sampled_from(FORMATS),
    source=fz.typed_templates(),
    attributes=fz.template_attributes,
)
@example(fmt="csv", source="{{ contact.v|e }}", attributes=_FORGING)
@example(fmt="tsv", source="{{ contact.v|safe }}", attributes=_FORGING)
@example(fmt="csv", source="{{ contact.l|tojson }}", attributes=_FORGING)
def test_fs3_fs3_4_any_template_output_type_reads_back_to_its_value(
    fmt: str, source: str, attributes: dict[str, Any]
) -> None:
    """Any output type: every file reads back (stdlib) to its control count, values exact."""
    try:
        config = feed_config([source, "{{ contact.v }}"], fmt=fmt)
    except ConfigError:
        return  # over a bound whatever the contact: refused at validate time
    sink, result = export(config, [contact("ann@example.com", **attributes)])
    rows = read_back(config, sink, result)
    built = RowBuilder(config).build(contact("ann@example.com", **attributes))
    assert built is not None
    try:
        expected = vanilla_value(source, attributes)
    except Exception:
        expected = None  # Jinja2 fails too: the value is null (with a counted warning)
    if expected is not None and len(expected) > limits.MAX_VALUE:
        expected = None
    assert built.contexts[0] == expected
    assert rows == as_written(fmt, [list(r) for r in built.rows(rows[0][1], "New", "Welcome")])


# --------------------------------------------------------- bombs (FS-2.5, FS-2.6)

#: Over a bound whatever the contact: ``validate`` refuses them (issue 10, finding 3).
CONSTANT_BOMBS = [
    "{{ 7 ** (10 ** 8) }}",
    "{{ 7 ** (10 ** 400) }}",
    "{{ 'x' * 300000000 }}",
    "{{ '%*s' % (100000000, 'x') }}",
    "{{ '%.100000000f' % 1.5 }}",
    "{{ 'x'|center(50000000) }}",
    "{% for i in range(10000) %}{% for j in range(10000) %}x{% endfor %}{% endfor %}",
    "{{ lipsum(200000) }}",
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s }}",
    "{{ '{:>100000000}'.format(1) }}",
    "{{ '{:.100000000f}'.format(1.5) }}",
    "{{ 'a'|indent(100000000) }}",
    "{{ 'a b'|wordwrap(1, wrapstring='x' * 60000) }}",
    "{{ 'ab'|truncate(1, end='x' * 100000) }}",
    "{{ range(5)|join('x' * 20000) }}",
    "{{ 'aaaa'|replace('a', 'b' * 20000) }}",
    "{{ 'a'.ljust(10 ** 8) }}",
    "{{ 'a'.zfill(10 ** 8) }}",
    "{{ '\t\t'.expandtabs(10 ** 8) }}",
    "{{ [1]|batch(10 ** 8, 'x') }}",
    "{{ [1, 2]|slice(10 ** 8) }}",
    "{{ [1] * 10 ** 9 }}",
    "{{ range(10 ** 9) }}",
    "{{ range(10 ** 100)|length }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% macro m(n) %}{{ m(n) ~ m(n) }}{% endmacro %}{{ m(1) }}",
    "{% block b %}{{ self.b() }}{% endblock %}",
    "{% filter upper %}{% for i in range(9999) %}{{ 'x' * 60000 }}{% endfor %}{% endfilter %}",
    "{% for i in range(9999) %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{{ '%d' % (10 ** 5000) }}",
    "{{ ('9' * 100000)|int }}",
    "{{ (1).to_bytes(10 ** 9, 'big') }}",
    "{% set ns = namespace(a=[1]) %}{% for i in range(60) %}{% set ns.a = [ns.a, ns.a] %}"
    "{% endfor %}{{ ns.a == ns.a }}",
    "{% if false %}{{ 'x' * 10 ** 9 }}{% endif %}{{ contact.v }}",
    "{{ contact.v if contact.v else 'x' * 10 ** 9 }}",
    "{% for i in range(100) recursive %}{{ loop(range(100)) }}{% endfor %}",
    "{{ dict.fromkeys(range(10 ** 9)) }}",
]

#: Over a bound for some contacts only: each such value is null, with a warning.
CONTACT_BOMBS = [
    "{{ contact.v * contact.n }}",
    "{{ contact.v|center(contact.n) }}",
    "{{ '%*s' % (contact.n, contact.v) }}",
    "{{ ('{:>' ~ contact.n ~ '}').format(contact.v) }}",
    "{{ contact.v.ljust(contact.n) }}",
    "{{ contact.v|indent(contact.n) }}",
    "{{ range(contact.n)|join(',') }}",
    "{{ (contact.v ~ '\t').expandtabs(contact.n) }}",
    "{{ lipsum(contact.n) }}",
    "{{ 7 ** contact.n }}",
    "{% for i in range(contact.n) %}{% for j in range(contact.n) %}{{ contact.v }}{% endfor %}"
    "{% endfor %}",
    "{% set ns = namespace(s=contact.v) %}{% for i in range(contact.n) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "{% macro m(n) %}{{ n }}{{ m(n - 1) if n > 0 else '' }}{% endmacro %}{{ m(contact.n) }}",
    "{% for i in range(contact.n) %}{{ contact.v }}{% endfor %}",
    "{{ [contact.v] * contact.n }}",
    "{{ contact.v|wordwrap(1, wrapstring=contact.v * 2000) }}",
]


@pytest.fixture
def memory() -> Iterator[list[int]]:
    """The peak of memory allocated while the test runs (bytes), as the test's last word."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


@pytest.mark.parametrize("source", CONSTANT_BOMBS)
def test_fs2_5_validate_refuses_a_template_over_a_bound_whatever_the_contact(
    source: str, memory: list[int]
) -> None:
    with pytest.raises(ValueError, match=r"over a template bound whatever the contact: .*FS-2\.5"):
        templating.check_template(source)
    assert tracemalloc.get_traced_memory()[1] < 16 << 20, "validate allocates little"


@pytest.mark.parametrize("source", CONSTANT_BOMBS)
def test_fs2_5_compiling_a_bomb_evaluates_nothing(source: str) -> None:
    """Jinja2 folds constants at compile time: none of the bombs may run then."""
    tracemalloc.start()
    try:
        templating.compile_context(source)
        assert tracemalloc.get_traced_memory()[1] < 16 << 20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("source", CONSTANT_BOMBS)
def test_fs2_5_linting_a_bomb_evaluates_nothing(source: str) -> None:
    """``feedcore.lint`` compiles templates (``jinja2.meta``) as a form is typed."""
    from feedcore import lint

    tracemalloc.start()
    try:
        lint.lint_template(source, "feed.contexts[0].value")
        assert tracemalloc.get_traced_memory()[1] < 16 << 20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "condition",
    ["'x' * 10 ** 9 != ''", "range(10 ** 9)|length > 0", "7 ** (10 ** 8) > 1", "lipsum(10 ** 6)"],
)
def test_fs2_6_validate_refuses_a_condition_over_a_bound(condition: str) -> None:
    with pytest.raises(ConfigError, match=r"feed\.condition: .*over a template bound"):
        feed_config(["{{ contact.v }}"], condition=condition)


@pytest.mark.parametrize("source", CONTACT_BOMBS)
def test_fs2_5_a_contact_over_a_bound_gets_null_and_a_warning_the_others_their_value(
    source: str, monkeypatch: pytest.MonkeyPatch, memory: list[int]
) -> None:
    log = BudgetLog()
    monkeypatch.setattr("feedcore.sandbox.environment.Budget", log)
    config = feed_config([source, "{{ contact.v }}"], fmt="tsv")
    good = [contact(f"good{i}@example.com", v="ab", n=3) for i in range(3)]
    bad = contact("bad@example.com", v="ab" * 1000, n=10**8)
    sink, result = export(config, [good[0], bad, good[1], good[2]])
    rows = read_back(config, sink, result)
    assert [r[0] for r in rows[::2]] == [e.email for e in (good[0], bad, good[1], good[2])]
    assert all(r[7] for r in rows[:2] + rows[4:]), "the good contacts keep their value"
    assert rows[2][7] == "" and rows[2][8] == "ab" * 1000, "the bad one: null, the rest kept"
    assert sum(result.warnings.values()) == 1
    (message,) = result.warnings
    assert "over a template bound" in message and "bad@" not in message
    assert log.most_used() <= limits.MAX_STEPS + limits.MAX_TEXT_ESTIMATE
    assert tracemalloc.get_traced_memory()[1] < 64 << 20


def test_fs2_6_a_condition_over_its_budget_excludes_the_contact_with_a_warning() -> None:
    config = feed_config(["{{ contact.v }}"], condition="(contact.v * contact.n)|length > 0")
    events = [contact("a@example.com", v="x", n=2), contact("b@example.com", v="x", n=10**9)]
    sink, result = export(config, events)
    assert [r[0] for r in read_back(config, sink, result)] == ["a@example.com"] * 2
    assert result.filtered == 1
    assert result.warnings == {
        f"condition failed: over a template bound: {limits.VALUE_TOO_BIG}": 1
    }


def test_fs2_5_a_value_over_the_cap_is_never_built(memory: list[int]) -> None:
    """Top-level output is streamed: past the cap it stops, the big value never exists."""
    (renderer,) = [
        templating.compile_context("{% for i in range(9000) %}{{ contact.s }}{% endfor %}")[1]
    ]
    assert renderer is not None
    scope = {"contact": {"s": "x" * 1000}, "event": {}, "identifier": "h"}
    with pytest.raises(Exception, match="over a template bound"):
        renderer(scope)
    assert tracemalloc.get_traced_memory()[1] < 2 << 20  # 9 MB if it had been joined


def test_fs2_5_a_long_value_within_the_cap_is_written_whole() -> None:
    config = feed_config(["{{ contact.s * 16 }}", "{% for i in range(100) %}{{ i }},{% endfor %}"])
    sink, result = export(config, [contact("a@example.com", s="y" * 4096)])
    rows = read_back(config, sink, result)
    assert rows[0][7] == "y" * limits.MAX_VALUE and rows[0][8].count(",") == 100
    assert result.warnings == {}


def test_fs2_5_constant_text_over_the_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="the limit is 65,536"):
        templating.check_template("x" * (limits.MAX_VALUE + 1))
    templating.check_template("x" * limits.MAX_VALUE)


@pytest.mark.parametrize(
    "source", ["{{ " + "(" * 400 + "1" + ")" * 400 + " }}", "{{ 1" + "0" * 5000 + " }}"]
)
def test_fs1_a_template_too_deep_or_too_long_a_number_is_a_config_error(source: str) -> None:
    with pytest.raises(ValueError, match="template"):
        templating.check_template(source)


def test_fs2_5_constant_text_and_lookups_do_not_load_jinja2() -> None:
    """Start-up: constants and ``{{ contact.NAME }}`` never import Jinja2."""
    code = (
        "import sys, feedcore.templating as t, feedcore.config\n"
        "for v in ('hello', '{{ contact.first_name }}', '{{contact.x}}'):\n"
        "    t.check_template(v); t.compile_context(v)\n"
        "assert 'jinja2' not in sys.modules, 'jinja2 loaded'\n"
        "t.compile_context('{{ contact.x|upper }}')\n"
        "assert 'jinja2' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_fs2_5_operators_are_intercepted_and_nothing_is_folded() -> None:
    from feedcore.sandbox.environment import ENV

    assert {"+", "*", "%", "**"} <= ENV.intercepted_binops
    source = ENV.compile("{{ 'a' * 3 }}{{ 'a'|upper }}{{ 2 ** 3 }}{{ 'a' ~ 'b' }}", raw=True)
    assert "'aaa'" not in source and "'A'" not in source and "'ab'" not in source
    assert "environment.call_binop" in source and "environment.bounded_concat" in source


# --------------------------------------------------- hashed feeds (FS-2.5, finding 6)

ADDRESS = "ann.q0123456789@example.com"


@pytest.mark.parametrize(
    "contexts",
    [
        ['{{ contact.emails[0]|replace("@", " at ") }}'],
        ["{{ contact.emails[0]|urlencode }}"],
        ["{{ contact.emails[0]|reverse }}"],
        ["{{ contact.emails[0][:6] }}", "{{ contact.emails[0][6:] }}"],
        ["{{ contact.note|replace('@', ' at ') }}"],
        ["{{ contact.profile.mail|replace('.', ' dot ') }}"],
        ["{% for k in contact.aliases %}{{ k|reverse }}{% endfor %}"],
        ["{{ contact|string|reverse }}"],
        ["{{ contact.email|replace('@', '') }}"],
    ],
)
def test_fs2_5_no_transformation_of_a_hashed_address_shows_it(contexts: list[str]) -> None:
    config = feed_config([*contexts, "{{ contact.plan }}"], hashed=True)
    attributes = {
        "email": ADDRESS,
        "note": f"write to {ADDRESS}",
        "emails": [f" {ADDRESS.upper()} "],
        "profile": {"mail": ADDRESS},
        "aliases": {ADDRESS: True},
        "plan": "pro",
    }
    sink, result = export(config, [contact(ADDRESS, **attributes)])
    rows = read_back(config, sink, result)
    for row in rows:
        assert row[0] == hash_email(ADDRESS) and row[-1] == "pro"
    for blob in sink.objects.values():
        for fragment in ("0123456789", "9876543210", "ann.q0"):
            assert fragment.encode() not in blob.lower()


def test_fs2_5_an_address_assembled_from_pieces_is_still_redacted() -> None:
    """Defence in depth: pieces held apart are in scope; written whole, they are redacted."""
    config = feed_config(["{{ contact.local ~ '@' ~ contact.domain }}"], hashed=True)
    sink, result = export(config, [contact(ADDRESS, local="ann.q0123456789", domain="example.com")])
    (row, _) = read_back(config, sink, result)
    assert row[7] == hash_email(ADDRESS)


@PROPERTY
@given(
    data=st.data(),
    token=fz.address_tokens,
    domain=fz.address_tokens,
    fmt=st.sampled_from(FORMATS),
)
def test_fs2_5_any_transformation_of_a_hashed_address_never_shows_it(
    data: st.DataObject, token: str, domain: str, fmt: str
) -> None:
    address = f"{token}@{domain}.com"
    holder = data.draw(fz.address_holders(address))
    transforms = data.draw(st.lists(fz.address_transforms, min_size=1, max_size=3))
    config = feed_config(transforms, fmt=fmt, hashed=True)
    email = data.draw(st.sampled_from([address, address.upper(), f" {address} "]))
    sink, result = export(config, [contact(email, a=holder, plan="pro")])
    windows = {text[i : i + 3] for text in (token, domain) for i in range(len(text) - 2)}
    windows |= {w[::-1] for w in windows}
    for row in read_back(config, sink, result):
        for value in row[7:]:
            shown = (value or "").lower()
            assert not any(w in shown for w in windows), (transforms, value)


@PROPERTY
@given(st.data())
def test_fs2_5_fast_path_hides_the_same_attributes_as_the_general_path(
    data: st.DataObject,
) -> None:
    """The fused loop (EventReader input) and Event objects give identical bytes, hashed."""
    token = data.draw(fz.address_tokens)
    address = f"{token}@example.com"
    config = feed_config(["{{ contact.a }}", "{{ contact.b }}", "x"], hashed=True)
    events = [
        contact(
            data.draw(st.sampled_from([address, address.upper()])),
            a=data.draw(fz.address_holders(address) | fz.hostile_attribute_values),
            b=data.draw(fz.hostile_attribute_values),
        ),
        contact("other@example.com", a=data.draw(fz.hostile_attribute_values)),
    ]
    expected, _ = export(config, events)
    reader = EventReader([dump_event(e) for e in events], variants=[])
    sink = MemorySink()
    FeedWriter(config, sink, seed=3).export(reader, at=AT)
    assert reader.problems == []
    assert sink.objects == expected.objects


# -------------------------------------------------- formula injection (finding 9)


@pytest.mark.parametrize("fmt", FORMATS)
def test_fs3_4_values_starting_like_formulas_are_written_as_they_are(fmt: str) -> None:
    """[decision] A feed is loader data: ``=``, ``+``, ``-``, ``@`` are not escaped."""
    values = ["=1+2", "+33 1 23", "-5", "@SUM(A1:A3)", '=HYPERLINK("x")', "\t=1", "\r=1"]
    config = feed_config(["{{ contact.v }}", "{{ contact.v|trim }}"], fmt=fmt)
    events = [contact(f"u{i}@example.com", v=v) for i, v in enumerate(values)]
    sink, result = export(config, events)
    rows = read_back(config, sink, result)
    assert [r[7] for r in rows[::2]] == values
    assert [r[8] for r in rows[::2]] == [v.strip() for v in values]


def _config_file(folder: Any, fmt: str, value: str) -> Any:
    """A config file with one context, as a user would write it."""
    path = folder / "bomb.toml"
    path.write_text(
        'client = "acme"\n[flow]\nid = 1\nname = "W"\nsegment = "S"\n'
        f'[feed]\nformat = "{fmt}"\nhost = "acme-data-feeds"\n'
        f'[[feed.contexts]]\nname = "c"\nvalue = "{value}"\n'
    )
    return path


def test_fs8_a_bomb_config_is_refused_by_validate_in_one_line(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from feedlab.cli import main

    config = _config_file(tmp_path, "csv", "{{ 7 ** (10 ** 8) }}")
    assert main(["validate", str(config)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "an integer over 14,000 bits" in err


def test_fs8_publish_with_a_contact_bomb_delivers_the_good_events(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from feedlab.cli import main

    config = _config_file(tmp_path, "tsv", "{{ contact.v * contact.n }}")
    events = tmp_path / "events.jsonl"
    lines = [
        {"type": "enter", "email": f"u{i}@example.com", "attributes": {"v": "ab", "n": n}}
        for i, n in enumerate([2, 10**9, 3])
    ]
    events.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code = main(
        [
            "publish",
            str(config),
            "--events",
            str(events),
            "--to-dir",
            str(tmp_path / "out"),
            "--at",
            "2026-11-27T03:00:00Z",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "exported 3 of 3 events as 3 rows" in out
    assert "Traceback" not in err and "over a template bound" in err and "(1x)" in err
    (data,) = (tmp_path / "out").rglob("*.tsv")
    assert data.read_bytes().count(b"\r\n") == 4


@PROPERTY
@given(chain=fz.operation_chains(), text=fs.hostile_text(max_size=12))
def test_fs2_5_operator_chains_within_the_bounds_render_as_jinja2_beyond_are_cut_off(
    chain: tuple[str, list[str]], text: str
) -> None:
    """Within the bounds a chain renders exactly as Jinja2's own sandbox; once a value on the
    way is over the cap it is null, never built whole (bounded memory). Between, the checks'
    estimates (at most twice the true size, plus a constant) may already refuse."""
    expression, prefixes = chain
    attributes = {"v": text}
    largest = 0
    for prefix in prefixes:  # the oracle sizes each intermediate value, and stops past the cap
        try:
            value = VANILLA.compile_expression(prefix)(contact=attributes)
        except Exception:
            value = None
            break
        largest = max(largest, len(str(value)))
        if largest > limits.MAX_VALUE:
            break
    tracemalloc.start()
    try:
        _, renderer = templating.compile_context(f"{{{{ {expression} }}}}")
        assert renderer is not None
        try:
            ours = renderer({"contact": attributes, "event": {}, "identifier": "h"})
        except Exception as exc:
            ours = None
            assert value is None or "over a template bound" in str(exc), exc
        assert tracemalloc.get_traced_memory()[1] < 32 << 20
    finally:
        tracemalloc.stop()
    if largest > limits.MAX_VALUE:
        assert ours is None
    elif largest <= limits.MAX_VALUE // 2 - 64 and value is not None:
        assert ours == str(value)
    else:
        assert ours in (None, None if value is None else str(value))
