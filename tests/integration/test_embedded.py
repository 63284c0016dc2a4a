"""mock_targets.embedded: the one way simulate, the TUI and tests point sinks at the mocks."""

from __future__ import annotations

import pytest
from reliability_support import feed_config

from feedcore.sinks.base import Payload
from feedlab.cli import simulate as simulate_cmd
from mock_targets.embedded import embedded_sink, sink_for
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

KEY = "exports/daily/a.csv"


def test_sink_for_s3_creates_the_bucket_and_keeps_the_configured_name(
    mock_s3: MockS3Server,
) -> None:
    config = feed_config("s3", "embedded-feeds")
    sink = sink_for(config, s3=mock_s3, max_concurrency=1)
    try:
        sink.put(KEY, Payload.from_bytes(b"rows"))
        assert sink.label == "s3://embedded-feeds"
    finally:
        sink.close()
    client = mock_s3.client()
    try:
        body = client.get_object(Bucket="embedded-feeds", Key=KEY)["Body"].read()
    finally:
        client.close()
    assert body == b"rows"


def test_sink_for_sftp_dials_the_mock_but_names_the_configured_host(
    mock_sftp: MockSFTPServer,
) -> None:
    config = feed_config("sftp", "sftp.example.net:2222")
    sink = sink_for(config, sftp=mock_sftp, timeout=10.0)
    try:
        sink.put(KEY, Payload.from_bytes(b"rows"))
        assert sink.label == "sftp://sftp.example.net:2222"
    finally:
        sink.close()
    assert (mock_sftp.root / KEY).read_bytes() == b"rows"


@pytest.mark.parametrize("target", ["s3", "sftp"])
def test_sink_for_needs_the_server_of_the_target(target: str) -> None:
    config = feed_config(target, "embedded-feeds")
    with pytest.raises(ValueError, match="needs the mock"):
        sink_for(config)


@pytest.mark.parametrize("target", ["s3", "sftp"])
def test_embedded_sink_serves_one_block_on_a_fresh_server(target: str) -> None:
    config = feed_config(target, "embedded-fresh" if target == "s3" else "sftp.example.net")
    with simulate_cmd.embedded_sink(config) as sink:
        sink.put(KEY, Payload.from_bytes(b"rows"))
        assert [info.key for info in sink.list()] == [KEY]
        assert sink.read(KEY) == b"rows"
    with embedded_sink(config) as sink:  # the last one left nothing behind
        assert list(sink.list()) == []
