"""FS-1: identifiers are matched whole, so no newline, NUL or separator ever names a file.

``^...$`` with ``re.match`` accepts a value ending in ``\\n`` (``$`` matches before
a final newline): ``client = "acme\\n"`` used to validate and name files and
folders. Every rule is now a full match; each is tried here with the characters
that broke it, trailing and leading, and a Hypothesis property covers the class.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from feedcore import naming, rules
from feedcore.config import parse_config
from feedcore.errors import ConfigError
from feedcore.testing import fuzzing as fz
from feedcore.verify.layout import classify
from feedlab.cli import main

#: The characters of finding 5: line breaks, NUL, the Unicode line and paragraph separators.
EDGES = ["\n", "\r", "\x00", "\u2028", "\u2029"]

GOOD: list[tuple[str, Callable[[str], object], str]] = [
    ("client", rules.check_client, "acme"),
    ("context name", rules.check_context_name, "first_name"),
    ("path", rules.check_path, "exports/daily"),
    ("path segment", rules.check_path, "exports"),
    ("bucket", rules.check_bucket, "acme-data-feeds"),
    ("sftp hostname", rules.check_sftp_host, "sftp.example.com"),
    ("sftp host:port", rules.check_sftp_host, "sftp.example.com:2222"),
    ("sftp ipv4", rules.check_sftp_host, "10.1.2.3"),
    ("sftp ipv6", rules.check_sftp_host, "[2001:db8::1]:22"),
    ("sftp ipv6 zone", rules.check_sftp_host, "fe80::1%eth0"),
    ("flow name", lambda v: rules.check_label(v, "flow name"), "Welcome Series"),
    ("action", rules.check_action, "email_welcome"),
]


@pytest.mark.parametrize("edge", EDGES, ids=["LF", "CR", "NUL", "U+2028", "U+2029"])
@pytest.mark.parametrize("where", ["trailing", "leading"])
@pytest.mark.parametrize(("rule", "check", "value"), GOOD, ids=[g[0] for g in GOOD])
def test_fs1_every_rule_refuses_a_line_break_nul_or_separator_at_either_end(
    rule: str, check: Callable[[str], object], value: str, where: str, edge: str
) -> None:
    check(value)  # the value itself is fine
    bad = value + edge if where == "trailing" else edge + value
    with pytest.raises(ValueError) as info:
        check(bad)
    assert len(str(info.value).splitlines()) == 1  # the message is one line


@pytest.mark.parametrize("port", ["²²", "٢٢", "2\n", "２２"])
def test_fs1_a_port_is_ascii_digits(port: str) -> None:
    """``"²".isdigit()`` is true (``int`` refuses it) and ``int("٢٢")`` is 22."""
    with pytest.raises(ValueError, match="must be a number from 1 to 65535"):
        rules.check_sftp_host(f"sftp.example.com:{port}")


@pytest.mark.parametrize("text", ["²", "٣", "1\n", "--5", "", "-", "-²"])
def test_ascii_number_checks_refuse_what_int_would_misread(text: str) -> None:
    assert not rules.is_digits(text)
    assert not rules.is_integer(text)
    assert rules.is_integer("-5") and rules.is_digits("05") and not rules.is_digits("-5")


@pytest.mark.parametrize("edge", EDGES)
def test_fs4_names_with_a_trailing_break_are_not_feed_names(edge: str) -> None:
    data = "acme_1234_add_0a1b2c3d_20261127030000.csv"
    control = "control_acme_1234_add_0a1b2c3d_20261127030000.json"
    assert naming.parse_data_name(data) is not None
    assert naming.parse_data_name(data + edge) is None
    assert naming.data_stem_of_control(control + edge) is None
    assert classify(f"x/{data}{edge}") == "unknown"
    assert classify(f"x/{control}{edge}") == "unknown"
    assert classify(f"x/.{data}\n.partial") == "partial"


BASE: dict[str, Any] = {
    "client": "acme",
    "flow": {"id": 1234, "name": "Welcome Series", "segment": "New signups", "actions": []},
    "feed": {
        "format": "csv",
        "target": "s3",
        "host": "acme-data-feeds",
        "path": "exports",
        "contexts": [{"name": "first_name", "value": "{{ contact.first_name }}"}],
    },
}


def _with(changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["feed"]["target"] = changes["target"]
    if changes["target"] == "sftp":
        data["feed"]["host"] = "sftp.example.com"
    for field, value in changes.items():
        if field == "client":
            data["client"] = value
        elif field == "feed.contexts[0].name":
            data["feed"]["contexts"][0]["name"] = value
        elif field.startswith("feed."):
            data["feed"][field.removeprefix("feed.")] = value
    return data


@given(case=fz.junk_identifiers())
def test_fs1_1_hypothesis_an_identifier_with_junk_at_either_end_is_refused_naming_its_field(
    case: tuple[str, dict[str, Any]],
) -> None:
    field, changes = case
    with pytest.raises(ConfigError) as info:
        parse_config(_with(changes))
    problems = info.value.problems
    assert [p.field for p in problems] == [field], problems
    assert problems[0].rule == "FS-1.1"
    for text in (str(problems[0]), str(info.value)):
        assert len(text.splitlines()) == 1, text


def test_fs1_verify_config_refuses_a_client_with_a_trailing_newline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "feed.toml"
    config.write_text(
        'client = "acme\\n"\n[flow]\nid = 1\nname = "F"\nsegment = "S"\n'
        '[feed]\nformat = "csv"\ntarget = "s3"\nhost = "acme-data-feeds"\n'
    )
    (tmp_path / "acme-data-feeds").mkdir()
    code = main(["verify", str(tmp_path / "acme-data-feeds"), "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert "client: 'acme\\n' is not a client slug" in err and "[FS-1.1]" in err
    code = main(["validate", str(config)])
    assert code == 2
