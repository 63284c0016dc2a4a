"""FS-1: one test per field rule, valid and invalid values.

A rejected value must give a :class:`FieldProblem` whose ``field`` names the
field and whose message quotes the offending value (FS-1.1); unknown keys and
TOML errors cite FS-1.2.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from feedcore.config import (
    FeedConfig,
    dumps_config,
    load_config,
    loads_config,
    parse_config,
    save_config,
)
from feedcore.errors import ConfigError, FieldProblem
from feedcore.rules import STANDARD_COLUMNS

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"

BASE: dict[str, Any] = {
    "client": "acme",
    "flow": {"id": 1234, "name": "Welcome Series", "segment": "New signups", "actions": []},
    "feed": {"format": "csv", "target": "s3", "host": "acme-data-feeds", "path": "exports"},
}


def config_with(**changes: Any) -> dict[str, Any]:
    """BASE with ``section__key=value`` changes (``client=...`` for top-level keys)."""
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        target = data
        for parent in parents:
            target = target[parent]
        target[key] = value
    return data


def problems_of(data: dict[str, Any]) -> list[FieldProblem]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def assert_rejected(
    data: dict[str, Any], field: str, *fragments: str, rule: str = "FS-1.1"
) -> FieldProblem:
    """Exactly one problem, on ``field``, whose message contains every fragment."""
    problems = problems_of(data)
    assert [p.field for p in problems] == [field], problems
    problem = problems[0]
    for fragment in fragments:
        assert fragment in problem.message, (fragment, problem.message)
    assert problem.rule == rule
    assert field in str(problem) and rule in str(problem)
    return problem


def test_fs1_base_config_is_valid() -> None:
    config = parse_config(copy.deepcopy(BASE))
    assert config.columns == STANDARD_COLUMNS
    assert config.feed.hash_identity is False


# ----------------------------------------------------------------------------- client


@pytest.mark.parametrize("value", ["a", "acme", "0day", "acme-eu-1", "a-", "a" * 63])
def test_fs1_client_slug_valid(value: str) -> None:
    assert parse_config(config_with(client=value)).client == value


@pytest.mark.parametrize("value", ["", "Acme", "a_b", "-acme", "a" * 64, "acmé", "a b", "a.b"])
def test_fs1_client_slug_invalid(value: str) -> None:
    assert_rejected(config_with(client=value), "client", repr(value), "slug")


def test_fs1_client_wrong_type() -> None:
    assert_rejected(config_with(client=42), "client", "42")


# ---------------------------------------------------------------------------- flow.id


@pytest.mark.parametrize("value", [1, 1234, 2**53, 2**63])
def test_fs1_flow_id_positive_integer_valid(value: int) -> None:
    assert parse_config(config_with(flow__id=value)).flow.id == value


@pytest.mark.parametrize("value", [0, -1, True, False, "12", 1.5, 1.0, None])
def test_fs1_flow_id_invalid(value: Any) -> None:
    assert_rejected(config_with(flow__id=value), "flow.id", repr(value), "positive whole number")


# ---------------------------------------------------------------- flow.name / segment


@pytest.mark.parametrize("field", ["name", "segment"])
@pytest.mark.parametrize("value", ["W", "x" * 200, 'Ünïcode 🎉, "quoted" שלום', " padded "])
def test_fs1_flow_name_and_segment_valid(field: str, value: str) -> None:
    config = parse_config(config_with(**{f"flow__{field}": value}))
    assert getattr(config.flow, field) == value


@pytest.mark.parametrize("field", ["name", "segment"])
@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 201, "201 characters"),
        ("a\nb", repr("a\nb")),
        ("tab\there", repr("tab\there")),
        ("nul\x00", repr("nul\x00")),
        ("del\x7f", repr("del\x7f")),
        ("crlf\r\n", repr("crlf\r\n")),
    ],
)
def test_fs1_flow_name_and_segment_invalid(field: str, value: str, fragment: str) -> None:
    assert_rejected(config_with(**{f"flow__{field}": value}), f"flow.{field}", fragment)


def test_fs1_flow_name_wrong_type() -> None:
    assert_rejected(config_with(flow__name=3), "flow.name", "3", "wrong type")


# ---------------------------------------------------------------------- flow.variants


def _variant(name: str = "A", weight: Any = 50, actions: list[str] | None = None) -> Any:
    return {"name": name, "weight": weight, "actions": actions or []}


@pytest.mark.parametrize(
    "variants",
    [
        [],
        [_variant("A", 50, ["email_welcome"]), _variant("B", 50, ["email_welcome_v2"])],
        [_variant("A", 0), _variant("B", 0.5)],
        [_variant("Ünï 🎉", 1.25)],
        [{"name": "A"}],  # weight defaults to 1, actions to none
    ],
)
def test_fs1_variants_valid(variants: list[Any]) -> None:
    config = parse_config(config_with(flow__variants=variants))
    assert [v.name for v in config.flow.variants] == [v["name"] for v in variants]


def test_fs1_variants_duplicate_names() -> None:
    data = config_with(flow__variants=[_variant("A"), _variant("B"), _variant("A")])
    assert_rejected(data, "flow.variants", "'A'", "twice")


@pytest.mark.parametrize("weight", [-1, -0.5, float("nan"), float("inf")])
def test_fs1_variants_weight_not_a_finite_non_negative_number(weight: float) -> None:
    data = config_with(flow__variants=[_variant("A", 1), _variant("B", weight)])
    assert_rejected(data, "flow.variants[1].weight", repr(weight))


@pytest.mark.parametrize("weight", ["50", True])
def test_fs1_variants_weight_must_be_a_number(weight: object) -> None:
    data = config_with(flow__variants=[_variant("A", 1), _variant("B", weight)])  # type: ignore[arg-type]
    assert_rejected(data, "flow.variants[1].weight", repr(weight))


@pytest.mark.parametrize("field", ["hash_identity", "control_checksums"])
@pytest.mark.parametrize("value", ["yes", 1, "off"])
def test_fs1_feed_booleans_are_strict(field: str, value: object) -> None:
    assert_rejected(config_with(**{f"feed__{field}": value}), f"feed.{field}", repr(value))


def test_fs1_invalid_target_gives_no_misleading_host_error() -> None:
    data = config_with(feed__target="gopher", feed__host="sftp.example.com")
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert [p.field for p in info.value.problems] == ["feed.target"]


def test_fs5_2_max_rows_per_file_must_hold_one_contact() -> None:
    data = config_with(flow__actions=["email"], feed__max_rows_per_file=1)
    assert_rejected(data, "feed.max_rows_per_file", "at least 2")


def test_fs1_variants_weights_add_up_to_zero() -> None:
    data = config_with(flow__variants=[_variant("A", 0), _variant("B", 0)])
    assert_rejected(data, "flow.variants", "add up to 0")


@pytest.mark.parametrize(("value", "fragment"), [("", "empty"), ("a\tb", repr("a\tb"))])
def test_fs1_variants_name_rule(value: str, fragment: str) -> None:
    assert_rejected(
        config_with(flow__variants=[_variant(value)]), "flow.variants[0].name", fragment
    )


# ------------------------------------------------------------------------------ actions


@pytest.mark.parametrize("where", ["flow", "variant"])
def test_fs1_actions_valid(where: str) -> None:
    actions = ["email_welcome", "facebook_audience", "Ünï, 🎉"]
    if where == "flow":
        config = parse_config(config_with(flow__actions=actions))
        assert config.flow.actions == tuple(actions)
    else:
        config = parse_config(config_with(flow__variants=[_variant("A", 1, actions)]))
        assert config.flow.variants[0].actions == tuple(actions)


@pytest.mark.parametrize(
    ("actions", "fragment"),
    [
        (["sms", "email", "sms"], "'sms' is listed twice"),
        (["data_feed"], "'data_feed'"),
        ([""], "action is empty"),
        (["a\nb"], repr("a\nb")),
    ],
)
@pytest.mark.parametrize("where", ["flow", "variant"])
def test_fs1_actions_invalid(actions: list[str], fragment: str, where: str) -> None:
    if where == "flow":
        assert_rejected(config_with(flow__actions=actions), "flow.actions", fragment)
    else:
        data = config_with(flow__variants=[_variant("A", 1, actions)])
        assert_rejected(data, "flow.variants[0].actions", fragment)


# ------------------------------------------------------------------------------ format


@pytest.mark.parametrize(
    ("value", "expected"),
    [("csv", "csv"), ("CSV", "csv"), ("Tsv", "tsv"), ("JSONL", "jsonl"), (" jsonl ", "jsonl")],
)
def test_fs1_format_case_insensitive(value: str, expected: str) -> None:
    assert parse_config(config_with(feed__format=value)).feed.format == expected


@pytest.mark.parametrize("value", ["xml", "json", "", "csv2", "parquet"])
def test_fs1_format_invalid(value: str) -> None:
    assert_rejected(
        config_with(feed__format=value), "feed.format", repr(value), "csv, tsv or jsonl"
    )


def test_fs1_format_wrong_type() -> None:
    assert_rejected(config_with(feed__format=1), "feed.format", "1")


# ----------------------------------------------------------------------- hash_identity


@pytest.mark.parametrize("value", [True, False])
def test_fs1_hash_identity_bool(value: bool) -> None:
    assert parse_config(config_with(feed__hash_identity=value)).feed.hash_identity is value


def test_fs1_hash_identity_defaults_to_false() -> None:
    data = copy.deepcopy(BASE)
    data["feed"].pop("hash_identity", None)
    assert parse_config(data).feed.hash_identity is False


@pytest.mark.parametrize("value", ["maybe", 2, None, [True]])
def test_fs1_hash_identity_invalid(value: Any) -> None:
    assert_rejected(config_with(feed__hash_identity=value), "feed.hash_identity", repr(value))


# ------------------------------------------------------------------------------ target


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("s3", "s3"),
        ("S3", "s3"),
        ("sftp", "sftp"),
        ("SFTP", "sftp"),
        ("ftp", "sftp"),
        ("FTP", "sftp"),
    ],
)
def test_fs1_target_ftp_means_sftp(value: str, expected: str) -> None:
    data = config_with(feed__target=value, feed__host="acme-data-feeds")
    assert parse_config(data).feed.target == expected


@pytest.mark.parametrize("value", ["http", "ftps", "", "s4", "scp"])
def test_fs1_target_invalid(value: str) -> None:
    problems = problems_of(config_with(feed__target=value))
    target = [p for p in problems if p.field == "feed.target"]
    assert len(target) == 1 and repr(value) in target[0].message
    assert "s3 or sftp" in target[0].message


# ------------------------------------------------------------------------- host: S3


@pytest.mark.parametrize(
    "value", ["abc", "a" * 63, "acme-data-feeds", "my.bucket.name", "1bucket", "a-b.c-d", "x1x"]
)
def test_fs1_host_s3_bucket_valid(value: str) -> None:
    assert parse_config(config_with(feed__host=value)).feed.host == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("ab", "3-63 characters"),  # AWS: length
        ("a" * 64, "3-63 characters"),
        ("Acme", "lowercase letters"),  # AWS: character set
        ("acme_bucket", "lowercase letters"),
        ("acmé-bucket", "lowercase letters"),
        ("-acme", "start and end with a letter or digit"),  # AWS: start/end
        ("acme-", "start and end with a letter or digit"),
        (".acme", "start and end with a letter or digit"),
        ("acme.", "start and end with a letter or digit"),
        ("192.168.1.1", "IP address"),  # AWS: not an IP address
        ("acme..feeds", "'..'"),  # AWS: no adjacent periods
        ("xn--acme", "'xn--'"),  # AWS: reserved prefix
        ("acme-s3alias", "'-s3alias'"),  # AWS: reserved suffixes
        ("acme--ol-s3", "'--ol-s3'"),
    ],
)
def test_fs1_host_s3_bucket_rules(value: str, fragment: str) -> None:
    assert_rejected(config_with(feed__host=value), "feed.host", repr(value), fragment)


@pytest.mark.parametrize("target", ["s3", "sftp"])
@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("s3://acme-data-feeds", "'acme-data-feeds'"),
        ("S3://acme-data-feeds", "'acme-data-feeds'"),
        ("sftp://sftp.example.com", "'sftp.example.com'"),
        ("s3://acme-data-feeds/", "'acme-data-feeds'"),
    ],
)
def test_fs1_1_host_with_scheme_has_its_own_message(
    target: str, value: str, suggestion: str
) -> None:
    data = config_with(feed__target=target, feed__host=value)
    assert_rejected(data, "feed.host", repr(value), "scheme", suggestion)


@pytest.mark.parametrize(
    ("target", "value"), [("s3", "acme-data-feeds/"), ("sftp", "sftp.example.com/")]
)
def test_fs1_1_host_with_trailing_slash_has_its_own_message(target: str, value: str) -> None:
    data = config_with(feed__target=target, feed__host=value)
    assert_rejected(data, "feed.host", repr(value), "trailing slash", repr(value.rstrip("/")))


@pytest.mark.parametrize("target", ["s3", "sftp"])
def test_fs1_host_with_folder_points_to_path(target: str) -> None:
    data = config_with(feed__target=target, feed__host="acme-feeds/exports")
    assert_rejected(data, "feed.host", "'acme-feeds/exports'", "Path")


# ----------------------------------------------------------------------- host: SFTP


@pytest.mark.parametrize(
    ("value", "port"),
    [
        ("sftp.example.com", None),
        ("sftp.example.com:2222", 2222),
        ("localhost", None),
        ("h:1", 1),
        ("h:65535", 65535),
        ("10.0.0.1", None),
        ("10.0.0.1:22", 22),
        ("[::1]:2222", 2222),
        ("[2001:db8::1]", None),
        ("::1", None),
        ("Sftp-1.Example.COM", None),
    ],
)
def test_fs1_host_sftp_valid(value: str, port: int | None) -> None:
    config = parse_config(config_with(feed__target="sftp", feed__host=value))
    assert config.feed.host == value
    assert config.feed.port == port


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("h:0", "1 to 65535"),
        ("h:65536", "1 to 65535"),
        ("h:abc", "1 to 65535"),
        ("h:", "1 to 65535"),
        ("h:-1", "1 to 65535"),
        ("[::1]:0", "1 to 65535"),
        ("bad_host", "not a valid hostname"),
        ("-sftp.example.com", "not a valid hostname"),
        ("sftp-.example.com", "not a valid hostname"),
        ("a..b", "not a valid hostname"),
        ("h" * 64 + ".com", "not a valid hostname"),
        ("h:22:33", "not a valid hostname"),
        ("sftp example.com", "not a valid hostname"),
        ("[::1", "without ']'"),
        ("[::1]x", "only ':port'"),
    ],
)
def test_fs1_host_sftp_invalid(value: str, fragment: str) -> None:
    data = config_with(feed__target="sftp", feed__host=value)
    assert_rejected(data, "feed.host", repr(value), fragment)


def test_fs1_host_sftp_empty() -> None:
    assert_rejected(config_with(feed__target="sftp", feed__host=""), "feed.host", "empty")


# -------------------------------------------------------------------------------- path


@pytest.mark.parametrize(
    "value", ["", "a", "exports/daily", "a=1/b.c-d_e", "A/B/C/D", "x" * 512, "v1.2/..a/b.."]
)
def test_fs1_path_valid(value: str) -> None:
    assert parse_config(config_with(feed__path=value)).feed.path == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("/exports", "remove the leading slash"),
        ("/", "remove the leading slash"),
        ("/exports/daily/", "remove the leading slash"),
    ],
)
def test_fs1_1_path_leading_slash_has_its_own_message(value: str, fragment: str) -> None:
    assert_rejected(config_with(feed__path=value), "feed.path", repr(value), fragment)


def test_fs1_1_path_trailing_slash_has_its_own_message() -> None:
    data = config_with(feed__path="exports/daily/")
    assert_rejected(data, "feed.path", "'exports/daily/'", "remove the trailing slash")


@pytest.mark.parametrize("value", [".", "..", "a/./b", "a/../b", "a//b", "../etc"])
def test_fs1_path_dot_and_empty_segments(value: str) -> None:
    assert_rejected(config_with(feed__path=value), "feed.path", repr(value), "'.' or '..'")


@pytest.mark.parametrize("value", ["a b", "é", "a:b", "a\\b", "a?b", "a\tb", "a%20b"])
def test_fs1_path_bad_characters(value: str) -> None:
    assert_rejected(config_with(feed__path=value), "feed.path", repr(value), "may only use")


def test_fs1_path_too_long() -> None:
    assert_rejected(config_with(feed__path="x" * 513), "feed.path", "513", "512")


# ---------------------------------------------------------------------------- contexts


def _ctx(name: str, value: str = "{{ contact.first_name }}") -> dict[str, str]:
    return {"name": name, "value": value}


@pytest.mark.parametrize(
    "contexts",
    [
        [_ctx("first_name")],
        [_ctx("_private"), _ctx("A" * 64), _ctx("x1_y2")],
        [_ctx("note", 'Tab\there, "quoted", comma, emoji 🎉, \u200fשלום\r\n')],
        [_ctx("undefined", "{{ contact.no_such_attribute }}")],
        [_ctx("greeting", "Hi {{ contact.first_name }}, from {{ contact.city | default('x') }}")],
    ],
)
def test_fs1_contexts_valid(contexts: list[dict[str, str]]) -> None:
    config = parse_config(config_with(feed__contexts=contexts))
    assert config.columns == STANDARD_COLUMNS + tuple(c["name"] for c in contexts)


@pytest.mark.parametrize("name", ["1abc", "a-b", "A" * 65, "", "é", "a b", "a.b"])
def test_fs1_contexts_name_rule(name: str) -> None:
    data = config_with(feed__contexts=[_ctx(name)])
    assert_rejected(data, "feed.contexts[0].name", repr(name), "column name")


def test_fs1_contexts_names_unique() -> None:
    data = config_with(feed__contexts=[_ctx("a"), _ctx("b"), _ctx("a")])
    assert_rejected(data, "feed.contexts", "'a'", "twice")


@pytest.mark.parametrize("name", STANDARD_COLUMNS)
def test_fs1_contexts_name_not_a_standard_column(name: str) -> None:
    data = config_with(feed__contexts=[_ctx("ok"), _ctx(name)])
    assert_rejected(data, "feed.contexts[1].name", repr(name), "standard column")


@pytest.mark.parametrize(
    "value", ["{{ contact.x ", "{% if contact.x %}", "{{ }}", "{{ contact. }}", "{% endfor %}"]
)
def test_fs1_contexts_template_parse_error(value: str) -> None:
    data = config_with(feed__contexts=[_ctx("c", value)])
    assert_rejected(data, "feed.contexts[0].value", repr(value), "does not parse")


# --------------------------------------------------------------------------- condition


@pytest.mark.parametrize(
    "value", ['contact.plan != "free"', "contact.ltv > 10 and event.type == 'enter'", "true"]
)
def test_fs1_condition_valid(value: str) -> None:
    assert parse_config(config_with(feed__condition=value)).feed.condition == value


@pytest.mark.parametrize("value", ["contact.plan !=", "contact.plan ==== 'x'", "(", "{{ x }}"])
def test_fs2_6_condition_parse_error_is_a_config_error(value: str) -> None:
    assert_rejected(config_with(feed__condition=value), "feed.condition", repr(value), "parse")


@pytest.mark.parametrize("value", ["", "   "])
def test_fs1_condition_empty(value: str) -> None:
    assert_rejected(config_with(feed__condition=value), "feed.condition", "empty")


# ----------------------------------------------------------------- FS-1.2 unknown keys


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"flow__colour": "blue"}, "flow.colour"),
        ({"flow__variants": [{"name": "A", "wieght": 1}]}, "flow.variants[0].wieght"),
        ({"feed__colour": "blue"}, "feed.colour"),
        ({"feed__hash_identiy": True}, "feed.hash_identiy"),
        ({"feed__contexts": [{"name": "a", "value": "x", "vaule": "y"}]}, "feed.contexts[0].vaule"),
    ],
)
def test_fs1_2_unknown_keys_are_errors_at_every_level(change: dict[str, Any], field: str) -> None:
    key = field.rpartition(".")[2]
    assert_rejected(config_with(**change), field, repr(key), "unknown key", rule="FS-1.2")


@pytest.mark.parametrize(
    ("path", "field"),
    [(("client",), "client"), (("flow", "id"), "flow.id"), (("feed", "host"), "feed.host")],
)
def test_fs1_missing_required_key(path: tuple[str, ...], field: str) -> None:
    data = copy.deepcopy(BASE)
    target = data
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    assert_rejected(data, field, "required")


def test_fs1_1_every_problem_is_reported_at_once() -> None:
    data = config_with(client="Acme", flow__id=0, feed__path="/x/", feed__format="xml")
    fields = sorted(p.field for p in problems_of(data))
    assert fields == ["client", "feed.format", "feed.path", "flow.id"]


def test_fs1_2_toml_syntax_error() -> None:
    with pytest.raises(ConfigError) as info:
        loads_config('client = "acme"\n[flow\nid = 1\n', source="broken.toml")
    (problem,) = info.value.problems
    assert problem.field == "config" and problem.rule == "FS-1.2"
    assert "not valid TOML" in problem.message
    assert "broken.toml" in str(info.value)


def test_fs1_2_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert str(missing) in info.value.problems[0].message


# -------------------------------------------------------------------- FS-1.2 round trip

FIXTURE_CONFIGS = sorted(FEEDS.glob("*.toml"))


def test_fs1_2_fixture_configs_exist() -> None:
    names = {p.name for p in FIXTURE_CONFIGS}
    assert {
        "welcome_csv_s3.toml",
        "welcome_tsv_sftp.toml",
        "welcome_jsonl_s3.toml",
        "hashed_csv_sftp.toml",
        "plain_jsonl_s3_nopath.toml",
    } <= names


@pytest.mark.parametrize("path", FIXTURE_CONFIGS, ids=lambda p: p.name)
def test_fs1_2_save_then_load_round_trips_every_fixture(path: Path, tmp_path: Path) -> None:
    config = load_config(path)
    saved = tmp_path / path.name
    save_config(config, saved)
    again = load_config(saved)
    assert again == config
    assert dumps_config(again) == dumps_config(config)
    assert not list(tmp_path.glob(".*.tmp")), "save is atomic: no temp file left behind"
    assert isinstance(again, FeedConfig)
