"""A real S3 endpoint on 127.0.0.1: moto's server app behind werkzeug, on its own thread.

Why moto's *server* and not its in-memory decorator: the feed writer, the aws CLI
and the TUI must all talk plain HTTP to the same endpoint, exactly as they would to
AWS, so signing, path-style addressing, multipart and conditional writes are
exercised for real.

Every write is reported through :class:`~mock_targets.reports.Reporter` as it
happens, by wrapping moto's WSGI app: the wrapper sees each request after moto
has handled it and so knows the HTTP status it answered with. The same wrapper
is the fault-injection seam: :attr:`MockS3Server.faults` (an
:class:`~mock_targets.faults.S3Faults`) sees each request before moto does and
may answer it with an S3 error instead (see :mod:`mock_targets.faults`).

Requests are authenticated as on AWS (:mod:`mock_targets.s3auth`): only the
server's own credentials (:attr:`MockS3Server.access_key_id` and a secret drawn
per server), and any granted with :meth:`MockS3Server.allow`, are accepted;
anonymous, unsigned and wrongly signed requests are refused.

moto keeps its state in process-global backends. To keep two servers in one
process (a test session and a TUI, say) from seeing each other's buckets in
listings or wiping each other on :meth:`MockS3Server.reset`, each server pins
its requests to its own moto account id. Bucket names stay global across
accounts, as they are on AWS.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from mock_targets import s3auth
from mock_targets.access import S3Access
from mock_targets.faults import S3Error, S3Faults, S3Request
from mock_targets.lifecycle import Startable
from mock_targets.reports import Operation, Reporter, Subscriber

__all__ = ["FAKE_ACCESS_KEY_ID", "MockS3Server"]

#: The access key id of every mock server (its secret is drawn per server).
FAKE_ACCESS_KEY_ID = "feedlab"

# Quiet servers log here instead of stderr (a TUI's screen); the NullHandler keeps
# Python's last-resort handler from printing when the app configured no logging.
_logger = logging.getLogger(__name__)
_logger.addHandler(logging.NullHandler())

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# Query parameters that turn a PUT/DELETE on an object or bucket into a change of
# a sub-resource (tags, ACL, lifecycle...) rather than a write of data. Those are
# not reported: subscribers care about objects appearing and disappearing.
_OBJECT_PLAIN_PARAMS = {"versionId", "x-id"}


def _path_of(environ: dict[str, Any]) -> str:
    """PATH_INFO is WSGI latin-1 text; keys are UTF-8, so re-decode it."""
    raw = str(environ.get("PATH_INFO", ""))
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def _body_size(environ: dict[str, Any]) -> int | None:
    """The payload size, not the wire size: aws-chunked bodies carry signatures."""
    for name in ("HTTP_X_AMZ_DECODED_CONTENT_LENGTH", "CONTENT_LENGTH"):
        value = environ.get(name)
        if value:
            try:
                return int(value)
            except ValueError:
                return None
    return None


class _Request:
    """The parts of a path-style S3 request the reporter needs."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = _path_of(environ).lstrip("/")
        self.bucket, _, self.key = path.partition("/")
        self.query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        self.size = _body_size(environ)
        self.copy_source = environ.get("HTTP_X_AMZ_COPY_SOURCE")

    def only_plain_params(self) -> bool:
        return all(name in _OBJECT_PLAIN_PARAMS for name in self.query)

    def classify(self) -> str | None:
        """The report op for this request, or None when it writes nothing we report."""
        m, q = self.method, self.query
        if not self.bucket or self.bucket.startswith("moto-api"):
            return None
        if not self.key:
            if m == "PUT" and not q:
                return "create-bucket"
            if m == "DELETE" and not q:
                return "delete-bucket"
            if m == "POST" and "delete" in q:
                return "delete-objects"
            return None
        if m == "PUT":
            if "partNumber" in q and "uploadId" in q:
                return "multipart-part"
            return "put" if self.only_plain_params() else None
        if m == "POST":
            if "uploads" in q:
                return "multipart-create"
            if "uploadId" in q:
                return "multipart-complete"
            return None
        if m == "DELETE":
            if "uploadId" in q:
                return "multipart-abort"
            return "delete" if self.only_plain_params() else None
        return None

    def operation(self) -> str:
        """The S3 API operation name, as fault hooks match it."""
        m, q = self.method, self.query
        if not self.key:
            if m == "GET" and "uploads" in q:
                return "ListMultipartUploads"
            if m == "GET":
                return "ListObjectsV2"
            return "Other"
        if m == "PUT":
            if "partNumber" in q and "uploadId" in q:
                return "UploadPart"
            return "PutObject" if self.only_plain_params() else "Other"
        if m == "POST":
            if "uploads" in q:
                return "CreateMultipartUpload"
            if "uploadId" in q:
                return "CompleteMultipartUpload"
            return "Other"
        if m == "DELETE":
            return "AbortMultipartUpload" if "uploadId" in q else "DeleteObject"
        if m == "HEAD":
            return "HeadObject"
        if m == "GET":
            return "GetObject" if self.only_plain_params() else "Other"
        return "Other"

    def part_number(self) -> int | None:
        try:
            return int(self.query["partNumber"][0])
        except (KeyError, IndexError, ValueError):
            return None


def _deleted_keys(body: bytes) -> list[str]:
    """Keys named in a DeleteObjects request body (namespace-agnostic)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return []
    keys: list[str] = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Key" and element.text is not None:
            keys.append(element.text)
    return keys


class _ReportingApp:
    """WSGI middleware: pin the moto account, run moto, report the write."""

    def __init__(
        self,
        inner: WSGIApp,
        reporter: Reporter,
        account_id: str,
        object_size: Callable[[str, str], int | None],
        faults: Callable[[], S3Faults | None] = lambda: None,
    ) -> None:
        self._inner = inner
        self._reporter = reporter
        self._account_id = account_id
        self._object_size = object_size
        self._faults = faults

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = self._account_id
        request = _Request(environ)
        op = request.classify()
        refused = s3auth.refusal(environ, request.bucket)
        if refused is not None:
            return self._fail(environ, start_response, request, op, refused)
        faults = self._faults()
        if faults is not None and request.bucket and not request.bucket.startswith("moto-api"):
            error = faults.before(
                S3Request(
                    request.operation(),
                    request.bucket,
                    request.key,
                    request.part_number(),
                    request.size,
                )
            )
            if error is not None:
                return self._fail(environ, start_response, request, op, error)
        deleted: list[str] = []
        if op == "delete-objects":
            # The batch body names the keys; buffer it (small XML) and hand moto a copy.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            deleted = _deleted_keys(body)

        status: list[int] = []

        def recording_start_response(
            status_line: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            try:
                status.append(int(status_line.split(" ", 1)[0]))
            except ValueError:
                status.append(0)
            return start_response(status_line, headers, exc_info)

        try:
            result = self._inner(environ, recording_start_response)
        except BaseException:
            if op is not None:
                self._report(op, request, 500, deleted)
            raise
        if op is not None:
            self._report(op, request, status[-1] if status else None, deleted)
        return result

    def _fail(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        request: _Request,
        op: str | None,
        error: S3Error,
    ) -> Iterable[bytes]:
        """Answer with an injected S3 error; moto never sees the request."""
        _drain(environ)
        body = error.body(f"/{request.bucket}/{request.key}", secrets.token_hex(8).upper())
        reason = {
            400: "Bad Request",
            403: "Forbidden",
            404: "Not Found",
            500: "Internal Server Error",
            503: "Slow Down",
        }
        start_response(
            f"{error.status} {reason.get(error.status, 'Error')}",
            [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
        )
        if op is not None:
            self._report(op, request, error.status, [])
        return [body]

    def _report(self, op: str, request: _Request, status: int | None, deleted: list[str]) -> None:
        ok = status is not None and 200 <= status < 300
        if op == "delete-objects":
            for key in deleted:
                self._emit("delete", key, None, request.bucket, status)
            return
        size = request.size
        if op == "multipart-complete" or (op == "put" and request.copy_source):
            size = self._object_size(request.bucket, request.key) if ok else None
        elif op != "multipart-part" and op != "put":
            size = None  # no body worth reporting (create, abort, delete)
        self._emit(op, request.key, size, request.bucket, status)

    def _emit(self, op: str, key: str, size: int | None, bucket: str, status: int | None) -> None:
        self._reporter.report(
            Operation(server="s3", op=op, key=key, size=size, bucket=bucket, status=status)
        )


def _drain(environ: dict[str, Any], chunk: int = 1 << 20) -> None:
    """Read a request body we answer without moto, so the kept-alive connection stays in sync."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    try:
        if length > 0:
            while length > 0:
                data = stream.read(min(chunk, length))
                if not data:
                    break
                length -= len(data)
        elif environ.get("wsgi.input_terminated"):
            while stream.read(chunk):
                pass
    except Exception:  # a client that went away: nothing left to keep in sync
        pass


def _quiet_log(type_: str, message: str, *args: Any) -> None:
    """werkzeug's output, routed to logging: requests at DEBUG, failures at ERROR."""
    level = logging.DEBUG if type_ == "info" else logging.ERROR
    _logger.log(level, message.rstrip(), *args)


def _make_handler(quiet: bool) -> type:
    """A per-server request handler class (werkzeug mutates its protocol_version)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class Handler(MotoRequestHandler):
        def log(self, type: str, message: str, *args: Any) -> None:
            if quiet:
                _quiet_log(type, f"{self.address_string()} {message}", *args)
            else:
                super().log(type, message, *args)

    return Handler


def _make_dispatcher() -> Any:
    """moto's host dispatcher, remembering which backend serves which host.

    moto looks the host up afresh on every request: a listing of its package
    folder and a stat of each of its ~180 service folders, under a lock that
    every request thread shares. The answer for a host never changes while the
    process runs, so it is worked out once per host.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    class Dispatcher(DomainDispatcherApplication):
        def __init__(self) -> None:
            super().__init__(create_backend_app)
            self._backend_of: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            try:
                return self._backend_of[host]
            except KeyError:
                backend = super().get_backend_for_host(host)
                if len(self._backend_of) < 64:  # hosts come from requests: stay bounded
                    self._backend_of[host] = backend
                return backend

    return Dispatcher()


def _make_server_class(quiet: bool) -> type:
    """werkzeug's threaded server; quiet ones log moto's tracebacks instead of printing."""
    from werkzeug.serving import ThreadedWSGIServer

    class Server(ThreadedWSGIServer):
        def log(self, type: str, message: str, *args: Any) -> None:
            if quiet:
                _quiet_log(type, message, *args)
            else:
                super().log(type, message, *args)

    return Server


class MockS3Server(Startable, S3Access):
    """moto's S3 on a local port, reporting writes; start/stop or use as a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        quiet: bool = True,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.region = region
        self.quiet = quiet
        self.access_key_id = FAKE_ACCESS_KEY_ID
        self.secret_access_key = secrets.token_urlsafe(30)
        #: Further credentials this server accepts (:meth:`allow`).
        self._granted: list[tuple[str, str, str | None]] = []
        self.reporter = Reporter()
        #: Fault-injection hook (:mod:`mock_targets.faults`); may be set or changed any time.
        self.faults: S3Faults | None = None
        # A private moto account (12 digits, never the default 123456789012).
        self.account_id = f"9{secrets.randbelow(10**11):011d}"
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> MockS3Server:
        """Bind, listen and serve; returns once the socket accepts connections.

        The socket is bound and listening before this returns (connections queue
        in its backlog until the serving thread picks them up), and a taken port
        raises :class:`OSError` here, on the caller's thread.
        """
        with self._lock:
            if self._server is not None:
                return self
            app = _ReportingApp(
                _make_dispatcher(),
                self.reporter,
                self._moto_account(),
                self._object_size,
                lambda: self.faults,
            )
            self._grant_all()
            listener = self._listen()
            try:
                server = _make_server_class(self.quiet)(
                    self.host,
                    self._requested_port,
                    app,
                    handler=_make_handler(self.quiet),
                    fd=listener.fileno(),  # werkzeug serves a duplicate of it
                )
            finally:
                listener.close()
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"mock-s3:{server.server_address[1]}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
            s3auth.require_auth(True)
        return self

    def allow(
        self, access_key_id: str, secret_access_key: str, session_token: str | None = None
    ) -> None:
        """Accept these credentials too (with a session token: as temporary credentials)."""
        self._granted.append((access_key_id, secret_access_key, session_token))
        if self.running:
            self._grant_all()

    def _grant_all(self) -> None:
        account = self._moto_account()
        s3auth.grant(account, self.region, self.access_key_id, self.secret_access_key)
        for access_key_id, secret, token in self._granted:
            s3auth.grant(account, self.region, access_key_id, secret, token)

    def _listen(self) -> socket.socket:
        """Bind ourselves: werkzeug turns a taken port into ``sys.exit(1)``."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._requested_port))
            sock.listen(128)
        except OSError as exc:
            sock.close()
            raise OSError(
                exc.errno,
                f"mock S3 cannot listen on {self.host}:{self._requested_port}: {exc.strerror}",
            ) from exc
        return sock

    def stop(self) -> None:
        """Stop serving and release the port (idempotent).

        Stored objects are kept (moto's state outlives the server): call
        :meth:`reset` to drop them.
        """
        with self._lock:
            server, thread = self._server, self._thread
            self._server, self._thread = None, None
        if server is None:
            return
        s3auth.require_auth(False)
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=10)

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- addresses and credentials --------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("MockS3Server is not running: call start() first")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def __repr__(self) -> str:
        where = self.endpoint_url if self.running else "stopped"
        return (
            f"MockS3Server({where}, region={self.region!r}, "
            f"access_key_id={self.access_key_id!r}, secret_access_key='***')"
        )

    # -- state -------------------------------------------------------------------

    def reset(self) -> None:
        """Drop every bucket, object and pending multipart upload of this server."""
        from moto.s3.models import s3_backends

        account = s3_backends[self._moto_account()]
        account.reset()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Shortcut for ``reporter.subscribe``; returns the unsubscribe function."""
        return self.reporter.subscribe(callback)

    # -- internals ---------------------------------------------------------------

    def _moto_account(self) -> str:
        # moto lets MOTO_ACCOUNT_ID override any per-request account; follow it.
        return os.environ.get("MOTO_ACCOUNT_ID") or self.account_id

    def _object_size(self, bucket: str, key: str) -> int | None:
        """Size of a stored object, read from moto directly (no request, no report)."""
        try:
            from moto.s3.models import s3_backends
            from moto.utilities.utils import get_partition

            backend = s3_backends[self._moto_account()][get_partition(self.region)]
            obj = backend.get_object(bucket, key)
            return None if obj is None else int(obj.size)
        except Exception:  # a report without a size beats a failed request
            return None
