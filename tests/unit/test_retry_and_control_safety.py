"""FS-6.3 retry budget and FS-5.1 control-file safety.

* The writer's policy never sleeps in tests (``RetryPolicy.immediate``), stops
  after its attempts or its deadline, and together with botocore's own retries
  stays within seconds, not minutes.
* Control files are written with ``allow_nan=False``; the verifier rejects
  duplicate keys and non-finite numbers in them.
"""

from __future__ import annotations

import json
import math

import pytest

from feedcore.control import dumps_control
from feedcore.errors import SinkError, TransientSinkError
from feedcore.naming import parse_data_name
from feedcore.retry import RetryPolicy
from feedcore.verify.controlfile import check_control_file
from feedcore.verify.layout import check_control_name

CONTROL_KEY = "exports/2026/11/27/control_acme_1_add_0a1b2c3d_20261127030000.json"


def test_fs6_3_immediate_policy_never_sleeps_and_reports_each_retry() -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=4, sleep=slept.append)
    calls: list[int] = []
    seen: list[tuple[int, float]] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientSinkError("dropped")
        return "ok"

    assert policy.run(flaky, lambda n, exc, wait: seen.append((n, wait))) == "ok"
    assert [n for n, _ in seen] == [1, 2] and len(slept) == 2
    assert all(0 <= wait <= min(policy.max_delay, policy.base_delay * 2**n) for n, wait in seen)
    immediate = RetryPolicy.immediate(attempts=3)
    with pytest.raises(TransientSinkError, match="gave up after 3 attempts"):
        immediate.run(lambda: (_ for _ in ()).throw(TransientSinkError("down")))


def test_fs6_3_permanent_errors_are_raised_at_once() -> None:
    calls: list[int] = []

    def refused() -> None:
        calls.append(1)
        raise SinkError("refused")

    with pytest.raises(SinkError):
        RetryPolicy.immediate().run(refused)
    assert calls == [1]


def test_fs6_3_deadline_stops_new_attempts() -> None:
    policy = RetryPolicy(attempts=100, deadline=0.0, sleep=lambda s: None)
    calls: list[int] = []

    def down() -> None:
        calls.append(1)
        raise TransientSinkError("down")

    with pytest.raises(TransientSinkError):
        policy.run(down)
    assert calls == [1]


def test_fs6_3_the_retry_budget_is_seconds_not_minutes() -> None:
    """Ours: at most 0.4 + 0.8 + 1.6 + 3.2 s of sleep; botocore's standard mode, with
    S3Sink's 3 total attempts, sleeps at most 1 + 2 s per request (documented in retry.py)."""
    from feedcore.sinks.s3 import S3Sink

    ours = RetryPolicy()
    assert ours.max_total_sleep() == pytest.approx(6.0)
    sink = S3Sink("feed-bucket", endpoint_url="http://127.0.0.1:9", region="us-east-1")
    try:
        retries = sink._client.meta.config.retries
    finally:
        sink.close()
    assert retries == {"mode": "standard", "total_max_attempts": 3}
    botocore_sleep_per_request = sum(2 ** (n - 1) for n in range(1, 3))  # 1 s + 2 s
    worst = ours.attempts * botocore_sleep_per_request + ours.max_total_sleep()
    assert worst <= 30
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


# -- control files -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_fs5_1_control_files_are_written_without_nan_or_infinity(value: float) -> None:
    with pytest.raises(ValueError):
        dumps_control({"delta": True, "file_count": 1, "files": [{"rows": value}]})


def _control(text: str) -> list[str]:
    name, _ = check_control_name(CONTROL_KEY, None)
    assert name is not None
    return [str(f) for f in check_control_file(CONTROL_KEY, text.encode(), name, None, None)]


VALID = {
    "delta": True,
    "file_count": 1,
    "files": [
        {
            "bucket": "b",
            "path": "exports",
            "file_type": "csv",
            "file": "s3://b/exports/2026/11/27/acme_1_add_0a1b2c3d_20261127030000.csv",
            "rows": 2,
            "flow_ID": 1,
            "flow_name": "F",
        }
    ],
}


def test_fs5_1_verifier_accepts_a_plain_control_file() -> None:
    assert parse_data_name("acme_1_add_0a1b2c3d_20261127030000.csv") is not None
    assert not [f for f in _control(json.dumps(VALID)) if "not a valid control file" in f]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(VALID).replace('"delta": true', '"delta": true, "delta": true'),
        json.dumps(VALID).replace('"rows": 2', '"rows": 2, "rows": 3'),
    ],
    ids=["top-level", "in-files-entry"],
)
def test_fs5_1_verifier_rejects_duplicate_keys(text: str) -> None:
    findings = _control(text)
    assert any("FS-5.1" in f and "appears twice" in f for f in findings), findings


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_fs5_1_verifier_rejects_non_finite_numbers(literal: str) -> None:
    findings = _control(json.dumps(VALID).replace('"rows": 2', f'"rows": {literal}'))
    assert any("FS-5.1" in f for f in findings), findings
    assert findings and all("Traceback" not in f for f in findings)
