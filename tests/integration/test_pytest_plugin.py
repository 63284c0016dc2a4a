"""The pytest plugin as an outside team gets it (issue 13): installed, found, and enough.

The examples of ``docs/testing.md`` are taken from the page unchanged and run by
a separate pytest (``pytester.runpytest_subprocess``) in an empty folder: no
conftest, no ``tests.`` package on the path, nothing but what installing
feedlab provides: the ``pytest11`` entry point, ``feedcore`` and
``feedcore.testing``. The fixtures' own promises (state reset between tests,
secrets kept out of reprs, the configured host kept in names, one line naming
the extra when the S3 mock is missing) are checked here too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from feedcore.config import FeedConfig, loads_config
from feedcore.events import Event
from feedcore.sinks.base import Payload
from feedcore.writer import FeedWriter
from feedlab.pytest_plugin import FeedlabS3, FeedlabSFTP

# Only this module needs pytester; a conftest below the rootdir may not load plugins.
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
TESTING_MD = ROOT / "docs" / "testing.md"
S3_HEADING = "## A complete example: S3"
SFTP_HEADING = "## The same over SFTP"

#: Two tests in one outside session: the second sees nothing of the first's.
ISOLATION = """
import feedcore

BUCKET = "loader-isolation"


def test_a_writes(feedlab_s3, feedlab_sftp):
    feedlab_s3.client().create_bucket(Bucket=BUCKET)
    feedlab_s3.client().put_object(Bucket=BUCKET, Key="x", Body=b"1")
    (feedlab_sftp.root / "x").write_bytes(b"1")


def test_b_sees_none_of_it(feedlab_s3, feedlab_sftp):
    assert feedlab_s3.client().list_buckets()["Buckets"] == []
    assert list(feedlab_sftp.root.iterdir()) == []
"""


#: Run where moto is missing: only the test asking for ``feedlab_s3`` errors.
PLAIN_TESTS = """
def test_no_fixture():
    assert True


def test_sftp(feedlab_sftp):
    assert feedlab_sftp.port > 0 and feedlab_sftp.known_hosts_file.exists()


def test_s3(feedlab_s3):
    pass
"""
MISSING_S3 = (
    "feedlab_s3 (the mock S3 server) needs the testing extra: pip install 'feedlab[testing]'"
)


def check_plain_outcome(result: pytest.RunResult) -> None:
    """Two passed, ``test_s3`` errored with the one line naming the extra (no traceback)."""
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.re_match_lines(
        [r"_+ ERROR at setup of test_s3 _+$", re.escape(MISSING_S3) + "$", "=+ short test summary"],
        consecutive=True,
    )
    assert "Traceback" not in result.stdout.str()


def doc_example(heading: str) -> str:
    """The first ``python`` block after ``heading`` in docs/testing.md, as the page shows it."""
    section = TESTING_MD.read_text(encoding="utf-8").split(heading + "\n", 1)[1]
    return section.split("```python\n", 1)[1].split("\n```", 1)[0] + "\n"


def _unshrunk(source: str) -> str:
    """``source`` with Hypothesis told not to shrink its failure (only that it fails counts)."""
    hypothesis, settings = "from hypothesis import HealthCheck,", "deadline=None,"
    assert source.count(hypothesis) == source.count(settings) == 1
    source = source.replace(hypothesis, "from hypothesis import Phase, HealthCheck,")
    return source.replace(settings, "deadline=None, phases=[Phase.generate],")


def test_the_doc_examples_are_outside_tests() -> None:
    for heading in (S3_HEADING, SFTP_HEADING):
        source = doc_example(heading)
        compile(source, heading, "exec")
        assert "from tests" not in source and "import tests" not in source
        assert (
            "mock_targets" not in source
        )  # only the plugin's fixtures, feedcore, feedcore.testing
        assert "from feedcore.testing.strategies import events" in source


def test_fs5_an_outside_loader_test_passes_over_s3_and_sftp(pytester: pytest.Pytester) -> None:
    """The plugin, found through its entry point, serves the docs' loader tests (FS-5.1, FS-6.1)."""
    s3_example = doc_example(S3_HEADING)
    loads = 'rows = list(csv.DictReader(io.StringIO(body, newline="")))'
    assert s3_example.count(loads) == 1
    pytester.makepyfile(
        test_s3_loader=s3_example,
        test_sftp_loader=doc_example(SFTP_HEADING),
        test_isolation=ISOLATION,
        # The same test with a loader that loses a file's last row must fail.
        test_broken_loader=_unshrunk(s3_example.replace(loads, loads + "[:-1]")),
    )
    assert not (pytester.path / "conftest.py").exists()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=240)
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_broken_loader.py::*"])
    # pytest names the distributions whose pytest11 entry points it loaded.
    result.stdout.re_match_lines([r"plugins: .*\bfeedlab-\d"])


def test_the_fixtures_are_listed_by_the_entry_point_plugin(pytester: pytest.Pytester) -> None:
    listed = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    listed.stdout.fnmatch_lines(["*feedlab_s3*", "*feedlab_sftp*"])
    listed.stdout.fnmatch_lines(["*feedlab/pytest_plugin.py*"])
    # Turned off by its entry-point name, the fixtures are gone: they came from it.
    off = pytester.runpytest_subprocess("--fixtures", "-p", "no:feedlab", "-p", "no:cacheprovider")
    assert "feedlab_s3" not in off.stdout.str()


def test_without_moto_pytest_runs_and_feedlab_s3_names_the_extra(
    pytester: pytest.Pytester,
) -> None:
    """A plain ``pip install feedlab`` has no moto: only the S3 fixture fails, in one line.

    Simulated here (moto hidden); ``test_install_profiles.py`` runs it in a real plain install.
    """
    pytester.makepyfile(test_plain=PLAIN_TESTS)
    hide = "import sys\nsys.modules['moto'] = sys.modules['werkzeug'] = None\n"
    run = "import pytest\nraise SystemExit(pytest.main(['-p', 'no:cacheprovider', '-rE']))\n"
    result = pytester.run(sys.executable, "-c", hide + run, timeout=120)
    check_plain_outcome(result)


def test_the_handles_keep_secrets_out_of_their_reprs(
    feedlab_s3: FeedlabS3, feedlab_sftp: FeedlabSFTP
) -> None:
    assert feedlab_s3.secret_access_key not in repr(feedlab_s3)
    assert "secret_access_key='***'" in repr(feedlab_s3)
    assert feedlab_s3.endpoint_url in repr(feedlab_s3)
    key_text = feedlab_sftp.private_key_file.read_text(encoding="ascii")
    for secret in (feedlab_sftp.server.password, key_text.splitlines()[1]):
        assert secret not in repr(feedlab_sftp)
    assert f"port={feedlab_sftp.port}" in repr(feedlab_sftp)


def test_fs4_4_the_sftp_sink_keeps_the_configured_host_in_urls(
    feedlab_sftp: FeedlabSFTP, sftp_config: FeedConfig
) -> None:
    with feedlab_sftp.sink(sftp_config) as sink:
        result = FeedWriter(sftp_config, sink).export([_enter("ann@example.com")])
    assert [f.url.split("/")[2] for f in result.files] == ["sftp.acme.example:2222"]
    assert feedlab_sftp.target(sftp_config).connect_port == feedlab_sftp.port
    data = list(feedlab_sftp.root.rglob("*.csv"))
    assert len(data) == 1 and data[0].read_bytes().count(b"ann@example.com") == 1


def test_the_s3_sink_creates_its_bucket_and_reset_drops_it(feedlab_s3: FeedlabS3) -> None:
    with feedlab_s3.sink("loader-bucket") as sink:
        sink.put("a/b.txt", Payload.from_bytes(b"x"))
        with feedlab_s3.sink("loader-bucket") as again:  # an existing bucket is kept
            assert again.read("a/b.txt") == b"x"
    names = [b["Name"] for b in feedlab_s3.client().list_buckets()["Buckets"]]
    assert names == ["loader-bucket"]
    feedlab_s3.reset()
    assert feedlab_s3.client().list_buckets()["Buckets"] == []


@pytest.fixture
def sftp_config() -> FeedConfig:
    return loads_config(
        'client = "acme"\n[flow]\nid = 7\nname = "W"\nsegment = "S"\nactions = []\n'
        '[feed]\nformat = "csv"\ntarget = "sftp"\nhost = "sftp.acme.example:2222"\n'
        'path = "out"\n'
    )


def _enter(email: str) -> Event:
    return Event("enter", email, None, {})


def test_the_sftp_handle_refuses_an_s3_feed_naming_the_s3_fixture(
    feedlab_sftp: FeedlabSFTP,
) -> None:
    s3_feed = loads_config(
        'client = "acme"\n[flow]\nid = 7\nname = "W"\nsegment = "S"\nactions = []\n'
        '[feed]\nformat = "csv"\ntarget = "s3"\nhost = "acme-data-feeds"\npath = "out"\n'
    )
    with pytest.raises(ValueError, match=r"s3://acme-data-feeds \(use feedlab_s3\.sink"):
        feedlab_sftp.target(s3_feed)
