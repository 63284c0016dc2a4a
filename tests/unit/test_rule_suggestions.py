"""Every fix a rule message suggests ("e.g. 'x'") passes that same rule (FS-1)."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

import pytest
from hypothesis import given

from feedcore import rules
from feedcore.testing.fuzzing import pasted_locations

SUGGESTED = re.compile(r"e\.g\. ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")

CHECKS: dict[str, Callable[[str], object]] = {
    "s3 host": lambda v: rules.check_host(v, "s3"),
    "sftp host": lambda v: rules.check_host(v, "sftp"),
    "path": rules.check_path,
}


def suggestion(check: Callable[[str], object], value: str) -> str | None:
    try:
        check(value)
    except ValueError as exc:
        match = SUGGESTED.search(str(exc))
        return None if match is None else str(ast.literal_eval(match.group(1)))
    return None


def test_fs1_scheme_with_folders_suggests_the_bucket_and_the_path() -> None:
    with pytest.raises(ValueError) as info:
        rules.check_host("s3://acme/acme-data-feeds", "s3")
    message = str(info.value)
    assert "e.g. 'acme'" in message and "put 'acme-data-feeds' in Path" in message
    assert suggestion(CHECKS["s3 host"], "s3://acme/acme-data-feeds") == "acme"


@pytest.mark.parametrize("name", sorted(CHECKS))
@given(value=pasted_locations)
def test_fs1_every_suggested_fix_passes_its_rule(name: str, value: str) -> None:
    check = CHECKS[name]
    fix = suggestion(check, value)
    if fix is not None:
        check(fix)  # raises if the suggested fix is itself invalid
