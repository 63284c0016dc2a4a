"""feedcore.lint and ``feedlab validate``: warnings (never failures) for attributes the
simulator does not produce (FS-7.1) and for flow actions that cannot apply (FS-2.2)."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedcore import lint
from feedcore.config import FeedConfig, load_config, loads_config
from feedcore.simulate import ATTRIBUTES, contacts
from feedcore.testing.fuzzing import attribute_templates
from feedcore.testing.strategies import configs
from feedlab.cli import main

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
WELCOME = FEEDS / "welcome_csv_s3.toml"


def _with(tmp_path: Path, old: str, new: str, source: Path = WELCOME) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "feed.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_fs7_1_attributes_constant_is_what_simulated_contacts_carry() -> None:
    (contact,) = itertools.islice(contacts(1, seed=1), 1)
    assert tuple(contact.attributes()) == ATTRIBUTES


#: Fixtures that name attributes on purpose: a hashed feed hiding ``contact.email``,
#: and lookups of attributes no event defines (FS-2.7: null). Both are warned.
EXPECTED = {
    "hashed_csv_sftp": ["feed.contexts[1].value"],
    "plain_jsonl_s3_nopath": ["feed.contexts[1].value", "feed.contexts[3].value"],
}


@pytest.mark.parametrize("fixture", sorted(FEEDS.glob("*.toml")), ids=lambda p: p.stem)
def test_fixture_configs_draw_only_the_expected_warnings(fixture: Path) -> None:
    fields = [w.field for w in lint.lint_config(load_config(fixture))]
    assert fields == EXPECTED.get(fixture.stem, [])


@pytest.mark.parametrize(
    ("template", "wrong", "suggestion"),
    [
        ("{{ contact.frist_name }}", "contact.frist_name", "contact.first_name"),
        ("Hi {{ contact['pln'] | upper }}", "contact.pln", "contact.plan"),
        ('{{ contact.get("ltvv", 0) }}', "contact.ltvv", "contact.ltv"),
        ("{% if contact.citty %}x{% endif %}", "contact.citty", "contact.city"),
        ("{{ event.typ }}", "event.typ", "event.type"),
        ("{{ plan }}", "'plan'", "contact.plan"),
    ],
)
def test_fs7_1_misspelt_names_are_warned_with_the_closest_known_one(
    template: str, wrong: str, suggestion: str
) -> None:
    (warning,) = lint.lint_template(template, "feed.contexts[0].value")
    assert warning.field == "feed.contexts[0].value"
    assert wrong in warning.message and f"did you mean {suggestion}?" in warning.message


@pytest.mark.parametrize(
    "template",
    [
        "{{ contact.first_name }} {{ contact['city'] }} {{ contact.get('plan') }}",
        "{% for key, value in contact.items() %}{{ key }}={{ value }}{% endfor %}",
        "{% set contact = {'x': 1} %}{{ contact.x }}",  # shadowed: not the scope's contact
        "{{ identifier }} {{ event.type }} {{ event['variant'] }} {{ range(3) | list }}",
        "constant text",
        "{% for k in ['plan'] %}{{ contact[k] }}{% endfor %}",  # a key known when rendering
        "{{ unclosed",  # does not parse: config validation reports it, lint says nothing
    ],
)
def test_known_names_and_unparsable_templates_draw_no_warning(template: str) -> None:
    assert lint.lint_template(template, "f") == []


def test_fs7_1_condition_names_are_checked_too() -> None:
    (warning,) = lint.lint_condition('contact.pln != "free"')
    assert warning.field == "feed.condition" and "did you mean contact.plan?" in warning.message
    assert lint.lint_condition('contact.plan != "free" and contact.ltv > 10') == []
    assert lint.lint_condition("contact.plan }} {{ x") == []  # not one expression


def test_a_name_with_no_close_match_lists_the_known_attributes() -> None:
    (warning,) = lint.lint_template("{{ contact.loyalty_tier }}", "f")
    assert "did you mean" not in warning.message
    assert all(name in warning.message for name in ATTRIBUTES)


def test_references_are_reported_once_in_first_use_order() -> None:
    refs = lint.references("{{ contact.b }}{{ contact.a }}{{ contact.b }}{{ identifier }}")
    assert [str(r) for r in refs] == ["contact.b", "contact.a"]


def test_fs2_2_actions_and_variants_together_are_warned() -> None:
    text = WELCOME.read_text(encoding="utf-8").replace("actions = []", 'actions = ["sms"]', 1)
    warnings = lint.lint_flow(loads_config(text))
    assert [w.field for w in warnings] == ["flow.actions"]
    assert "sms" in warnings[0].message and warnings[0].rule == "FS-2.2"


def test_fs7_1_a_variant_of_weight_zero_is_warned() -> None:
    text = WELCOME.read_text(encoding="utf-8").replace("weight = 50", "weight = 0", 1)
    (warning,) = lint.lint_flow(loads_config(text))
    assert warning.field == "flow.variants[0].weight" and "'A'" in warning.message


def test_fs8_validate_warns_on_a_misspelt_attribute_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _with(tmp_path, '{{ contact.first_name }}"', '{{ contact.frist_name }}"')
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: valid feed")
    (line,) = err.splitlines()
    assert line.startswith(f"feedlab: warning: {path}: feed.contexts[0].value: contact.frist_name")
    assert "did you mean contact.first_name?" in line and line.endswith("[FS-7.1]")


def test_fs8_validate_warns_on_actions_beside_variants_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _with(tmp_path, "actions = []", 'actions = ["sms_welcome"]')
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"feedlab: warning: {path}: flow.actions: ") and "[FS-2.2]" in err


def test_fs8_validate_of_a_clean_config_prints_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "feed.toml"
    shutil.copyfile(WELCOME, path)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().err == ""


@given(attribute_templates())
@settings(max_examples=200, deadline=None)
def test_fs7_1_lint_warns_exactly_for_the_names_simulated_contacts_lack(
    case: tuple[str, list[str]],
) -> None:
    template, names = case
    unknown = {name for name in names if name not in ATTRIBUTES}
    warned = {
        w.message.split()[0].removeprefix("contact.") for w in lint.lint_template(template, "f")
    }
    assert warned == unknown


@given(configs(extensions=True))
@settings(max_examples=100, deadline=None)
def test_lint_never_fails_on_a_valid_config(config: FeedConfig) -> None:
    for warning in lint.lint_config(config):
        assert warning.field and warning.rule.startswith("FS-") and "\n" not in warning.message


@given(
    name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True),
    left=st.sampled_from(["", " ", "  ", "\t"]),
    right=st.sampled_from(["", " ", "\n"]),
    constant=st.text(max_size=20).filter(lambda t: not any(m in t for m in ("{{", "{%", "{#"))),
)
def test_fs2_5_plain_lookups_and_constants_read_without_jinja2_agree_with_the_tree(
    name: str, left: str, right: str, constant: str
) -> None:
    """The fast reading of ``{{ contact.NAME }}`` and of constant text (which keeps
    ``feedlab validate`` from importing Jinja2) finds what the syntax tree finds."""
    for source in (f"{{{{{left}contact.{name}{right}}}}}", constant):
        assert lint._template_references(source) == lint._parsed_template_references(source)
