"""FS-1.1: the exact wording of the generic config errors (wrong type, not an integer...).

test_config.py checks each rule by fragments; this pins whole lines for the messages
the checker words itself, so they stay what users (and scripts grepping
``feedlab validate``) saw when the config model was pydantic's, and pins the lax
coercions a TOML file can reach.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from feedcore.config import loads_config, parse_config
from feedcore.errors import ConfigError

BASE: dict[str, Any] = {
    "client": "acme",
    "flow": {"id": 1234, "name": "Welcome Series", "segment": "New signups"},
    "feed": {"host": "acme-data-feeds"},
}


def _with(where: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    *parents, key = where.split(".")
    target = data
    for parent in parents:
        target = target[parent]
    target[key] = value
    return data


def _lines(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return [str(problem) for problem in info.value.problems]


_TYPE = "has the wrong type: input should be a valid"
_INT = "input should be a valid integer"
#: (where the value goes, the value, the whole problem line but its [FS-1.1]).
WORDING: list[tuple[str, Any, str]] = [
    ("client", 42, f"client: 42 {_TYPE} string"),
    ("flow", 5, f"flow: 5 {_TYPE} dictionary or instance of flow"),
    ("feed", "abc", f"feed: 'abc' {_TYPE} dictionary or instance of feed"),
    ("flow.actions", "abc", f"flow.actions: 'abc' {_TYPE} tuple"),
    ("flow.actions", ["a", 3], f"flow.actions[1]: 3 {_TYPE} string"),
    ("flow.variants", [3], f"flow.variants[0]: 3 {_TYPE} dictionary or instance of variant"),
    (
        "flow.variants",
        [{"name": "A", "weight": 2**1024}],
        f"flow.variants[0].weight: {2**1024}: input should be a valid number",
    ),
    (
        "flow.variants",
        [{"name": "A", "weight": -1}],
        "flow.variants[0].weight: weight -1.0 must be a finite number >= 0",
    ),
    ("feed.format", 1, "feed.format: 1: input should be 'csv', 'tsv' or 'jsonl'"),
    ("feed.target", [], "feed.target: []: input should be 's3' or 'sftp'"),
    (
        "feed.hash_identity",
        "yes",
        "feed.hash_identity: 'yes' is not true or false: write true or false",
    ),
    ("feed.contexts", ["a"], f"feed.contexts[0]: 'a' {_TYPE} dictionary or instance of context"),
    ("feed.contexts", [{"name": "a"}], "feed.contexts[0].value: is required: add it"),
    ("feed.condition", 3, f"feed.condition: 3 {_TYPE} string"),
    (
        "feed.max_rows_per_file",
        5.5,
        f"feed.max_rows_per_file: 5.5: {_INT}, got a number with a fractional part",
    ),
    (
        "feed.max_rows_per_file",
        "x",
        f"feed.max_rows_per_file: 'x': {_INT}, unable to parse string as an integer",
    ),
    (
        "feed.max_rows_per_file",
        math.nan,
        "feed.max_rows_per_file: nan: Input should be a finite number",
    ),
    (
        "feed.max_rows_per_file",
        1e300,
        "feed.max_rows_per_file: 1e+300: unable to parse input string as an integer, "
        "exceeded maximum size",
    ),
    ("feed.max_rows_per_file", [1], f"feed.max_rows_per_file: [1]: {_INT}"),
    (
        "feed.max_rows_per_file",
        "-5",
        "feed.max_rows_per_file: '-5': input should be greater than or equal to 1",
    ),
    (
        "feed.max_rows_per_file",
        False,
        "feed.max_rows_per_file: False: input should be greater than or equal to 1",
    ),
]


@pytest.mark.parametrize(("where", "value", "line"), WORDING)
def test_fs1_1_generic_messages_keep_their_wording(where: str, value: Any, line: str) -> None:
    assert _lines(_with(where, value)) == [f"{line} [FS-1.1]"]


@pytest.mark.parametrize(
    ("value", "rows"), [("5", 5), (" 1_000.0 ", 1000), (7.0, 7), (True, 1), ("+12", 12)]
)
def test_fs5_2_max_rows_per_file_takes_what_toml_can_spell(value: Any, rows: int) -> None:
    assert parse_config(_with("feed.max_rows_per_file", value)).feed.max_rows_per_file == rows


def test_fs1_1_an_integer_weight_is_kept_as_a_float() -> None:
    data = _with("flow.variants", [{"name": "A", "weight": 3}, {"name": "B"}])
    weights = [v.weight for v in parse_config(data).flow.variants]
    assert weights == [3.0, 1.0] and all(isinstance(w, float) for w in weights)


def test_fs1_1_sets_and_bytes_are_the_wrong_type() -> None:
    assert _lines(_with("flow.actions", {"a"})) == [
        "flow.actions: {'a'} has the wrong type: input should be a valid tuple [FS-1.1]"
    ]
    assert _lines(_with("client", b"acme")) == [
        "client: b'acme' has the wrong type: input should be a valid string [FS-1.1]"
    ]


def test_fs1_1_a_document_that_is_not_a_table_is_one_problem() -> None:
    assert _lines([1]) == [
        "config: [1] has the wrong type: input should be a valid dictionary or instance of "
        "feedconfig [FS-1.1]"
    ]


def test_fs1_2_an_integer_too_long_to_read_is_a_toml_problem() -> None:
    with pytest.raises(ConfigError) as info:
        loads_config("client = " + "9" * 5000)
    (problem,) = info.value.problems
    assert problem.field == "config" and problem.rule == "FS-1.2"
    assert "not valid TOML" in problem.message


def test_fs1_configs_are_frozen_values() -> None:
    config = parse_config(copy.deepcopy(BASE))
    assert config == parse_config(copy.deepcopy(BASE))
    assert hash(config) == hash(parse_config(copy.deepcopy(BASE)))
    with pytest.raises(AttributeError):
        config.client = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        config.feed.host = "other"  # type: ignore[misc]
