"""``pip install feedlab`` is the production writer; the app and the mocks are an extra.

A fresh venv (no system site-packages) gets a plain ``pip install -e .``, once
per session: it must hold no textual, moto or faker, import every feedcore
module, run the production commands (validate, publish, verify), run the
README's library example against a local folder, an S3 endpoint and an SFTP
server (servers started from the dev venv; a real sshd too when there is one),
answer the commands of the ``tui`` extra with one line naming it, and run pytest
with the feedlab plugin (only ``feedlab_s3``, which needs moto, fails: in one line). Skipped,
with pip's reason, only when pip cannot fetch the core dependencies here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from library_example import (
    Place,
    check_rerun_safety,
    local_place,
    mock_sftp_place,
    s3_place,
    sftp_place,
)
from test_pytest_plugin import PLAIN_TESTS, check_plain_outcome

from tests.unit.test_missing_extras import EXTRA, EXTRA_COMMANDS

# For the plugin's check (a conftest below the rootdir may not load plugins).
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
WELCOME = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
EVENTS = ROOT / "fixtures" / "events" / "welcome.jsonl"
#: What pip says when it cannot reach an index (the only reason to skip).
_OFFLINE = (
    "Could not find a version",
    "No matching distribution",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Max retries exceeded",
)


@pytest.fixture(scope="session")
def plain_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("plain-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if pip.returncode != 0:
        last = (pip.stderr.strip().splitlines() or ["(no output)"])[-1]
        if any(reason in pip.stderr for reason in _OFFLINE):
            pytest.skip(f"pip cannot install feedlab's core dependencies here: {last}")
        pytest.fail(f"pip install -e . failed: {last}")
    return venv


def _run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_a_plain_install_has_no_textual_moto_or_faker(plain_venv: Path) -> None:
    probe = (
        "import importlib.util, json\n"
        "print(json.dumps([m for m in ('textual', 'moto', 'faker', 'werkzeug')"
        " if importlib.util.find_spec(m)]))"
    )
    done = _run(str(plain_venv / "bin" / "python"), "-c", probe)
    assert json.loads(done.stdout) == [], done.stderr


def test_every_feedcore_module_imports_in_a_plain_install(plain_venv: Path) -> None:
    modules = sorted(
        "feedcore." + ".".join(p.relative_to(ROOT / "feedcore").with_suffix("").parts)
        for p in (ROOT / "feedcore").rglob("*.py")
        if "testing" not in p.relative_to(ROOT / "feedcore").parts  # the testing extra
    )
    code = "import feedcore\n" + "".join(f"import {m.removesuffix('.__init__')}\n" for m in modules)
    code += "print(feedcore.S3Sink.__name__, feedcore.SFTPSink.__name__)"
    done = _run(str(plain_venv / "bin" / "python"), "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["S3Sink", "SFTPSink"]


def test_feedcore_testing_names_its_extra_in_a_plain_install(plain_venv: Path) -> None:
    code = (
        "import feedcore\n"
        "try:\n    import feedcore.testing.strategies\n"
        "except feedcore.MissingExtraError as exc:\n    print(exc)\n"
    )
    done = _run(str(plain_venv / "bin" / "python"), "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "feedcore.testing (Hypothesis) needs the testing extra: pip install 'feedlab[testing]'\n"
    )


def test_the_production_commands_run_in_a_plain_install(plain_venv: Path, tmp_path: Path) -> None:
    feedlab = str(plain_venv / "bin" / "feedlab")
    done = _run(feedlab, "validate", str(WELCOME))
    assert done.returncode == 0, done.stderr
    state = ["--state-dir", str(tmp_path / "state")]
    out = ["--to-dir", str(tmp_path / "out")]
    done = _run(feedlab, "publish", str(WELCOME), "--events", str(EVENTS), *out, *state)
    assert done.returncode == 0, done.stderr
    where = str(tmp_path / "out" / "acme-data-feeds")
    done = _run(feedlab, "verify", where, "--config", str(WELCOME))
    assert done.returncode == 0 and done.stdout.startswith("conformant"), done.stdout + done.stderr


@pytest.mark.parametrize("where", ["local", "s3", "sftp", "openssh"])
def test_the_readme_library_example_runs_in_a_plain_install(
    plain_venv: Path, tmp_path: Path, request: pytest.FixtureRequest, where: str
) -> None:
    """Acceptance (issue 11): no textual, no moto, and the README example delivers."""
    place: Place
    if where == "local":
        place = local_place(tmp_path / "out")
    elif where == "s3":
        place = s3_place(request.getfixturevalue("mock_s3"), request.getfixturevalue("s3_bucket"))
    elif where == "sftp":
        place = mock_sftp_place(request.getfixturevalue("mock_sftp"))
    else:
        server = request.getfixturevalue("openssh")  # skipped, with the reason, without sshd
        place = sftp_place(
            "openssh",
            server.upload,
            server.host,
            server.port,
            server.username,
            server.client_key,
            server.known_hosts,
        )
    check_rerun_safety(str(plain_venv / "bin" / "python"), tmp_path, place)


def test_pytest_runs_with_the_plugin_in_a_plain_install(
    plain_venv: Path, pytester: pytest.Pytester
) -> None:
    """The entry point loads the plugin in any pytest; without moto only feedlab_s3 fails."""
    python = str(plain_venv / "bin" / "python")
    pip = _run(python, "-m", "pip", "install", "-q", "pytest")
    if pip.returncode != 0:
        last = (pip.stderr.strip().splitlines() or ["(no output)"])[-1]
        if any(reason in pip.stderr for reason in _OFFLINE):
            pytest.skip(f"pip cannot install pytest here: {last}")
        pytest.fail(f"pip install pytest failed: {last}")
    pytester.makepyfile(test_plain=PLAIN_TESTS)
    check_plain_outcome(pytester.run(python, "-m", "pytest", "-p", "no:cacheprovider", timeout=120))


@pytest.mark.parametrize(("argv", "what"), EXTRA_COMMANDS)
def test_commands_of_the_tui_extra_name_it_in_one_line(
    plain_venv: Path, tmp_path: Path, argv: list[str], what: str
) -> None:
    done = _run(str(plain_venv / "bin" / "feedlab"), *argv, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"feedlab: {what}") and EXTRA in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was started or written
