"""Every sink reads whole files and bounded heads, and closes itself in a ``with`` block.

A bounded read costs what it returns: the app previews the head of a data file
that may be 100 MB, so the S3 sink asks for a ``Range`` and the SFTP sink reads
``limit`` bytes. Counted here on the wire, through a :class:`TCPProxy`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from feedcore.errors import SinkError
from feedcore.sinks.base import Payload, Sink, read_head
from feedcore.sinks.local import LocalSink
from feedcore.sinks.memory import MemorySink
from feedcore.targets import S3Target, open_sink
from mock_targets.proxy import TCPProxy
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer, known_hosts_entry

MiB = 1024 * 1024
BIG = bytes(range(256)) * (6 * MiB // 256)  # 6 MiB: a multipart upload on S3
HEAD = 4096
KINDS = ["memory", "local", "s3", "sftp"]


@pytest.fixture
def proxies() -> Iterator[list[TCPProxy]]:
    made: list[TCPProxy] = []
    yield made
    for proxy in made:
        proxy.stop()


def _sink(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    stack: ExitStack,
    proxies: list[TCPProxy],
) -> Sink:
    """A sink of ``kind``; network ones go through a byte-counting proxy (``proxies[-1]``)."""
    if kind == "memory":
        return stack.enter_context(MemorySink())
    if kind == "local":
        return stack.enter_context(LocalSink(tmp_path / "root"))
    if kind == "s3":
        server: MockS3Server = request.getfixturevalue("mock_s3")
        bucket: str = request.getfixturevalue("s3_bucket")
        proxy = TCPProxy("127.0.0.1", server.port).start()
        proxies.append(proxy)
        spec = S3Target(bucket, proxy.endpoint_url, session=server.session())
        return stack.enter_context(open_sink(spec, multipart_threshold=5 * MiB))
    sftp: MockSFTPServer = request.getfixturevalue("mock_sftp")
    proxy = TCPProxy(sftp.host, sftp.port).start()
    proxies.append(proxy)
    known = tmp_path / "known_hosts_via_proxy"
    known.write_text(known_hosts_entry("127.0.0.1", proxy.port, sftp.host_key) + "\n")
    target = replace(sftp.target(), known_hosts=known, connect_port=proxy.port)
    return stack.enter_context(open_sink(target, timeout=20.0))


@pytest.mark.parametrize("kind", KINDS)
def test_bounded_reads_return_the_head_and_whole_reads_everything(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, proxies: list[TCPProxy]
) -> None:
    with ExitStack() as stack:
        sink = _sink(kind, request, tmp_path, stack, proxies)
        sink.put("feed/big.csv", Payload.from_bytes(BIG))
        sink.put("feed/small.csv", Payload.from_bytes(b"id\r\n1\r\n"))
        sink.put("feed/empty.csv", Payload.from_bytes(b""))
        before = proxies[-1].bytes_down if proxies else 0

        assert sink.read("feed/big.csv", HEAD) == BIG[:HEAD]
        assert read_head(sink, "feed/big.csv", HEAD) == (BIG[:HEAD], True)
        if proxies:  # two heads crossed the wire, not 6 MiB
            assert proxies[-1].bytes_down - before < 256 * 1024
        assert read_head(sink, "feed/small.csv", HEAD) == (b"id\r\n1\r\n", False)
        assert read_head(sink, "feed/small.csv", 4) == (b"id\r\n", True)
        assert read_head(sink, "feed/empty.csv", HEAD) == (b"", False)
        assert sink.read("feed/big.csv") == BIG
        assert sink.read("feed/small.csv", 10**9) == b"id\r\n1\r\n"
        with pytest.raises(SinkError):
            sink.read("feed/missing.csv", HEAD)
        for bad in (0, -1):
            with pytest.raises(ValueError, match="positive"):
                sink.read("feed/small.csv", bad)


@pytest.mark.parametrize("kind", KINDS)
def test_every_sink_is_a_context_manager_that_closes_itself(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, proxies: list[TCPProxy]
) -> None:
    closed: list[str] = []
    with ExitStack() as stack:
        sink = _sink(kind, request, tmp_path, stack, proxies)
        close = sink.close

        def counting_close() -> None:
            closed.append(kind)
            close()

        sink.close = counting_close  # type: ignore[method-assign]
        with sink as same:
            assert same is sink
            same.put("k.csv", Payload.from_bytes(b"x"))
        assert closed == [kind]


def test_the_sftp_mock_reports_writes_not_reads(
    mock_sftp: MockSFTPServer, sftp_ops: list[object]
) -> None:
    """The app previews over SFTP: its reads must not show up as activity (S3 reports
    only writes too)."""
    with open_sink(mock_sftp.target(), timeout=20.0) as sink:
        sink.put("feed/a.csv", Payload.from_bytes(b"rows"))
        written = [(op.op, op.key) for op in sftp_ops]  # type: ignore[attr-defined]
        assert sink.read("feed/a.csv") == b"rows"
        assert sink.read("feed/a.csv", 2) == b"ro"
        assert [info.key for info in sink.list()] == ["feed/a.csv"]
    assert [(op.op, op.key) for op in sftp_ops] == written  # type: ignore[attr-defined]
    assert ("rename", "feed/.a.csv.partial") in written
