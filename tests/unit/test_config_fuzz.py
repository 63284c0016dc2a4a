"""FS-1 / FS-8: ``feedlab validate`` never crashes, whatever the config file holds.

Documents come from the FS-1 corpus (the fixture configs, and a rejected value
for each rule of the FS-1 field table) and from Hypothesis: the valid layout with mutated
values, types and keys, and raw random text. ``validate`` must answer 0 or 2,
never raise, and on 2 print one line per problem, each naming a field.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedcore.testing import fuzzing as fz
from feedlab.cli import main

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
#: One key as an error names it: plain, or quoted as Python quotes it (repr).
_KEY = r"""(?:[A-Za-z0-9_-]+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
#: ``FIELD: message [FS-1...]``; FIELD is ``flow.variants[0].name`` and the like.
PROBLEM = re.compile(rf"^(?P<field>{_KEY}(?:\.{_KEY}|\[\d+\])*): .+ \[FS-1(\.\d+)?\]$")
#: A valid config's warnings (feedcore.lint): ``feedlab: warning: PATH: FIELD: message [FS-x.y]``.
WARNING = re.compile(rf"^feedlab: warning: .+: {_KEY}(?:\.{_KEY}|\[\d+\])*: .+ \[FS-\d\.\d\]$")


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    code, out, err = _validate(path, capsys)
    assert code in (0, 2)
    if code == 0:
        assert out.startswith(f"{path}: valid feed")
        for line in err.splitlines():  # warnings only, one per line, never a traceback
            assert WARNING.match(line), f"not one warning naming a field: {line!r}"
        return code
    lines = err.splitlines()
    assert lines and out == ""
    for line in lines:
        problem = line.removeprefix("feedlab: ").removeprefix(f"{path}: ")
        match = PROBLEM.match(problem)
        assert match is not None, f"not one problem naming a field: {line!r}"
        assert "Traceback" not in line
    return code


@pytest.mark.parametrize("fixture", sorted(FEEDS.glob("*.toml")), ids=lambda p: p.stem)
def test_fs1_corpus_fixture_configs_validate(
    fixture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(fixture, capsys) == 0


#: The FS-1 corpus: one rejected value per rule of the field table, and the field it names.
CORPUS: list[tuple[str, str, object, str]] = [
    ("client", "", "Acme_EU", "client"),
    ("client", "", "", "client"),
    ("flow", "id", 0, "flow.id"),
    ("flow", "id", "1234", "flow.id"),
    ("flow", "name", "", "flow.name"),
    ("flow", "segment", "tab\there", "flow.segment"),
    ("flow", "actions", ["data_feed"], "flow.actions"),
    ("feed", "format", "xml", "feed.format"),
    ("feed", "hash_identity", "yes", "feed.hash_identity"),
    ("feed", "target", "gcs", "feed.target"),
    ("feed", "host", "s3://acme-data-feeds", "feed.host"),
    ("feed", "host", "acme-data-feeds/", "feed.host"),
    ("feed", "host", "192.168.0.1", "feed.host"),
    ("feed", "path", "/exports", "feed.path"),
    ("feed", "path", "exports/../etc", "feed.path"),
    ("feed", "path", "a b", "feed.path"),
    ("feed", "condition", "contact.plan ==", "feed.condition"),
    ("feed", "max_rows_per_file", 0, "feed.max_rows_per_file"),
    ("feed", "unknown_key", 1, "feed.unknown_key"),
]


@pytest.mark.parametrize(("section", "key", "value", "field"), CORPUS)
def test_fs1_corpus_each_rejected_value_names_its_field(
    section: str,
    key: str,
    value: object,
    field: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import tomllib

    import tomli_w

    data = tomllib.loads((FEEDS / "welcome_csv_s3.toml").read_text())
    if key:
        data[section][key] = value
    else:
        data[section] = value
    path = tmp_path / "feed.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    assert _check(path, capsys) == 2
    err = _validate(path, capsys)[2]
    fields = [PROBLEM.match(line.split(f"{path}: ", 1)[1]) for line in err.splitlines()]
    assert field in [m["field"] for m in fields if m is not None], err


@given(text=fz.config_toml_documents)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_fs1_validate_survives_mutated_configs(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "feed.toml"
    path.write_text(text, encoding="utf-8")
    _check(path, capsys)


@given(data=st.one_of(fz.raw_config_text.map(lambda t: t.encode("utf-8")), st.binary(max_size=80)))
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_fs1_validate_survives_raw_text_and_bytes(
    data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "feed.toml"
    path.write_bytes(data)
    assert _check(path, capsys) == 2 or b"client" in data


def test_fs1_validate_reports_a_missing_or_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(tmp_path / "missing.toml", capsys) == 2
    folder = tmp_path / "a-folder.toml"
    folder.mkdir()
    assert _check(folder, capsys) == 2
