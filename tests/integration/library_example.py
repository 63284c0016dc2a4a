"""The README's library example, run as written: extracted from README.md, executed by a
Python (the dev venv's, or a plain install's), against the places a test can offer.

A *place* is where the example delivers (a local folder, a mock S3 bucket, the
mock SFTP server, a real sshd) with the environment variables the example
documents for it. :func:`check_rerun_safety` runs the example's whole life
there: deliver, rerun (nothing written), a control file removed at the target
(exit 3, nothing written), ``FEED_RESEND_MISSING=1`` (the same bytes back).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reliability_support import feed_config, make_events, s3_env, write_inputs

from feedcore.config import FeedConfig
from feedcore.sinks.memory import MemorySink
from feedcore.verify import verify_location
from feedcore.verify.layout import classify
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
HEADING = "## Use as a library"
EVENTS = make_events(batch=5, enters=6, exits=2)
#: The configured SFTP server (names, URLs); the example dials the test's server instead.
SFTP_HOST = "sftp.acme.example:2222"


def example_source() -> str:
    """The first ``python`` code block after the heading, exactly as the README shows it."""
    section = README.read_text(encoding="utf-8").split(HEADING, 1)[1]
    return section.split("```python\n", 1)[1].split("\n```", 1)[0] + "\n"


@dataclass
class Place:
    """Where the example delivers, the variables it reads for it, and the target's files."""

    name: str
    config: FeedConfig
    env: dict[str, str]
    files: Callable[[], dict[str, bytes]]
    remove: Callable[[str], None]


def local_place(base: Path) -> Place:
    config = feed_config("s3", "acme-data-feeds", "tsv")
    root = base / config.feed.hostname
    return Place("local", config, {"FEED_LOCAL_DIR": str(base)}, _tree(root), _unlink(root))


def s3_place(server: MockS3Server, bucket: str) -> Place:
    client = server.client()

    def files() -> dict[str, bytes]:
        listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {
            str(o["Key"]): client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            for o in listing
        }

    def remove(key: str) -> None:
        client.delete_object(Bucket=bucket, Key=key)

    env = {**s3_env(server), "FEED_S3_ENDPOINT": server.endpoint_url}
    return Place("s3", feed_config("s3", bucket, "jsonl"), env, files, remove)


def sftp_place(
    name: str, root: Path, host: str, port: int, user: str, key: Path, known_hosts: Path
) -> Place:
    env = {
        "FEED_SFTP_USER": user,
        "FEED_SFTP_KEY": str(key),
        "FEED_SFTP_KNOWN_HOSTS": str(known_hosts),
        "FEED_SFTP_CONNECT": f"{host}:{port}",
    }
    return Place(name, feed_config("sftp", SFTP_HOST, "csv"), env, _tree(root), _unlink(root))


def mock_sftp_place(server: MockSFTPServer) -> Place:
    return sftp_place(
        "sftp",
        server.root,
        server.host,
        server.port,
        server.username,
        server.private_key_file,
        server.known_hosts_file,
    )


def _tree(root: Path) -> Callable[[], dict[str, bytes]]:
    def files() -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    return files


def _unlink(root: Path) -> Callable[[str], None]:
    def remove(key: str) -> None:
        (root / key).unlink()

    return remove


def run_example(
    python: str, script: Path, place: Place, inputs: tuple[Path, Path], **extra: str
) -> subprocess.CompletedProcess[str]:
    """``python deliver.py FEED.toml EVENTS.jsonl`` with only the documented variables set."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEED", "AWS_"))}
    env.update(place.env, **extra)
    return subprocess.run(
        [python, str(script), *map(str, inputs)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def check_rerun_safety(python: str, tmp_path: Path, place: Place) -> None:
    """The example delivers, reruns safely, reports a lost control file and resends it."""
    script = tmp_path / "deliver.py"
    script.write_text(example_source(), encoding="utf-8")
    inputs = write_inputs(tmp_path, place.config, EVENTS)
    state = {"FEED_STATE_DIR": str(tmp_path / "state")}

    first = run_example(python, script, place, inputs, **state)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr and "delivered: " in first.stderr, first.stderr
    delivered = place.files()
    assert sorted(map(classify, delivered)) == ["control", "control", "data", "data"]
    assert verify_location(MemorySink(objects=dict(delivered)), config=place.config) == []

    again = run_example(python, script, place, inputs, **state)
    assert again.returncode == 0, again.stderr
    assert "already-delivered: " in again.stderr and place.files() == delivered

    control = sorted(k for k in delivered if classify(k) == "control")[0]
    place.remove(control)
    lost = run_example(python, script, place, inputs, **state)
    assert lost.returncode == 3, lost.stderr
    assert "1 of 2 control file(s) gone from the target" in lost.stderr, lost.stderr
    assert f"(first: {control})" in lost.stderr
    assert control not in place.files()

    resent = run_example(python, script, place, inputs, **state, FEED_RESEND_MISSING="1")
    assert resent.returncode == 0, resent.stderr
    assert "resent: " in resent.stderr and place.files() == delivered
