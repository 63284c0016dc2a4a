"""``feedlab verify`` (FS-8): exit 0 conformant, 1 findings (one per line, rule id), 2 unusable."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import pytest

from feedcore.sinks.local import LocalSink
from feedcore.sinks.memory import MemorySink
from feedlab.cli import main
from feedlab.cli.verify import LocationArg, UsageError, parse_location
from tests.unit.verify_corruptions import CONFIG_FILE, Feed, make_config, write_feed

FINDING_LINE = re.compile(r"^\S.*: .+ \[FS-\d+(\.\d+)?\]$")


@pytest.fixture
def feed_dir(tmp_path: Path) -> Path:
    """A good CSV feed in ``tmp_path/acme-data-feeds``, as ``simulate --out`` lays it out."""
    root = tmp_path / "acme-data-feeds"
    write_feed(make_config("csv"), LocalSink(root))
    return root


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["verify", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_fs8_verify_good_folder_exits_0_with_a_summary(
    feed_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, str(feed_dir))
    assert code == 0, out
    assert out == [f"conformant: 4 files checked under {LocalSink(feed_dir).label}"]
    assert err == ""


def test_fs8_verify_good_folder_with_config_exits_0(
    feed_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, str(feed_dir), "--config", str(CONFIG_FILE))
    assert code == 0, out


def test_fs8_verify_findings_exit_1_one_per_line(
    feed_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = next(feed_dir.rglob("acme_1234_add_*.csv"))
    data.write_bytes(data.read_bytes().replace(b"\r\n", b"\n", 1))
    (data.parent / f".{data.name}.partial").write_bytes(b"x")
    next(feed_dir.rglob("control_acme_1234_remove_*.json")).unlink()
    code, out, err = _run(capsys, str(feed_dir))
    assert code == 1
    *findings, summary = out
    assert len(findings) == 3, out
    assert all(FINDING_LINE.match(line) for line in findings), out
    assert {line.rsplit("[", 1)[1] for line in findings} == {"FS-3.1]", "FS-6.2]", "FS-6.1]"}
    assert summary == f"3 findings in 4 files checked under {LocalSink(feed_dir).label}"
    assert "example.com" not in "\n".join(out)
    assert err == ""


def test_fs8_verify_config_mismatch_is_a_finding(
    feed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.toml"
    other.write_text(CONFIG_FILE.read_text().replace("id = 1234", "id = 99"), encoding="utf-8")
    code, out, _ = _run(capsys, str(feed_dir), "--config", str(other))
    assert code == 1
    assert any("[FS-4.1]" in line and "flow id 1234" in line for line in out), out


def test_fs8_verify_empty_folder_passes_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, str(tmp_path))
    assert code == 0
    assert out[0].startswith("conformant: 0 files checked")
    assert "no files" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["{missing}"], "is not a folder"),
        (["ftp://host/path"], "unsupported scheme"),
        (["s3://"], "bucket"),
        (["s3://Bad_Bucket/x"], "bucket"),
        (["s3://bucket/a//b"], "empty"),
        (["s3://bucket?x=1"], "query"),
        (["sftp://host:99999/x", "--known-hosts", "{kh}", "--user", "u"], "port"),
        (["sftp://user@host/x", "--known-hosts", "{kh}", "--user", "u"], "--user"),
        (["sftp://host/x"], "--known-hosts"),
        (["sftp://host/x", "--known-hosts", "{missing}", "--user", "u"], "is not a file"),
        (["sftp://host/x", "--known-hosts", "{kh}"], "--user"),
        (["sftp://host/x", "--known-hosts", "{kh}", "--user", "u"], "FEEDLAB_SFTP_PASSWORD"),
        (["{dir}", "--endpoint-url", "http://localhost:1"], "s3:// locations only"),
        (["s3://bucket", "--user", "u"], "sftp:// locations only"),
    ],
)
def test_fs8_verify_unusable_arguments_exit_2(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FEEDLAB_SFTP_PASSWORD", raising=False)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    values = {"missing": str(tmp_path / "missing"), "kh": str(known_hosts), "dir": str(tmp_path)}
    code, out, err = _run(capsys, *(arg.format(**values) for arg in argv))
    assert code == 2
    assert out == []
    assert message in err
    assert len(err.splitlines()) == 1


def test_fs8_verify_invalid_config_exits_2(
    feed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(CONFIG_FILE.read_text().replace('format = "csv"', 'format = "xml"'))
    code, out, err = _run(capsys, str(feed_dir), "--config", str(bad))
    assert code == 2
    assert out == []
    assert "feed.format" in err


def test_fs8_parse_location() -> None:
    assert parse_location("some/folder") == LocationArg("file", "some/folder")
    assert parse_location("s3://acme-data-feeds") == LocationArg("s3", "acme-data-feeds")
    assert parse_location("s3://acme-data-feeds/exports/daily/") == LocationArg(
        "s3", "acme-data-feeds", prefix="exports/daily"
    )
    assert parse_location("sftp://sftp.example.com") == LocationArg("sftp", "sftp.example.com", 22)
    assert parse_location("sftp://[::1]:2222/exports") == LocationArg(
        "sftp", "::1", 2222, "exports"
    )
    with pytest.raises(UsageError):
        parse_location("http://example.com/x")


class _FakeSink(MemorySink):
    """Stands in for the S3/SFTP sinks: records how it was opened and closed."""

    opened: ClassVar[list[tuple[tuple[Any, ...], dict[str, Any]]]] = []
    closed: ClassVar[int] = 0
    source: ClassVar[MemorySink]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.objects = dict(type(self).source.objects)
        self.label = "fake://" + str(args[0])
        type(self).opened.append((args, kwargs))

    def close(self) -> None:
        type(self).closed += 1


def _fake_module(
    monkeypatch: pytest.MonkeyPatch, name: str, cls: str, sink: MemorySink
) -> type[_FakeSink]:
    fake = type("Fake", (_FakeSink,), {"opened": [], "closed": 0, "source": sink})
    module = types.ModuleType(name)
    setattr(module, cls, fake)
    monkeypatch.setitem(sys.modules, name, module)
    return fake


def test_fs8_verify_s3_location_reads_through_the_s3_sink(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config("jsonl")
    sink = write_feed(config)
    sink.objects["elsewhere/notes.txt"] = b"not under the prefix"
    fake = _fake_module(monkeypatch, "feedcore.sinks.s3", "S3Sink", sink)
    code, out, _ = _run(
        capsys, "s3://acme-data-feeds/exports/daily", "--endpoint-url", "http://127.0.0.1:9"
    )
    assert code == 0, out
    assert out == ["conformant: 4 files checked under fake://acme-data-feeds/exports/daily"]
    assert fake.opened == [(("acme-data-feeds",), {"endpoint_url": "http://127.0.0.1:9"})]
    assert fake.closed == 1


def test_fs8_verify_sftp_location_reads_through_the_sftp_sink(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config("tsv", target="sftp", host="sftp.example.net:2222")
    sink = write_feed(config)
    Feed(config, sink.objects).edit_entry(rows=1)
    fake = _fake_module(monkeypatch, "feedcore.sinks.sftp", "SFTPSink", sink)
    known_hosts, key = tmp_path / "known_hosts", tmp_path / "id_ed25519"
    known_hosts.write_text("")
    key.write_text("")
    monkeypatch.setenv("FEEDLAB_SFTP_PASSWORD", "secret")
    code, out, _ = _run(
        capsys,
        "sftp://sftp.example.net:2222",
        "--known-hosts",
        str(known_hosts),
        "--user",
        "feeds",
        "--key",
        str(key),
    )
    assert code == 1
    assert len(out) == 2 and out[0].endswith("[FS-5.1]"), out
    (args, kwargs) = fake.opened[0]
    assert args == ("sftp.example.net", 2222)
    assert kwargs == {
        "username": "feeds",
        "known_hosts": known_hosts,
        "client_key": key,
        "password": "secret",
    }
    assert fake.closed == 1
    assert "secret" not in "\n".join(out)


def test_fs8_verify_unreadable_location_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from feedcore.errors import SinkError

    class Refusing(_FakeSink):
        source = MemorySink()

        def list(self, prefix: str = "") -> Any:
            raise SinkError("s3://acme-data-feeds: access denied")

    module = types.ModuleType("feedcore.sinks.s3")
    module.S3Sink = Refusing  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "feedcore.sinks.s3", module)
    code, out, err = _run(capsys, "s3://acme-data-feeds")
    assert code == 2
    assert out == []
    assert "access denied" in err


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        ([], 0),
        (["-v"], 1),
        (["-vv"], 2),
    ],
)
def test_verbose_flag_counts_before_or_after_the_command(argv: list[str], level: int) -> None:
    """`feedlab -v verify X` and `feedlab verify X -v` mean the same (users type either)."""
    from feedlab.cli import build_parser

    parser = build_parser()
    before = parser.parse_args([*argv, "verify", "somewhere"])
    after = parser.parse_args(["verify", "somewhere", *argv])
    assert before.verbose == after.verbose == level
