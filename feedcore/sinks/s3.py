"""The S3 sink: feed files to a bucket with boto3 (FS-6.1, FS-6.2, FS-6.3).

Kept out of ``feedcore/__init__`` on purpose so that importing feedcore (the CLI's
``validate``, the verifier on local folders) never pays for importing boto3.

Delivery rules this module is responsible for:

* An object is visible only once complete: S3 gives that for free for a single
  PUT and for a multipart upload (the key appears at CompleteMultipartUpload).
* A multipart upload that fails is aborted, so no invisible-but-billed parts
  are left behind (FS-6.2).
* Write-once control files use a conditional PUT (``If-None-Match: *``). A
  retried export writes the same bytes under the same name (FS-6.3), so finding
  an identical object is success, and only different bytes are a conflict.
* A multipart upload of the same key left behind by a run that was killed
  (so could not abort it) is aborted before a new one starts: the key is this
  batch's own name (FS-6.3), so nothing else can own it.
* Credentials come only from the standard AWS chain (FS-1.2), and no message
  built here ever includes one; they are registered with
  :mod:`feedcore.logsafety` so botocore's DEBUG records cannot show them either.

IAM permissions the writer needs on the bucket: ``s3:PutObject``,
``s3:GetObject`` (write-once checks read the existing object back),
``s3:ListBucket`` (without it S3 answers 403 instead of 404 for a missing key,
which this sink must report as refused credentials),
``s3:AbortMultipartUpload`` and, optionally, ``s3:ListBucketMultipartUploads``
(to clean up after a killed run; without it that cleanup is skipped).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

import boto3
import botocore.exceptions as bce
from botocore.config import Config
from s3transfer.utils import ReadFileChunk

from feedcore import logsafety
from feedcore.endpoints import is_loopback, public_url
from feedcore.errors import AlreadyExistsError, AuthError, SinkError, TransientSinkError
from feedcore.sinks.base import (
    ClosingSink,
    Listeners,
    ObjectInfo,
    Payload,
    SinkListener,
    check_limit,
)

__all__ = ["MAX_PARTS", "MIN_PART_SIZE", "S3Sink"]

MiB = 1024 * 1024
#: S3's own lower bound for every part but the last; FS-6.2 asks for 8 MiB by default.
MIN_PART_SIZE = 5 * MiB
#: S3's upper bound on parts per upload.
MAX_PARTS = 10_000
#: Chunk size when comparing an existing object with a payload.
_COMPARE_CHUNK = 1 * MiB

_AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
        "UnrecognizedClientException",
    }
)
_TRANSIENT_CODES = frozenset(
    {
        "ConditionalRequestConflict",  # a concurrent conditional write; AWS says retry
        "InternalError",
        "OperationAborted",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
    }
)
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})

_NO_CREDENTIALS_HINT = (
    "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
    "(and AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE with ~/.aws/credentials, "
    "or run where an instance/container role applies; feed configs never hold credentials"
)


def _one_line(text: str, limit: int = 200) -> str:
    """Server messages can be multi-line XML-ish prose; a user gets one short line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _error_code(exc: bce.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "")) or "Unknown"


def _http_status(exc: bce.ClientError) -> int:
    meta = exc.response.get("ResponseMetadata", {})
    try:
        return int(meta.get("HTTPStatusCode", 0))
    except (TypeError, ValueError):
        return 0


def _is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (its bytes never cross a network)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return is_loopback(host)


def _s3_options(endpoint_url: str | None, checksums: str) -> dict[str, Any]:
    """botocore's ``s3`` settings for this endpoint.

    **[decision]** Request bodies sent to a loopback endpoint (a mock, a local
    MinIO) are not SHA-256 signed when checksums are on: the bytes never leave
    the machine, so a body signature guards against nobody, and each body still
    carries a CRC32 the server verifies. botocore signs bodies over plain http
    to any other host (kept), and over https already relies on TLS + checksum.
    """
    options: dict[str, Any] = {}
    if endpoint_url:
        options["addressing_style"] = "path"
        if checksums == "when_supported" and _is_loopback(endpoint_url):
            options["payload_signing_enabled"] = False
    return options


#: Bodies from this size on ask the server before they are sent (Expect: 100-continue).
EXPECT_CONTINUE_MIN = 2 * MiB


def _expect_continue_only_when_large(params: dict[str, Any], **_: Any) -> None:
    """Drop ``Expect: 100-continue`` from requests with small bodies.

    botocore asks for it on every upload: the request's headers go first and
    the body waits a round trip for the server's "100 Continue", so a body a
    server would refuse (auth, redirect) is never sent. For a control file or a
    small data file that round trip costs more than sending the body anyway;
    like the AWS SDK for Go, only bodies of 2 MiB and more keep the header.
    (``Expect`` is never part of the signature, so removing it is safe.)
    """
    headers = params.get("headers")
    if not headers or "Expect" not in headers:
        return
    try:
        length = int(headers.get("Content-Length", -1))
    except (TypeError, ValueError):
        return
    if 0 <= length < EXPECT_CONTINUE_MIN:
        del headers["Expect"]


@dataclass(frozen=True)
class _Part:
    number: int
    offset: int
    length: int


def _plan_parts(size: int, part_size: int) -> list[_Part]:
    """Split ``size`` bytes into parts of ``part_size``, growing it past 10,000 parts."""
    if math.ceil(size / part_size) > MAX_PARTS:
        part_size = math.ceil(size / MAX_PARTS / MiB) * MiB
    parts: list[_Part] = []
    offset = 0
    number = 1
    while offset < size:
        length = min(part_size, size - offset)
        parts.append(_Part(number, offset, length))
        offset += length
        number += 1
    return parts


class S3Sink(ClosingSink):
    """A :class:`~feedcore.sinks.base.Sink` writing to one S3 bucket.

    Thread-safe for concurrent ``put`` calls (boto3 clients are), which the
    multipart path relies on itself. Credentials come from ``session`` when
    given, else from the AWS chain of ``profile`` (a named profile) or the
    default one.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        session: boto3.session.Session | None = None,
        profile: str | None = None,
        multipart_threshold: int = 8 * MiB,
        part_size: int = 8 * MiB,
        checksums: Literal["when_supported", "when_required"] = "when_supported",
        max_concurrency: int = 8,
        listeners: list[SinkListener] | None = None,
        max_attempts: int = 3,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum)")
        if multipart_threshold < 1:
            raise ValueError("multipart_threshold must be positive")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.bucket = bucket
        self.label = f"s3://{bucket}"
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self.max_concurrency = max_concurrency
        self.listeners = Listeners(list(listeners or []))
        self._bucket_checked = False
        # With checksums on, a multipart upload declares CRC32 up front (as boto3's
        # managed transfer does): each part is verified on arrival and the server
        # need not re-hash the assembled object.
        self._checksum_args: dict[str, str] = (
            {"ChecksumAlgorithm": "CRC32"} if checksums == "when_supported" else {}
        )
        config = Config(
            region_name=region,
            # AWS's default: a CRC checksum on every upload (aws-chunked trailer),
            # verified by the server, so a corrupted byte fails the request instead
            # of landing in a feed. Some S3-compatible stores reject those trailers;
            # ``checksums="when_required"`` sends them only where the API insists.
            request_checksum_calculation=checksums,
            response_checksum_validation=checksums,
            # botocore's standard mode backs off on throttling, 5xx and dropped
            # connections per request (so one failed part does not restart a whole
            # multipart upload); what is left is a TransientSinkError, which the
            # writer's own RetryPolicy retries around the whole put (FS-6.3).
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            max_pool_connections=max(10, max_concurrency + 2),
            s3=_s3_options(endpoint_url, checksums),
            connect_timeout=10,
            read_timeout=60,
        )
        self._endpoint = public_url(endpoint_url)
        try:
            if session is None:
                session = boto3.session.Session(profile_name=profile)
            self._client: Any = session.client(
                "s3", endpoint_url=endpoint_url, region_name=region, config=config
            )
        except bce.BotoCoreError as exc:  # e.g. AWS_PROFILE names a missing profile
            raise SinkError(
                f"cannot set up S3 access to {self.label}: {_redact(_one_line(str(exc)))}"
            ) from exc
        except ValueError as exc:  # botocore's "Invalid endpoint: <url>"
            raise SinkError(
                f"cannot set up S3 access to {self.label}: invalid endpoint URL "
                f"({self._endpoint}); expected http(s)://host[:port]"
            ) from exc
        if endpoint_url is None:
            self._endpoint = public_url(self._client.meta.endpoint_url)
        self._register_credentials(session)
        # After botocore's own handler at the same level, which adds the header.
        self._client.meta.events.register_last("before-call.s3", _expect_continue_only_when_large)

    @staticmethod
    def _register_credentials(session: Any) -> None:
        """Tell the log redactor the credentials in use (creating the client resolved them)."""
        try:
            credentials = session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        except Exception:  # no credentials yet: the first request reports that properly
            return
        if frozen is not None:
            # The access key id is an identifier, not a secret (and a mock's may be a
            # common word): the redactor's Credential= pattern masks it in signatures.
            for value in (frozen.secret_key, frozen.token):
                logsafety.register_secret(value)

    def __repr__(self) -> str:
        return f"S3Sink({self.label}, endpoint={self._endpoint})"

    # -- Sink protocol -----------------------------------------------------------

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None:
        if payload.size > self.multipart_threshold:
            self._put_multipart(key, payload, exclusive=exclusive)
        else:
            self._put_single(key, payload, exclusive=exclusive)

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
        except bce.ClientError as exc:
            if _error_code(exc) in _NOT_FOUND_CODES or _http_status(exc) == 404:
                # HEAD has no body, so a missing bucket also reads as a bare 404.
                # Tell them apart once, rather than report "absent" forever.
                self._check_bucket(key)
                return False
            self._raise(exc, "check", key)
        except (bce.BotoCoreError, OSError) as exc:
            self._raise(exc, "check", key)
        self._bucket_checked = True
        return True

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ObjectInfo(key=str(item["Key"]), size=int(item["Size"]))
        except (bce.BotoCoreError, bce.ClientError, OSError) as exc:
            self._raise(exc, "list", prefix or "/")

    def read(self, key: str, limit: int | None = None) -> bytes:
        check_limit(limit)
        extra = {} if limit is None else {"Range": f"bytes=0-{limit - 1}"}
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key, **extra)
            with contextlib.closing(response["Body"]) as body:
                data: bytes = body.read()
            return data
        except bce.ClientError as exc:
            if limit is not None and _error_code(exc) == "InvalidRange":
                return b""  # S3 answers a range on an empty object with 416
            self._raise(exc, "read", key)
        except (bce.BotoCoreError, OSError) as exc:
            self._raise(exc, "read", key)

    def close(self) -> None:
        self._client.close()

    # -- single PUT ----------------------------------------------------------------

    def _put_single(self, key: str, payload: Payload, *, exclusive: bool) -> None:
        extra: dict[str, str] = {"IfNoneMatch": "*"} if exclusive else {}
        try:
            with payload.open() as body:
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentLength=payload.size,
                    **extra,
                )
        except bce.ClientError as exc:
            if exclusive and self._is_precondition_failed(exc):
                self._settle_existing(key, payload, exc)
                return
            self._raise(exc, "put", key)
        except (bce.BotoCoreError, OSError) as exc:
            self._raise(exc, "put", key)
        self.listeners.emit("put", key, size=payload.size)

    # -- multipart -------------------------------------------------------------------

    def _put_multipart(self, key: str, payload: Payload, *, exclusive: bool) -> None:
        if exclusive and self._existing_matches(key, payload):
            return
        try:
            created = self._client.create_multipart_upload(
                Bucket=self.bucket, Key=key, **self._checksum_args
            )
        except (bce.BotoCoreError, bce.ClientError, OSError) as exc:
            self._raise(exc, "start multipart upload of", key)
        upload_id = str(created["UploadId"])
        parts = _plan_parts(payload.size, self.part_size)
        self.listeners.emit("multipart-create", key, f"{len(parts)} parts", payload.size)
        try:
            etags = self._upload_parts(
                key, upload_id, payload, parts, lambda: self._abort_leftovers(key, upload_id)
            )
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [etags[n] for n in sorted(etags)]},
                **({"IfNoneMatch": "*"} if exclusive else {}),
            )
        except BaseException as exc:
            self._abort(key, upload_id)
            if isinstance(exc, bce.ClientError):
                if exclusive and self._is_precondition_failed(exc):
                    self._settle_existing(key, payload, exc)
                    return
                self._raise(exc, "upload", key)
            if isinstance(exc, (bce.BotoCoreError, OSError)):
                self._raise(exc, "upload", key)
            raise
        self.listeners.emit("multipart-complete", key, f"{len(parts)} parts", payload.size)

    def _upload_parts(
        self,
        key: str,
        upload_id: str,
        payload: Payload,
        parts: Sequence[_Part],
        cleanup: Callable[[], None],
    ) -> dict[int, dict[str, Any]]:
        """Upload every part concurrently; stop scheduling at the first failure.

        All in-flight parts are waited for before returning or raising, so that an
        abort that follows cannot race a part still being stored (S3 would keep it).
        ``cleanup`` (best effort, never failing) runs beside the parts, not before
        them: it costs the upload no round trip.
        """
        etags: dict[int, dict[str, Any]] = {}
        total = len(parts)
        pool = ThreadPoolExecutor(
            max_workers=min(self.max_concurrency, total) + 1, thread_name_prefix="s3-part"
        )
        try:
            pool.submit(cleanup)  # waited for by the shutdown below
            pending: set[Future[tuple[_Part, dict[str, Any]]]] = {
                pool.submit(self._upload_part, key, upload_id, payload, part) for part in parts
            }
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    part, etag = future.result()  # re-raises the part's failure
                    etags[part.number] = etag
                    self.listeners.emit(
                        "multipart-part", key, f"{part.number}/{total}", part.length
                    )
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return etags

    def _upload_part(
        self, key: str, upload_id: str, payload: Payload, part: _Part
    ) -> tuple[_Part, dict[str, Any]]:
        # Each worker streams its own slice of the spooled file through its own
        # handle (s3transfer's ReadFileChunk, as boto3's upload_file does): no shared
        # file position, no part-sized copy in memory, and botocore rewinds it to
        # the slice's start to resend on a retry.
        with contextlib.ExitStack() as stack:
            body: Any
            if payload.data is not None:
                body = payload.data[part.offset : part.offset + part.length]
                size = len(payload.data)
            else:
                assert payload.path is not None
                handle = stack.enter_context(open(payload.path, "rb"))
                size = os.fstat(handle.fileno()).st_size
                handle.seek(part.offset)
                body = ReadFileChunk(handle, part.length, size, enable_callbacks=False)
            available = max(0, min(part.length, size - part.offset))
            if available != part.length:
                raise SinkError(
                    f"payload for '{key}' changed while uploading: part {part.number} "
                    f"has {available} of {part.length} bytes [FS-6.2]"
                )
            response = self._client.upload_part(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=part.number,
                Body=body,
                ContentLength=part.length,
                **self._checksum_args,
            )
        completed: dict[str, Any] = {"PartNumber": part.number, "ETag": str(response["ETag"])}
        if "ChecksumCRC32" in response:
            completed["ChecksumCRC32"] = response["ChecksumCRC32"]
        return part, completed

    def _abort_leftovers(self, key: str, current: str) -> None:
        """Abort uploads of ``key`` that a killed run could not abort (best effort, FS-6.2).

        Feed keys are unique per batch and a batch's runs are serialised by the
        batch journal's lock, so a pending upload of this exact key, other than
        ``current`` (this put's own), is a leftover.
        """
        try:
            listing = self._client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
        except (bce.BotoCoreError, bce.ClientError, OSError):
            return  # e.g. no s3:ListBucketMultipartUploads: the upload itself still works
        for upload in listing.get("Uploads", []):
            if upload.get("Key") == key and upload.get("UploadId") not in (None, "", current):
                self._abort(key, str(upload["UploadId"]), "left over by an interrupted run")

    def _abort(self, key: str, upload_id: str, why: str = "") -> None:
        """Best effort: the original failure matters more than a failed cleanup."""
        try:
            self._client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            detail = f"aborted ({why})" if why else "aborted"
        except (bce.BotoCoreError, bce.ClientError, OSError) as exc:
            code = _error_code(exc) if isinstance(exc, bce.ClientError) else type(exc).__name__
            detail = f"abort failed ({code}); upload {upload_id} may need a lifecycle rule"
        with contextlib.suppress(Exception):
            self.listeners.emit("multipart-abort", key, detail)

    # -- write-once ------------------------------------------------------------------

    @staticmethod
    def _is_precondition_failed(exc: bce.ClientError) -> bool:
        return _error_code(exc) == "PreconditionFailed" or _http_status(exc) == 412

    def _settle_existing(self, key: str, payload: Payload, cause: BaseException) -> None:
        """After a refused exclusive write: same bytes is a retry, other bytes a conflict."""
        if self._existing_matches(key, payload):
            return
        raise AlreadyExistsError(
            f"{self.label}/{key} already exists with different content; "
            "control files are write-once [FS-6.3]"
        ) from cause

    def _existing_matches(self, key: str, payload: Payload) -> bool:
        """Whether ``key`` holds exactly ``payload`` (False when it does not exist).

        Compared byte for byte, streaming: an ETag is not an MD5 for multipart or
        KMS-encrypted objects, so it cannot settle the question.
        """
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except bce.ClientError as exc:
            if _error_code(exc) in _NOT_FOUND_CODES or _http_status(exc) == 404:
                return False
            self._raise(exc, "read back", key)
        except (bce.BotoCoreError, OSError) as exc:
            self._raise(exc, "read back", key)
        try:
            with contextlib.closing(response["Body"]) as remote, payload.open() as local:
                if int(response.get("ContentLength", -1)) != payload.size:
                    return False
                while True:
                    theirs = remote.read(_COMPARE_CHUNK)
                    ours = local.read(_COMPARE_CHUNK)
                    if theirs != ours:
                        return False
                    if not ours:
                        break
        except (bce.BotoCoreError, OSError) as exc:
            self._raise(exc, "read back", key)
        self.listeners.emit("skip-existing", key, "identical object already stored", payload.size)
        return True

    # -- errors ---------------------------------------------------------------------

    def _check_bucket(self, key: str) -> None:
        if self._bucket_checked:
            return
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except bce.ClientError as exc:
            if _error_code(exc) in _NOT_FOUND_CODES or _http_status(exc) == 404:
                raise self._missing_bucket() from exc
            self._raise(exc, "check", key)
        except (bce.BotoCoreError, OSError) as exc:
            self._raise(exc, "check", key)
        self._bucket_checked = True

    def _missing_bucket(self) -> SinkError:
        return SinkError(
            f"bucket '{self.bucket}' does not exist at {self._endpoint}; "
            "create it or fix the feed's host [FS-1]"
        )

    def _raise(self, exc: BaseException, action: str, key: str) -> NoReturn:
        """Translate a library failure at the edge; the cause stays chained for debugging."""
        raise self._translate(exc, action, key) from exc

    def _translate(self, exc: BaseException, action: str, key: str) -> SinkError:
        where = f"{self.label}/{key}" if key and key != "/" else self.label
        if isinstance(exc, SinkError):
            return exc
        if isinstance(exc, (bce.NoCredentialsError, bce.PartialCredentialsError)):
            return AuthError(f"cannot {action} {where}: {_NO_CREDENTIALS_HINT}")
        if isinstance(exc, bce.ClientError):
            code, status = _error_code(exc), _http_status(exc)
            if code == "NoSuchBucket":
                return self._missing_bucket()
            if code in _AUTH_CODES or status == 403:
                # The server's message is left out on purpose: for signature errors
                # it echoes the string-to-sign and the access key id.
                return AuthError(
                    f"S3 at {self._endpoint} refused the credentials to {action} {where} "
                    f"({code}); check the AWS credential chain and the bucket policy"
                )
            message = _one_line(str(exc.response.get("Error", {}).get("Message", "")))
            detail = f"{code}, HTTP {status}" + (f": {message}" if message else "")
            if code in _TRANSIENT_CODES or status >= 500 or status == 429:
                return TransientSinkError(f"S3 failed to {action} {where} ({detail}); retry later")
            return SinkError(f"S3 refused to {action} {where} ({detail})")
        if isinstance(
            exc,
            (
                bce.EndpointConnectionError,
                bce.ConnectionClosedError,
                bce.ConnectTimeoutError,
                bce.ReadTimeoutError,
                bce.HTTPClientError,
            ),
        ):
            return TransientSinkError(
                f"cannot reach S3 at {self._endpoint} to {action} {where} "
                f"({type(exc).__name__}); retry later"
            )
        if isinstance(exc, bce.BotoCoreError):
            return SinkError(f"cannot {action} {where}: {_redact(_one_line(str(exc)))}")
        if isinstance(exc, OSError):
            return SinkError(
                f"cannot {action} {where}: local payload unreadable "
                f"({type(exc).__name__}: {exc.strerror or exc})"
            )
        return SinkError(f"cannot {action} {where}: {type(exc).__name__}")


_SECRETISH = re.compile(r"(?i)(secret|token|password|signature|credential)[^\s,;]*\s*[=:]\s*\S+")


def _redact(text: str) -> str:
    """Belt and braces for botocore messages we pass through verbatim."""
    return _SECRETISH.sub(r"\1=***", text)
