"""Shared pieces of the reliability tests (FS-6): targets with fault plans, audits, the matrix.

A *target* wraps one mock server (SFTP, or S3 behind a :class:`TCPProxy`) with a
:class:`FaultPlan` installed, makes sinks for it, and reads back everything it
holds. :func:`audit` turns that into the numbers the fault matrix reports:
lost and duplicated contacts, orphan control files, partial files visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import asyncssh

from feedcore import naming
from feedcore.config import FeedConfig, dumps_config, parse_config
from feedcore.events import Event, dump_event
from feedcore.retry import RetryPolicy
from feedcore.sinks.base import Sink, SinkEvent
from feedcore.sinks.memory import MemorySink
from feedcore.verify import verify_location
from feedcore.verify.layout import classify
from feedcore.writer import BatchNames, FeedWriter
from mock_targets.faults import FaultPlan
from mock_targets.proxy import TCPProxy
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

MiB = 1024 * 1024
SEED = 7
AT = datetime(2026, 11, 27, 3, 0, 0, tzinfo=UTC)
#: The configured SFTP host (names and URLs); connections go to the mock via connect_*.
SFTP_HOST = "sftp.acme.example"
SFTP_PORT = 2222
#: Attempts of the writer's retry policy in these tests (it never sleeps).
ATTEMPTS = 3
MATRIX_ENV = "FEEDLAB_FAULT_MATRIX"


def feed_config(target: str, host: str, fmt: str = "csv", **feed: Any) -> FeedConfig:
    """A small feed with variants (so rows carry actions) and one hostile-text context."""
    return parse_config(
        {
            "client": "acme",
            "flow": {
                "id": 1234,
                "name": "Welcome Series",
                "segment": "New signups",
                "actions": ["email_welcome"],
                "variants": [
                    {"name": "A", "weight": 50, "actions": ["email_a", "facebook_audience"]},
                    {"name": "B", "weight": 50, "actions": ["email_b"]},
                ],
            },
            "feed": {
                "format": fmt,
                "target": target,
                "host": host,
                "path": "exports/daily",
                "contexts": [{"name": "first_name", "value": "{{ contact.first_name }}"}],
                **feed,
            },
        }
    )


_NAMES = ["Ann", 'O"Brien, Jr.', "tab\there", "line\nbreak", "Zoë 🎉", "שלום"]


def make_events(batch: int = 0, enters: int = 8, exits: int = 3, pad: int = 0) -> list[Event]:
    """Deterministic events with unique addresses ``b{batch}c{i}@example.com``.

    ``pad`` adds that many characters to each first name (for large files).
    """
    events: list[Event] = []
    variants: list[str | None] = ["A", "B", None]
    for i in range(enters + exits):
        name = _NAMES[i % len(_NAMES)] + ("x" * pad)
        events.append(
            Event(
                "enter" if i < enters else "exit",
                f"b{batch}c{i}@example.com",
                variants[i % 3],
                {"first_name": name, "plan": "pro"},
            )
        )
    return events


def expected_contacts(events: Iterable[Event]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {op: Counter() for op in naming.OPERATIONS}
    for event in events:
        out[event.operation][event.email.strip()] += 1
    return out


def reference_files(
    config: FeedConfig, events: Sequence[Event], seed: int | str = SEED, at: datetime = AT
) -> dict[str, bytes]:
    """What a fault-free export writes (same names and bytes, whatever the sink)."""
    sink = MemorySink()
    FeedWriter(config, sink, seed=seed).export(list(events), at=at)
    return dict(sink.objects)


def writer(config: FeedConfig, sink: Sink, seed: int | str = SEED) -> FeedWriter:
    return FeedWriter(config, sink, seed=seed, retry=RetryPolicy.immediate(ATTEMPTS))


# -- targets -------------------------------------------------------------------------


class Target(Protocol):
    name: str
    config: FeedConfig
    faults: FaultPlan

    def sink(self, **overrides: Any) -> Sink: ...

    def files(self) -> dict[str, bytes]: ...

    def pending_uploads(self) -> list[str]: ...

    def close(self) -> None: ...


class SFTPTarget:
    """The mock SFTP server with a fault plan; sinks use 512-byte writes (many requests)."""

    name = "sftp"

    def __init__(self, server: MockSFTPServer, fmt: str = "csv") -> None:
        self.server = server
        self.faults = FaultPlan()
        server.faults = self.faults
        self.config = feed_config("sftp", f"{SFTP_HOST}:{SFTP_PORT}", fmt)
        self._sinks: list[Any] = []
        self.proxy: TCPProxy | None = None
        self._proxy_known_hosts: Path | None = None

    def use_proxy(self) -> TCPProxy:
        """Route new sinks through a TCPProxy (to reset the TCP connection mid-transfer)."""
        from mock_targets.sftp import known_hosts_entry

        if self.proxy is None:
            self.proxy = TCPProxy(self.server.host, self.server.port).start()
            # Host keys are matched against the address dialled: the proxy's.
            entry = known_hosts_entry("127.0.0.1", self.proxy.port, self.server.host_key)
            self._proxy_known_hosts = self.server.workdir / "known_hosts_via_proxy"
            self._proxy_known_hosts.write_text(entry + "\n", encoding="ascii")
        return self.proxy

    def sink(self, **overrides: Any) -> Sink:
        from feedcore.sinks.sftp import SFTPSink

        via = self.proxy
        options: dict[str, Any] = {
            "username": self.server.username,
            "known_hosts": self._proxy_known_hosts if via else self.server.known_hosts_file,
            "client_key": self.server.private_key_file,
            "connect_host": self.server.host,
            "connect_port": via.port if via else self.server.port,
            "timeout": 10.0,
            "block_size": 512,
            "max_requests": 4,
        }
        options.update(overrides)
        sink = SFTPSink(SFTP_HOST, SFTP_PORT, **options)
        self._sinks.append(sink)
        return sink

    def files(self) -> dict[str, bytes]:
        root = self.server.root
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    def pending_uploads(self) -> list[str]:
        return []

    def restart(self) -> None:
        self.server.stop()
        self.server.start()

    def close(self) -> None:
        self.faults.clear()
        for sink in self._sinks:
            sink.close()
        if self.proxy is not None:
            self.proxy.stop()
        self.server.faults = None


class S3Target:
    """A bucket on the mock S3 server, reached through a TCPProxy (to cut connections).

    Sinks switch to a multipart upload above 1 KiB, so data files go multipart
    (one part each) and control files single PUT; botocore does not retry
    (``max_attempts=1``) unless asked, so the writer's policy does.
    """

    name = "s3"

    def __init__(self, server: MockS3Server, bucket: str, fmt: str = "jsonl") -> None:
        self.server = server
        self.bucket = bucket
        self.faults = FaultPlan()
        server.faults = self.faults
        self.proxy = TCPProxy("127.0.0.1", server.port).start()
        self.config = feed_config("s3", bucket, fmt)
        self._sinks: list[Any] = []
        self._client = server.client()
        # One session for every sink: a new one re-parses botocore's S3 model (~0.1 s).
        self._session = server.session()
        self._read: dict[tuple[str, str, int], bytes] = {}

    def sink(self, **overrides: Any) -> Sink:
        from feedcore.sinks.s3 import S3Sink

        options: dict[str, Any] = {
            "endpoint_url": self.proxy.endpoint_url,
            "session": self._session,
            "multipart_threshold": 1024,
            "part_size": 5 * MiB,
            "max_attempts": 1,
        }
        options.update(overrides)
        sink = S3Sink(self.bucket, **options)
        self._sinks.append(sink)
        return sink

    def files(self) -> dict[str, bytes]:
        """Every object, as a consumer lists and reads it (unchanged ETags are not re-read)."""
        out: dict[str, bytes] = {}
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])
                seen = (key, str(item["ETag"]), int(item["Size"]))
                if seen not in self._read:
                    body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                    self._read[seen] = body
                out[key] = self._read[seen]
        return out

    def empty(self) -> None:
        """Drop the bucket's objects and uploads (moto's reset), then recreate the bucket."""
        self.server.reset()
        self._read.clear()
        self._client.create_bucket(Bucket=self.bucket)

    def pending_uploads(self) -> list[str]:
        listing = self._client.list_multipart_uploads(Bucket=self.bucket)
        return [str(u["Key"]) for u in listing.get("Uploads", [])]

    def close(self) -> None:
        self.faults.clear()
        for sink in self._sinks:
            sink.close()
        self.proxy.stop()
        self._client.close()
        self.server.faults = None


class LocalTarget:
    """A ``--to-dir`` folder (LocalSink): the same protocol on a local disk."""

    name = "local"

    def __init__(self, base: Path) -> None:
        self.base = base
        self.faults = FaultPlan()  # nothing to inject into; kept for the Target shape
        self.config = feed_config("s3", "acme-data-feeds", "tsv")
        self.root = base / self.config.feed.hostname

    def sink(self, **overrides: Any) -> Sink:
        from feedcore.sinks.local import LocalSink

        return LocalSink(self.root, **overrides)

    def files(self) -> dict[str, bytes]:
        if not self.root.is_dir():
            return {}
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }

    def pending_uploads(self) -> list[str]:
        return []

    def close(self) -> None:
        pass


# -- audit ---------------------------------------------------------------------------


def contacts_in(files: dict[str, bytes], config: FeedConfig) -> dict[str, Counter[str]]:
    """Identifiers of the ``data_feed`` rows of every data file, per operation."""
    out: dict[str, Counter[str]] = {op: Counter() for op in naming.OPERATIONS}
    for key, data in files.items():
        if classify(key) != "data":
            continue
        parsed = naming.parse_data_name(key.rpartition("/")[2])
        assert parsed is not None, key
        for row in parse_rows(data, config.feed.format):
            if row["action"] == "data_feed":
                out[parsed.operation][str(row["identifier"])] += 1
    return out


def data_feed_rows(root: Path, fmt: str) -> int:
    """The ``data_feed`` rows (one per exported contact) of every data file under ``root``."""
    return sum(
        1
        for path in root.rglob(f"*.{fmt}")
        for row in parse_rows(path.read_bytes(), fmt)
        if row["action"] == "data_feed"
    )


@contextlib.contextmanager
def sftp_session(server: MockSFTPServer) -> Iterator[tuple[Any, asyncio.AbstractEventLoop]]:
    """An asyncssh SFTP client logged in to ``server`` with its client key, on its own loop."""
    loop = asyncio.new_event_loop()
    conn = loop.run_until_complete(
        asyncssh.connect(
            server.host,
            server.port,
            username=server.username,
            client_keys=[str(server.private_key_file)],
            known_hosts=str(server.known_hosts_file),
            agent_path=None,
            config=None,
        )
    )
    try:
        yield loop.run_until_complete(conn.start_sftp_client()), loop
    finally:
        conn.close()
        loop.run_until_complete(conn.wait_closed())
        loop.close()


def parse_rows(data: bytes, fmt: str) -> list[dict[str, Any]]:
    text = data.decode("utf-8")
    if fmt == "jsonl":
        return [json.loads(line) for line in text.split("\n") if line]
    dialect = "excel-tab" if fmt == "tsv" else "excel"
    return list(csv.DictReader(io.StringIO(text, newline=""), dialect=dialect))


@dataclass
class Audit:
    """What a location holds, in the fault matrix's terms."""

    data_files: int = 0
    control_files: int = 0
    partials: list[str] = field(default_factory=list)
    pending_uploads: list[str] = field(default_factory=list)
    orphan_controls: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0

    @property
    def partial_visible(self) -> int:
        return len(self.partials) + len(self.pending_uploads)

    @property
    def clean(self) -> bool:
        return (
            not self.findings
            and self.lost == 0
            and self.duplicated == 0
            and not self.orphan_controls
            and self.partial_visible == 0
        )


def audit(
    files: dict[str, bytes],
    config: FeedConfig,
    expected: dict[str, Counter[str]],
    pending_uploads: Sequence[str] = (),
) -> Audit:
    result = Audit(pending_uploads=list(pending_uploads))
    kinds = {key: classify(key) for key in files}
    data = {k for k, kind in kinds.items() if kind == "data"}
    result.data_files = len(data)
    result.control_files = sum(1 for kind in kinds.values() if kind == "control")
    result.partials = sorted(k for k, kind in kinds.items() if kind == "partial")
    for key, kind in kinds.items():
        if kind == "control":
            folder, _, name = key.rpartition("/")
            stem = naming.data_stem_of_control(name)
            if not any(f"{folder}/{stem}.{ext}" in data for ext in naming.FORMATS):
                result.orphan_controls.append(key)
    view = MemorySink()
    view.objects = dict(files)
    result.findings = [str(f) for f in verify_location(view, "", config)]
    found = contacts_in(files, config)
    for op in naming.OPERATIONS:
        for contact, count in expected[op].items():
            seen = found[op][contact]
            result.lost += max(0, count - seen)
            result.duplicated += max(0, seen - count)
        result.duplicated += sum(n for c, n in found[op].items() if c not in expected[op])
    return result


def retry_events(events: Iterable[SinkEvent]) -> list[SinkEvent]:
    return [e for e in events if e.action == "retry"]


# -- the fault matrix ------------------------------------------------------------------


@dataclass
class MatrixRow:
    target: str
    fault: str
    injected: int
    outcome: str
    lost: int
    duplicated: int
    orphan_control: int
    partial_visible: int
    test: str


class FaultMatrix:
    """Rows recorded by the FS-6.3 tests; written as JSON when ``FEEDLAB_FAULT_MATRIX`` is set."""

    def __init__(self) -> None:
        self.rows: list[MatrixRow] = []

    def record(
        self, *, target: str, fault: str, injected: int, outcome: str, audit: Audit, test: str
    ) -> None:
        self.rows.append(
            MatrixRow(
                target=target,
                fault=fault,
                injected=injected,
                outcome=outcome,
                lost=audit.lost,
                duplicated=audit.duplicated,
                orphan_control=len(audit.orphan_controls),
                partial_visible=audit.partial_visible,
                test=test,
            )
        )

    def write(self, path: str | Path) -> None:
        rows = [asdict(row) for row in self.rows]
        Path(path).write_text(json.dumps({"rows": rows}, indent=2) + "\n", encoding="utf-8")

    def write_if_requested(self) -> None:
        path = os.environ.get(MATRIX_ENV)
        if path and self.rows:
            self.write(path)


def batch_time(n: int) -> datetime:
    """Distinct export times for distinct batches (so their names never collide)."""
    return AT + timedelta(minutes=n)


# -- the command line ------------------------------------------------------------------


#: The test-only entry point whose ``feedlab`` SIGKILLs itself after the first data file.
CRASH_AFTER_DATA = Path(__file__).with_name("crash_after_data.py")


def feedlab_command(crash_after_data: bool = False) -> list[str]:
    if crash_after_data:
        return [sys.executable, str(CRASH_AFTER_DATA)]
    script = Path(sys.executable).with_name("feedlab")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from feedlab.cli import entry; entry()"]


def run_feedlab(
    *args: str | Path,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
    crash_after_data: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``feedlab ARGS`` in a real subprocess (the journal goes to ``$FEEDLAB_STATE_DIR``).

    With ``crash_after_data`` the process kills itself (SIGKILL) right after its
    first data file is stored (:mod:`crash_after_data`, a test-only entry point).
    """
    return subprocess.run(
        [*feedlab_command(crash_after_data), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def start_feedlab(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*feedlab_command(), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def write_inputs(
    tmp: Path, config: FeedConfig, events: Iterable[Event], name: str = "feed"
) -> tuple[Path, Path]:
    """The config as TOML and the events as JSON Lines, for a ``feedlab publish``."""
    config_path = tmp / f"{name}.toml"
    config_path.write_text(dumps_config(config), encoding="utf-8")
    events_path = tmp / f"{name}.jsonl"
    events_path.write_bytes(b"".join(dump_event(e) for e in events))
    return config_path, events_path


def sftp_args(server: MockSFTPServer) -> list[str]:
    return [
        "--known-hosts",
        str(server.known_hosts_file),
        "--user",
        server.username,
        "--key",
        str(server.private_key_file),
        "--connect",
        f"{server.host}:{server.port}",
    ]


def s3_env(server: MockS3Server) -> dict[str, str]:
    """The mock's credentials for a subprocess; nothing from the developer's AWS setup."""
    env = {k: v for k, v in server.env().items() if k != "AWS_ENDPOINT_URL"}
    env.update(
        {
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    return env


def publish_args(target: Target, config_path: Path, events_path: Path) -> list[str]:
    """``publish CONFIG --events FILE`` plus how to reach ``target``'s mock server."""
    args = ["publish", str(config_path), "--events", str(events_path)]
    if isinstance(target, LocalTarget):
        # A folder that stands for a target here, not a preview: it keeps a journal.
        return [*args, "--to-dir", str(target.base), "--journal"]
    if isinstance(target, SFTPTarget):
        return args + sftp_args(target.server)
    assert isinstance(target, S3Target)
    return [*args, "--endpoint-url", target.server.endpoint_url]


def target_env(target: Target) -> dict[str, str]:
    return s3_env(target.server) if isinstance(target, S3Target) else {}


def journal_records(state_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(state_dir.glob("*.json"))]


def files_from_record(
    config: FeedConfig, events: Sequence[Event], record: dict[str, Any]
) -> dict[str, bytes]:
    """What the batch a journal record describes writes, fault-free."""
    names = BatchNames(
        config,
        datetime.fromisoformat(record["at"]),
        record["seed"],
        drawn=record["random_parts"],
    )
    sink = MemorySink()
    FeedWriter(config, sink).export(list(events), names=names)
    return dict(sink.objects)
