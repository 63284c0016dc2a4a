"""The Textual-free services behind the file tools, the Connect screen and the
Attributes screen: copy commands, batch diff, attribute catalogue and tester, pager."""

from __future__ import annotations

import shlex
import stat
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedcore.config import FeedConfig, load_config, loads_config
from feedcore.errors import ConfigError, FeedError
from feedcore.events import Event
from feedcore.simulate import ATTRIBUTES, PLANS, contacts, simulate_events
from feedcore.sinks.memory import MemorySink
from feedcore.writer import FeedWriter
from tests.tui.conftest import HASHED, WELCOME
from tests.tui.tool_host import PASSWORD, SECRET, fake_details
from tui.services import attributes, commands, diff, external
from tui.services.connect import PROFILE, CredentialsFile
from tui.services.targets import FileRef

S3_REF = FileRef(
    "s3", "acme-data-feeds", "exports/daily/2026/11/27/acme_1234_add_0a1b2c3d_20261127090000.csv"
)
SFTP_REF = FileRef("sftp", "", "feeds/2026/11/27/globex_77_add_0a1b2c3d_20261127090000.jsonl")


# -- copy commands ---------------------------------------------------------------------------


def test_copied_aws_command_names_the_credentials_file_never_the_secret() -> None:
    details = fake_details()
    command = commands.aws_get(S3_REF, details)
    assert SECRET not in command and PASSWORD not in command
    assert shlex.split(command) == [
        "AWS_SHARED_CREDENTIALS_FILE=/run/feedlab/aws-credentials",
        "aws", "s3", "cp", f"s3://acme-data-feeds/{S3_REF.key}", ".",
        "--endpoint-url", "http://127.0.0.1:4566",
        "--profile", PROFILE, "--region", "us-east-1",
    ]  # fmt: skip


def test_revealed_aws_command_carries_the_keys_in_the_environment() -> None:
    command = commands.aws_get(S3_REF, fake_details(), reveal=True)
    words = shlex.split(command)
    assert words[:3] == [
        "AWS_ACCESS_KEY_ID=feedlab",
        f"AWS_SECRET_ACCESS_KEY={SECRET}",
        "AWS_DEFAULT_REGION=us-east-1",
    ]
    assert words[3:6] == ["aws", "s3", "cp"] and "--profile" not in words


def test_fs6_5_copied_sftp_get_verifies_the_host_key_strictly() -> None:
    command = commands.sftp_get(SFTP_REF, fake_details())
    assert shlex.split(command) == [
        "sftp", "-P", "2222", "-i", "/run/feedlab/client_ed25519",
        "-o", "UserKnownHostsFile=/run/feedlab/known_hosts",
        "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes",
        f"feedlab@127.0.0.1:/{SFTP_REF.key}",
    ]  # fmt: skip
    assert PASSWORD not in command
    assert commands.get_command(SFTP_REF, fake_details()) == command
    assert commands.get_command(S3_REF, fake_details()) == commands.aws_get(S3_REF, fake_details())


def test_paths_with_spaces_survive_the_shell_and_ssh_config_parsing() -> None:
    details = fake_details(Path("/tmp/with space"))
    words = shlex.split(commands.sftp_get(SFTP_REF, details))
    assert "-o" in words and 'UserKnownHostsFile="/tmp/with space/known_hosts"' in words
    assert "/tmp/with space/client_ed25519" in words
    env = shlex.split(commands.aws_get(S3_REF, details))[0]
    assert env == "AWS_SHARED_CREDENTIALS_FILE=/tmp/with space/aws-credentials"
    assert commands.aws_get(S3_REF, details).startswith("AWS_SHARED_CREDENTIALS_FILE='/tmp")


def test_urls_and_listing() -> None:
    details = fake_details()
    assert commands.url_of(S3_REF, details) == f"s3://acme-data-feeds/{S3_REF.key}"
    assert commands.url_of(SFTP_REF, details) == f"sftp://feedlab@127.0.0.1:2222/{SFTP_REF.key}"
    listing = shlex.split(commands.aws_list("acme-data-feeds", details))
    assert listing[1:6] == ["aws", "s3", "ls", "s3://acme-data-feeds/", "--recursive"]
    assert shlex.split(commands.sftp_session(details))[-1] == "feedlab@127.0.0.1"


def test_credentials_file_is_private_and_removed_on_close() -> None:
    creds = CredentialsFile()
    path = creds.write("feedlab", SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert f"[{PROFILE}]" in path.read_text() and SECRET in path.read_text()
    assert creds.write("feedlab", SECRET) == path  # unchanged: same file
    creds.close()
    assert not path.exists() and not path.parent.exists()
    creds.close()  # idempotent


def test_details_repr_hides_the_secrets() -> None:
    text = repr(fake_details())
    assert SECRET not in text and PASSWORD not in text and "2222" in text


# -- diff with the previous batch ----------------------------------------------------------------

AT = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)


def _export(config: FeedConfig, sink: MemorySink, events: list[Event], at: datetime) -> None:
    FeedWriter(config, sink, seed=f"diff/{at.isoformat()}").export(events, at=at)


def _refs(sink: MemorySink, bucket: str) -> list[FileRef]:
    return [FileRef("s3", bucket, key) for key in sorted(sink.objects)]


def test_diff_counts_rows_per_action_variant_operation_and_columns() -> None:
    config = load_config(WELCOME)
    extra = (
        WELCOME.read_text(encoding="utf-8")
        + '\n[[feed.contexts]]\nname = "tier"\nvalue = "{{ contact.plan }}"\n'
    )
    wider = loads_config(extra)
    sink = MemorySink()
    first = list(simulate_events(config, 30, seed=3))
    _export(config, sink, first, AT)
    second = list(simulate_events(wider, 40, seed=3, start=30))
    leaving = list(simulate_events(wider, 10, seed=3, type="exit"))
    _export(wider, sink, second + leaving, AT + timedelta(days=1))
    refs = _refs(sink, "acme-data-feeds")
    data = [r for r in refs if diff.feed_of(r) is not None]
    assert len(data) == 3  # add; then add + remove
    newest = max(data)
    result = diff.diff_with_previous(newest, refs, lambda r: sink.objects[r.key])
    assert result.columns_added == ("tier",) and result.columns_removed == ()
    assert len(result.after.files) == 2 and result.before is not None
    assert diff.describe_time(result.before.at) == "2026-11-27 09:00:00"

    def expected(events: list[Event], cfg: FeedConfig) -> Counter[diff.Group]:
        counts: Counter[diff.Group] = Counter()
        for event in events:
            if event.attributes["plan"] == "free":
                continue  # the welcome condition
            op = "add" if event.type == "enter" else "remove"
            variant = cfg.flow.variant(event.variant or "")
            for action in ("data_feed", *(variant.actions if variant else ())):
                counts[(action, event.variant, op)] += 1
        return counts

    assert result.after.groups == expected(second + leaving, wider)
    assert result.before.groups == expected(first, config)
    changes = {c.group: (c.before, c.after) for c in result.changes}
    assert changes[("data_feed", "A", "remove")][0] == 0  # a group new in this batch
    assert result.rows_delta == result.after.rows - result.before.rows


def test_diff_of_the_first_batch_has_nothing_before_it() -> None:
    config = load_config(HASHED)
    sink = MemorySink()
    _export(config, sink, list(simulate_events(config, 5, seed=1)), AT)
    refs = [FileRef("sftp", "", key) for key in sink.objects]
    (data,) = [r for r in refs if diff.feed_of(r)]
    result = diff.diff_with_previous(data, refs, lambda r: sink.objects[r.key])
    assert result.before is None and result.columns_added == ()
    assert all(c.before == 0 for c in result.changes) and result.after.rows > 0


def test_diff_keeps_feeds_apart_and_refuses_what_it_cannot_read() -> None:
    a = FileRef("s3", "b", "p/2026/11/27/acme_1_add_00000000_20261127090000.csv")
    other_flow = FileRef("s3", "b", "p/2026/11/26/acme_2_add_00000000_20261126090000.csv")
    other_path = FileRef("s3", "b", "q/2026/11/26/acme_1_add_00000000_20261126090000.csv")
    earlier = FileRef("s3", "b", "p/2026/11/26/acme_1_remove_00000000_20261126090000.csv")
    oldest = FileRef("s3", "b", "p/2026/11/25/acme_1_add_00000000_20261125090000.csv")
    refs = [a, other_flow, other_path, earlier, oldest]
    assert diff.previous_batch(a, refs) == (earlier,)
    assert diff.batch_of(a, refs) == (a,)
    with pytest.raises(diff.DiffError, match="not a data file"):
        diff.batch_of(FileRef("s3", "b", "p/control_x.json"), refs)
    with pytest.raises(diff.DiffError, match="not valid CSV"):
        diff.read_groups(a.name, b'a,b\r\n"unclosed\r\n')
    with pytest.raises(diff.DiffError, match="not UTF-8"):
        diff.read_groups(a.name, b"\xff\xfe")
    with pytest.raises(diff.DiffError, match="line 2 is not JSON"):
        diff.read_groups("x.jsonl", b'{"action":"data_feed"}\n{nope\n')


# -- attributes and the tester ------------------------------------------------------------------


def test_fs7_1_catalogue_lists_every_simulated_attribute_with_samples() -> None:
    found = attributes.catalogue(seed=42)
    assert tuple(a.name for a in found) == ATTRIBUTES
    by_name = {a.name: a for a in found}
    assert by_name["plan"].kind == "one of " + ", ".join(sorted(PLANS))
    assert by_name["ltv"].kind.startswith("number (")
    assert by_name["signup_date"].kind.startswith("date")
    firsts = {c.first_name for c in contacts(attributes.SCANNED, 42)}
    assert set(by_name["first_name"].samples) <= firsts and by_name["first_name"].samples
    assert any(a.hostile_sample for a in found)  # 200 contacts hold awkward names (FS-3.4)


def test_fs2_6_tester_counts_what_the_condition_keeps_through_the_row_builder() -> None:
    config = load_config(WELCOME)
    result = attributes.try_config(config, seed=42, sample=30)
    people = list(contacts(30, 42))
    assert result.total == 30
    assert result.kept == sum(1 for p in people if p.plan != "free")
    assert result.fields == ("first_name", "greeting")
    for person, row in zip(people, result.rows, strict=True):
        assert row.kept == (person.plan != "free")
        if row.kept:
            assert row.values == (person.first_name, f"Hi {person.first_name}, from {person.city}")
        assert row.identifier == person.email


def test_fs2_5_tester_never_shows_a_raw_address_in_a_hashed_feed() -> None:
    result = attributes.try_config(load_config(HASHED), seed=42)
    text = repr(result.rows)
    assert "@" not in text
    assert all(len(row.identifier) == 64 for row in result.rows)


def test_tester_tries_another_condition_and_template_validated_as_config() -> None:
    config = load_config(WELCOME)
    everyone = attributes.try_config(attributes.with_condition(config, ""), seed=42)
    assert everyone.kept == everyone.total
    pro = attributes.try_config(attributes.with_condition(config, 'contact.plan == "pro"'), 42)
    assert pro.kept == sum(1 for p in contacts(attributes.SAMPLE, 42) if p.plan == "pro")
    with pytest.raises(ConfigError, match=r"feed\.condition"):
        attributes.with_condition(config, "contact.plan ==")
    tried = attributes.try_config(attributes.with_template(config, "try", "{{ contact.pln }}"), 42)
    assert tried.fields[-1] == "try"
    assert all(row.values[-1] is None for row in tried.rows if row.kept)
    assert [w.field for w in tried.warnings] == ["feed.contexts[2].value"]


# -- pager and editor ------------------------------------------------------------------------------


def test_pager_and_editor_default_to_less_and_vi(tmp_path: Path) -> None:
    for name in ("less", "vi", "nano"):
        tool = tmp_path / name
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    env = {"PATH": str(tmp_path)}
    assert external.program("pager", env) == ["less"]
    assert external.program("editor", env) == ["vi"]
    assert external.program("editor", {**env, "VISUAL": "nano"}) == ["nano"]
    assert external.program("pager", {**env, "PAGER": "less -R"}) == ["less", "-R"]


def test_a_missing_pager_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(external.ProgramMissing, match=r"\$PAGER names 'nope'") as caught:
        external.program("pager", {"PATH": str(tmp_path), "PAGER": "nope"})
    assert "\n" not in str(caught.value)
    with pytest.raises(external.ProgramMissing, match=r"no \$EDITOR is set and 'vi'"):
        external.program("editor", {"PATH": str(tmp_path)})
    with pytest.raises(external.ProgramMissing, match="quoting"):
        external.program("pager", {"PATH": str(tmp_path), "PAGER": "less 'x"})


def test_private_copy_is_owner_only_named_as_on_the_server_and_removed() -> None:
    path = external.private_copy("../x/acme_1_add_00000000_20261127090000.csv", b"a,b\r\n")
    assert path.name == "acme_1_add_00000000_20261127090000.csv"
    assert path.read_bytes() == b"a,b\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    external.remove_copy(path)
    assert not path.parent.exists()


# -- the session's files for a demo bundle ---------------------------------------------------------


def test_fs8_session_files_are_the_feeds_own_and_bounded(tmp_path: Path) -> None:
    from feedcore.demo import build_session_demo
    from tui.services.session_demo import delivered_files

    config = load_config(WELCOME)
    sink = MemorySink()
    _export(config, sink, list(simulate_events(config, 10, seed=2)), AT)
    refs = _refs(sink, "acme-data-feeds")
    refs.append(FileRef("s3", "other-bucket", refs[0].key))  # another bucket: not this feed
    refs.append(FileRef("sftp", "", refs[0].key))  # the other server
    read_log: list[FileRef] = []

    def read(ref: FileRef) -> bytes:
        read_log.append(ref)
        return sink.objects[ref.key]

    files = delivered_files(config, refs, read)
    assert [key for key, _ in files] == sorted(sink.objects)
    assert all(ref.bucket == "acme-data-feeds" and ref.server == "s3" for ref in read_log)
    bundle = build_session_demo(config, files, tmp_path / "s.zip")
    assert len(bundle.members) == 4 + len(sink.objects)
    with pytest.raises(FeedError, match="exceed"):
        delivered_files(config, refs, read, max_bytes=100)


def test_form_warnings_are_the_lint_of_feedlab_validate() -> None:
    from tui.services import form_warnings

    assert form_warnings.template_warning("{{ contact.first_name }}") is None
    warning = form_warnings.template_warning("{{ contact.frist_name }}")
    assert warning is not None and "did you mean contact.first_name?" in warning
    assert warning.endswith("[FS-7.1]")
    assert form_warnings.condition_warning("") is None
    assert "contact.plan" in (form_warnings.condition_warning('contact.pln == "pro"') or "")
    both = loads_config(
        WELCOME.read_text(encoding="utf-8").replace("actions = []", 'actions = ["x"]')
    )
    (line,) = form_warnings.flow_warnings(both)
    assert line.startswith("flow.actions: ") and line.endswith("[FS-2.2]")
