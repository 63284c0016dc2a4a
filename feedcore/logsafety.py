"""Keeping secrets out of log records, whoever logs them and whoever handles them.

botocore at DEBUG logs every request it signs: the canonical request (with the
``x-amz-security-token`` of temporary credentials), the ``Authorization``
header (access key id and signature) and the signature itself. asyncssh does
not log passwords, but a password could still reach a record through an
exception message. ``feedlab -vv`` turns DEBUG on, and a library user may
turn it on for botocore at any time, so filtering one handler is not enough.

:func:`install` wraps the process's log record factory: every record is
redacted when it is *created*, before any handler (the CLI's, pytest's
``caplog``, an application's) can see it. Redaction replaces

* values registered with :func:`register_secret` (the SFTP password, the AWS
  secret key and session token of the credentials in use), and
* anything that looks like a credential in text: ``Signature=…`` /
  ``Signature:\\n…``, ``Credential=…``, ``X-Amz-Security-Token``, the
  ``Authorization`` header, ``X-Amz-Signature``/``X-Amz-Credential`` query
  parameters, and ``password=``/``secret_access_key=``/``session_token=``
  style assignments,

with ``***``.

Nothing happens on import: replacing the record factory is a process-wide
choice, so it belongs to whoever owns the process. The ``feedlab`` command
line and the app call :func:`install` when they start; **a service that uses
feedcore as a library calls** ``feedcore.logsafety.install()`` **once at
start-up**, before it turns on DEBUG for botocore or asyncssh. The sinks
register their secrets whether or not it was called (registering only adds to
a set), so an install made later masks them from then on. Installing is
idempotent. :func:`quiet_libraries` additionally keeps third-party DEBUG
chatter out of ``-vv`` (feedlab's own DEBUG lines stay).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["LIBRARY_LOGGERS", "install", "quiet_libraries", "redact", "register_secret"]

#: Third-party loggers whose DEBUG output is request-level detail.
LIBRARY_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "asyncssh")

MASK = "***"
#: Shorter values are not registered: masking "a" everywhere would garble every record.
_MIN_SECRET = 6

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # botocore.auth: "Signature:\n<hex>", and "Signature=<hex>" in Authorization headers.
    (re.compile(r"(?i)(signature['\"]?\s*[:=]\s*b?['\"]?\s*)[0-9a-f]{16,}"), r"\1" + MASK),
    (re.compile(r"(?i)(credential\s*=\s*)[^/\s,'\"&]+"), r"\1" + MASK),
    (
        re.compile(r"(?i)(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,}&]+"),
        r"\1" + MASK,
    ),
    (re.compile(r"(?i)(['\"]?authorization['\"]?\s*:\s*b?['\"])[^'\"]*"), r"\1" + MASK),
    (re.compile(r"(?i)(authorization:\s*)\S[^\n]*"), r"\1" + MASK),
    (re.compile(r"(?i)(x-amz-(?:signature|credential)=)[^&\s'\"]+"), r"\1" + MASK),
    (
        re.compile(
            r"(?i)((?:aws_)?(?:secret_access_key|secret_key|session_token|security_token|"
            r"password|passphrase)['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,}&]+"
        ),
        r"\1" + MASK,
    ),
)

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def register_secret(value: str | bytes | None) -> None:
    """Mask ``value`` in every log record from now on (values under 6 characters are ignored)."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return
    if not value or len(value) < _MIN_SECRET:
        return
    with _lock:
        _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with registered secrets and credential-looking values masked."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports that itself later
        return
    cleaned = redact(message)
    if cleaned != message or record.args:
        record.msg = cleaned
        record.args = None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters render the exception later; render it now, redacted.
        exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = redact(exc_text)


def install() -> None:
    """Redact every log record at creation (idempotent, process-wide)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)


def quiet_libraries(level: int = logging.INFO) -> None:
    """Keep third-party loggers at ``level`` or above (their DEBUG is per-request detail)."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < level:
            logger.setLevel(level)
