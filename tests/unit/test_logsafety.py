"""Secrets are masked in log records at creation, whoever logs and whoever handles them."""

from __future__ import annotations

import logging

import pytest

from feedcore import logsafety

TOKEN = "IQoJb3JpZ2luX2VjEFeedlabTok3n"
SIGNATURE = "a3f1" * 16


@pytest.fixture(autouse=True)
def installed() -> None:
    logsafety.install()


@pytest.mark.parametrize(
    "line",
    [
        # botocore.auth at DEBUG (the signature on its own line)
        f"Signature:\n{SIGNATURE}",
        # an Authorization header in botocore.endpoint's request dump
        "headers={'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261127/us-east-1/"
        f"s3/aws4_request, SignedHeaders=host, Signature={SIGNATURE}'}}",
        # the canonical request (temporary credentials)
        f"PUT\n/bkt/key\n\nhost:127.0.0.1\nx-amz-security-token:{TOKEN}\n",
        f"{{'X-Amz-Security-Token': b'{TOKEN}', 'X-Amz-Date': b'20261127T030000Z'}}",
        # presigned URLs
        f"GET /k?X-Amz-Credential=AKIAEXAMPLE%2F2026&X-Amz-Signature={SIGNATURE}&x=1",
        # assignments
        f"aws_secret_access_key={TOKEN}",
        f"password: {TOKEN}",
        f'{{"session_token": "{TOKEN}"}}',
    ],
)
def test_credential_shaped_text_is_masked(line: str) -> None:
    masked = logsafety.redact(line)
    assert TOKEN not in masked and SIGNATURE not in masked and "AKIAEXAMPLE" not in masked
    assert "***" in masked


def test_ordinary_text_is_left_alone() -> None:
    for line in (
        "put exports/daily/2026/11/27/acme_1_add_0a1b2c3d_20261127030000.csv (12 bytes)",
        "retry x: attempt 1/5 failed: S3 failed to put s3://b/k (SlowDown, HTTP 503)",
        "Auth for user feedlab succeeded",
    ):
        assert logsafety.redact(line) == line


def test_registered_values_are_masked_in_any_logger(caplog: pytest.LogCaptureFixture) -> None:
    secret = "hunter2-but-longer-Zq9"
    logsafety.register_secret(secret)
    logsafety.register_secret("abc")  # too short to mask safely: ignored
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("anything.at.all").debug("login with %s as %s", secret, "abc")
        try:
            raise RuntimeError(f"refused {secret}")
        except RuntimeError:
            logging.getLogger("botocore.endpoint").exception("failed")
    text = caplog.text
    assert secret not in text
    assert "as abc" in text
    assert "refused ***" in text  # the traceback is redacted too


def test_library_records_are_masked_even_when_the_library_logs_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="botocore")
    logging.getLogger("botocore.auth").debug("Signature:\n%s", SIGNATURE)
    assert SIGNATURE not in caplog.text


def test_install_is_idempotent() -> None:
    factory = logging.getLogRecordFactory()
    logsafety.install()
    logsafety.install()
    assert logging.getLogRecordFactory() is factory


def test_quiet_libraries_caps_third_party_debug() -> None:
    logger = logging.getLogger("botocore")
    previous = logger.level
    try:
        logger.setLevel(logging.DEBUG)
        logsafety.quiet_libraries()
        assert logger.level == logging.INFO
    finally:
        logger.setLevel(previous)


def test_secrets_registered_before_install_are_masked_once_it_is_installed() -> None:
    """A sink registers its secrets whether or not redaction is on; installing later
    masks them from then on, and nothing is installed by importing or opening a sink."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import io, logging
        from pathlib import Path
        factory = logging.getLogRecordFactory()
        from feedcore.sinks.sftp import SFTPSink
        sink = SFTPSink("h", 22, username="u", known_hosts=Path("kh"),
                        password="hunter2-but-longer-Zq9")
        assert logging.getLogRecordFactory() is factory, "opening a sink installed redaction"
        stream = io.StringIO()
        logging.basicConfig(stream=stream, level=logging.INFO, format="%(message)s")
        logging.getLogger("x").info("before %s", "hunter2-but-longer-Zq9")
        from feedcore import logsafety
        logsafety.install()
        logging.getLogger("x").info("after %s", "hunter2-but-longer-Zq9")
        sink.close()
        print(stream.getvalue())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "before hunter2-but-longer-Zq9" in out  # not installed: a service's own choice
    assert "after ***" in out
