"""End-to-end acceptance of the command line against the mock servers (FS-8).

``feedlab serve`` runs as a real subprocess, and the outside clients a user
would point at it (the aws CLI, OpenSSH ``sftp``) fetch what ``feedlab
publish`` delivered; those bytes must equal what ``publish --to-dir`` writes
for the same ``--at``/``--seed``, and ``feedlab verify`` must pass over
``s3://`` and ``sftp://``.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FEEDLAB = str(BIN / "feedlab")
AT = "2026-11-27T03:00:00Z"
SEED = "7"
EVENTS = str(ROOT / "fixtures/events/welcome.jsonl")
S3_FEED = str(ROOT / "fixtures/feeds/welcome_csv_s3.toml")
SFTP_FEED = str(ROOT / "fixtures/feeds/welcome_tsv_sftp.toml")


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    return subprocess.run(
        list(args), capture_output=True, text=True, timeout=120, env=env, cwd=cwd, check=False
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``feedlab serve --json`` in the background; yields its published details."""
    out = tmp_path_factory.mktemp("serve") / "serve.json"
    with out.open("w") as stdout:
        proc = subprocess.Popen(
            [FEEDLAB, "serve", "--bucket", "acme-data-feeds", "--json"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
        )
    deadline = time.monotonic() + 60
    while not out.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"feedlab serve did not start: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.1)
    info: dict[str, Any] = json.loads(out.read_text())
    yield info
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, "serve stops cleanly on SIGTERM"


def aws_env(info: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID=info["s3"]["access_key_id"],
        AWS_SECRET_ACCESS_KEY=info["s3"]["secret_access_key"],
        AWS_DEFAULT_REGION=info["s3"]["region"],
    )
    return env


def to_dir(config: str, out: Path) -> None:
    result = run(
        FEEDLAB,
        "publish",
        config,
        "--events",
        EVENTS,
        "--to-dir",
        str(out),
        "--at",
        AT,
        "--seed",
        SEED,
    )
    assert result.returncode == 0, result.stderr


def same_tree(left: Path, right: Path) -> None:
    cmp = filecmp.dircmp(left, right)
    stack = [cmp]
    files = 0
    while stack:
        d = stack.pop()
        assert not d.left_only and not d.right_only, (d.left, d.left_only, d.right_only)
        _, mismatch, errors = filecmp.cmpfiles(d.left, d.right, d.common_files, shallow=False)
        assert not mismatch and not errors, mismatch
        files += len(d.common_files)
        stack.extend(d.subdirs.values())
    assert files == 4  # add + remove data files and their control files


def test_fs8_s3_publish_aws_cli_fetch_and_verify(served: dict[str, Any], tmp_path: Path) -> None:
    env, endpoint = aws_env(served), served["s3"]["endpoint_url"]
    published = run(
        FEEDLAB,
        "publish",
        S3_FEED,
        "--events",
        EVENTS,
        "--endpoint-url",
        endpoint,
        "--at",
        AT,
        "--seed",
        SEED,
        env=env,
    )
    assert published.returncode == 0, published.stderr
    listing = run(
        str(BIN / "aws"),
        "--endpoint-url",
        endpoint,
        "s3",
        "ls",
        "--recursive",
        "s3://acme-data-feeds/",
        env=env,
    )
    assert listing.returncode == 0, listing.stderr
    assert "control_acme_1234_add_" in listing.stdout
    fetched = tmp_path / "aws"
    copied = run(
        str(BIN / "aws"),
        "--endpoint-url",
        endpoint,
        "s3",
        "cp",
        "--recursive",
        "--quiet",
        "s3://acme-data-feeds/",
        str(fetched),
        env=env,
    )
    assert copied.returncode == 0, copied.stderr
    verified = run(
        FEEDLAB,
        "verify",
        "s3://acme-data-feeds",
        "--endpoint-url",
        endpoint,
        "--config",
        S3_FEED,
        env=env,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    to_dir(S3_FEED, tmp_path / "dir")
    same_tree(fetched, tmp_path / "dir" / "acme-data-feeds")


@pytest.mark.skipif(shutil.which("sftp") is None, reason="OpenSSH sftp client not installed")
def test_fs8_sftp_publish_openssh_fetch_and_verify(served: dict[str, Any], tmp_path: Path) -> None:
    sftp = served["sftp"]
    login = [
        "--known-hosts",
        sftp["known_hosts_file"],
        "--user",
        sftp["username"],
        "--key",
        sftp["private_key_file"],
    ]
    published = run(
        FEEDLAB,
        "publish",
        SFTP_FEED,
        "--events",
        EVENTS,
        *login,
        "--connect",
        f"127.0.0.1:{sftp['port']}",
        "--at",
        AT,
        "--seed",
        SEED,
    )
    assert published.returncode == 0, published.stderr
    assert "sftp://sftp.acme.example:2222/exports/daily/2026/11/27/" in published.stdout
    verified = run(
        FEEDLAB, "verify", f"sftp://127.0.0.1:{sftp['port']}", *login, "--config", SFTP_FEED
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    fetched = tmp_path / "sftp"
    fetched.mkdir()
    got = subprocess.run(
        [
            "sftp",
            "-q",
            "-b",
            "-",
            "-i",
            sftp["private_key_file"],
            "-o",
            f"UserKnownHostsFile={sftp['known_hosts_file']}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-P",
            str(sftp["port"]),
            f"{sftp['username']}@127.0.0.1",
        ],
        input="get -R exports\n",
        capture_output=True,
        text=True,
        cwd=fetched,
        timeout=60,
        check=False,
    )
    assert got.returncode == 0, got.stderr
    to_dir(SFTP_FEED, tmp_path / "dir")
    same_tree(fetched / "exports", tmp_path / "dir" / "sftp.acme.example" / "exports")
