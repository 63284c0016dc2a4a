"""Target specs and ``open_sink``: one way to reach a target, one canonical name for it.

The batch key (FS-6.3) hashes :func:`target_location`, so two spellings of one
endpoint must give one location, and no credential may ever be part of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedcore.endpoints import canonical_url, public_url
from feedcore.errors import FeedError
from feedcore.journal import batch_key
from feedcore.sinks.base import Payload
from feedcore.sinks.local import LocalSink
from feedcore.sinks.memory import MemorySink
from feedcore.targets import (
    LocalTarget,
    MemoryTarget,
    S3Target,
    SFTPTarget,
    open_sink,
    target_location,
)
from feedcore.testing.fuzzing import endpoint_spellings
from feedcore.testing.strategies import hostnames, ports
from tests.unit.verify_corruptions import make_config


def _sftp(host: str = "sftp.acme.example", port: int | None = 22, **extra: object) -> SFTPTarget:
    options: dict[str, object] = {"username": "feeds", "known_hosts": Path("kh"), **extra}
    return SFTPTarget(host, port, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "spelling",
    [
        "http://localhost:9000",
        "http://127.0.0.1:9000/",
        "HTTP://LOCALHOST:9000",
        "http://[::1]:9000",
        "http://user:secret-password@127.0.0.1:9000",
    ],
)
def test_fs6_3_endpoint_spelling_does_not_change_the_batch_key(spelling: str) -> None:
    config = make_config("csv")
    reference = batch_key(
        config, b"events", target_location(S3Target("acme-data-feeds", "http://127.0.0.1:9000"))
    )
    spec = S3Target("acme-data-feeds", spelling)
    assert batch_key(config, b"events", target_location(spec)) == reference
    assert target_location(spec) == "s3://acme-data-feeds via http://localhost:9000"


@given(
    scheme=st.sampled_from(["http", "https"]),
    host=st.one_of(st.just("localhost"), hostnames),
    port=st.one_of(st.none(), ports),
    path=st.sampled_from(["", "/minio", "/Tenant/A"]),
    data=st.data(),
)
def test_fs6_3_every_spelling_of_an_endpoint_is_one_location(
    scheme: str, host: str, port: int | None, path: str, data: st.DataObject
) -> None:
    first = data.draw(endpoint_spellings(scheme, host, port, path))
    second = data.draw(endpoint_spellings(scheme, host, port, path))
    one, two = (target_location(S3Target("feeds", url)) for url in (first, second))
    assert one == two
    assert "s3cr3t" not in one and "AKIAEXAMPLE" not in one and "@" not in one
    other_port = 1 + (port or (80 if scheme == "http" else 443)) % 65535
    elsewhere = target_location(S3Target("feeds", f"{scheme}://{host}:{other_port}{path}"))
    assert elsewhere != one


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://minio.example:9000", "https://minio.example:9000"),  # another scheme
        ("http://minio.example:9000", "http://minio.example:9001"),
        ("http://minio.example", "http://other.example"),
        ("http://minio.example/a", "http://minio.example/A"),  # paths keep their case
        ("http://127.0.0.1:9000", "http://10.0.0.1:9000"),
    ],
)
def test_different_endpoints_stay_different(a: str, b: str) -> None:
    assert target_location(S3Target("feeds", a)) != target_location(S3Target("feeds", b))


def test_default_ports_and_aws() -> None:
    assert canonical_url("https://s3.example.com:443/") == "https://s3.example.com"
    assert canonical_url("http://s3.example.com:80") == "http://s3.example.com"
    assert canonical_url("http://[0:0:0:0:0:0:0:1]:9000") == "http://localhost:9000"
    assert canonical_url("http://[FD00::1]:9000") == "http://[fd00::1]:9000"
    assert canonical_url("not a url") == "unparsable-endpoint"
    assert canonical_url("http://host:99999") == "unparsable-endpoint"
    assert target_location(S3Target("feeds")) == "s3://feeds via aws"
    assert public_url("http://u:p@h:1/x") == "http://h:1/x"


def test_fs6_3_sftp_locations_are_canonical_and_carry_no_password() -> None:
    plain = target_location(_sftp())
    assert plain == "sftp://feeds@sftp.acme.example:22"
    assert target_location(_sftp("SFTP.Acme.Example.", None)) == plain  # port None is 22
    assert target_location(_sftp(password="hunter2-hunter2")) == plain
    assert target_location(_sftp(connect_host="sftp.acme.example", connect_port=22)) == plain
    via = target_location(_sftp(connect_host="127.0.0.1", connect_port=2222))
    assert via == "sftp://feeds@sftp.acme.example:22 via localhost:2222"
    assert target_location(_sftp(connect_host="localhost", connect_port=2222)) == via
    assert target_location(_sftp(username="other")) != plain
    assert target_location(_sftp(port=2222)) != plain


def test_local_and_memory_locations(tmp_path: Path) -> None:
    assert target_location(LocalTarget(tmp_path / "x" / ".." / "out")) == (
        f"file://{(tmp_path / 'out').resolve()}"
    )
    assert target_location(MemoryTarget(name="dry-run")) == "memory://dry-run"


def test_reprs_hide_credentials() -> None:
    secret = "s3cr3t-Passw0rd-value"
    texts = [
        repr(_sftp(password=secret)),
        repr(S3Target("feeds", f"http://key:{secret}@127.0.0.1:9", session=object())),
    ]
    for text in texts:
        assert secret not in text
    assert "password='***'" in texts[0] and "session='given'" in texts[1]


def test_open_sink_opens_local_and_shared_memory_sinks(tmp_path: Path) -> None:
    with open_sink(LocalTarget(tmp_path / "root")) as local:
        assert isinstance(local, LocalSink)
        local.put("a/b.csv", Payload.from_bytes(b"x"))
    assert (tmp_path / "root" / "a" / "b.csv").read_bytes() == b"x"

    spec = MemoryTarget()
    seen: list[str] = []
    with open_sink(spec, listeners=[lambda event: seen.append(event.action)]) as first:
        first.put("k", Payload.from_bytes(b"data"))
    with open_sink(spec) as second:
        assert isinstance(second, MemorySink)
        assert second.read("k") == b"data"  # sinks on one memory target share its objects
    assert seen == ["put"]
    assert spec.objects == {"k": b"data"}
    assert MemoryTarget() != MemoryTarget()


def test_open_sink_passes_the_spec_and_options_to_the_network_sinks(tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    spec = SFTPTarget(
        "sftp.acme.example",
        2222,
        username="feeds",
        known_hosts=known_hosts,
        password="pw-123456",
        connect_host="127.0.0.1",
        connect_port=40022,
    )
    with open_sink(spec, timeout=3.0) as sftp:
        assert sftp.label == "sftp://sftp.acme.example:2222"
        assert (sftp.connect_host, sftp.connect_port, sftp.timeout) == ("127.0.0.1", 40022, 3.0)  # type: ignore[attr-defined]
    with open_sink(S3Target("feeds", "http://127.0.0.1:9", region="eu-west-1")) as s3:
        assert s3.label == "s3://feeds"
        assert repr(s3) == "S3Sink(s3://feeds, endpoint=http://127.0.0.1:9)"


def test_open_sink_refuses_what_is_not_a_spec() -> None:
    with pytest.raises(FeedError, match="not a target spec"):
        open_sink("s3://feeds")  # type: ignore[arg-type]
    with pytest.raises(FeedError, match="not a target spec"):
        target_location("s3://feeds")  # type: ignore[arg-type]


def test_fs8_verify_location_takes_a_spec_and_opens_its_sink(tmp_path: Path) -> None:
    from feedcore.verify import verify_location
    from tests.unit.verify_corruptions import write_feed

    config = make_config("csv")
    write_feed(config, LocalSink(tmp_path / "feed"))
    assert verify_location(LocalTarget(tmp_path / "feed"), config=config) == []
    spec = MemoryTarget()
    write_feed(config, MemorySink(objects=spec.objects))
    spec.objects["exports/daily/notes.txt"] = b"?"
    assert [f.rule for f in verify_location(spec, "exports")] == ["FS-4.1"]
