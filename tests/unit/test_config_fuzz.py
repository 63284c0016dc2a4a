"""FS-1 / FS-8: ``feedlab validate`` never crashes, whatever the config file holds.

Documents come from the FS-1 corpus (the fixture configs, and every value the
field-rule tests reject) and from Hypothesis: the valid layout with mutated
values, types and keys, and raw random text. ``validate`` must answer 0 or 2,
never raise, and on 2 print one line per problem, each naming a field.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedcore.cli import main
from tests import strategies as fs

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
#: ``feedlab: PATH: FIELD: message [FS-1...]``; FIELD is a dotted path (or ``config``).
LINE = re.compile(r"^feedlab: (?P<path>.+?): (?P<field>[^\s:][^:]*?): .+ \[FS-1(\.\d+)?\]$")


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    code, out, err = _validate(path, capsys)
    assert code in (0, 2)
    if code == 0:
        assert err == "" and out.startswith(f"{path}: valid feed")
        return code
    lines = err.splitlines()
    assert lines and out == ""
    for line in lines:
        match = LINE.match(line)
        assert match is not None, f"not one problem naming a field: {line!r}"
        assert match["path"] == str(path)
        assert "Traceback" not in line
    return code


@pytest.mark.parametrize("fixture", sorted(FEEDS.glob("*.toml")), ids=lambda p: p.stem)
def test_fs1_corpus_fixture_configs_validate(
    fixture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(fixture, capsys) == 0


@given(text=fs.config_toml_documents)
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


@given(data=st.one_of(fs.raw_config_text.map(lambda t: t.encode("utf-8")), st.binary(max_size=80)))
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
