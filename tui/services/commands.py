"""Copyable command lines for a file on a mock server: ``aws s3 cp`` and OpenSSH ``sftp``.

Every part is shell-quoted (``shlex``), so a pasted command means exactly what
it shows. Without ``reveal`` no command holds a secret: ``aws`` reads the mock's
credentials from a private file (see :mod:`tui.services.connect`) and ``sftp``
authenticates with the mock's client key file. Host keys are verified against
the mock's own known_hosts file and never added to the user's (FS-6.5).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from tui.services.connect import PROFILE, ConnectDetails
from tui.services.targets import FileRef


def url_of(ref: FileRef, details: ConnectDetails) -> str:
    """Where the file is on the mock: ``s3://BUCKET/KEY`` or ``sftp://USER@HOST:PORT/KEY``."""
    if ref.server == "s3":
        return f"s3://{ref.bucket}/{ref.key}"
    return f"sftp://{details.sftp_username}@{details.sftp_host}:{details.sftp_port}/{ref.key}"


def aws_env(details: ConnectDetails, *, reveal: bool = False) -> list[str]:
    """The environment ``aws`` needs: the credentials file, or (revealed) the keys."""
    if not reveal:
        return [f"AWS_SHARED_CREDENTIALS_FILE={details.s3_credentials_file}"]
    return [
        f"AWS_ACCESS_KEY_ID={details.s3_access_key_id}",
        f"AWS_SECRET_ACCESS_KEY={details.s3_secret_access_key}",
        f"AWS_DEFAULT_REGION={details.s3_region}",
    ]


def aws_command(args: Sequence[str], details: ConnectDetails, *, reveal: bool = False) -> str:
    """``ENV... aws ARGS --endpoint-url URL`` (plus the profile and region from the file)."""
    argv = ["aws", *args, "--endpoint-url", details.s3_endpoint_url]
    if not reveal:
        argv += ["--profile", PROFILE, "--region", details.s3_region]
    return _env_prefix(aws_env(details, reveal=reveal)) + shlex.join(argv)


def aws_get(ref: FileRef, details: ConnectDetails, *, reveal: bool = False) -> str:
    """Download ``ref`` into the current folder with the aws CLI."""
    return aws_command(["s3", "cp", f"s3://{ref.bucket}/{ref.key}", "."], details, reveal=reveal)


def aws_list(bucket: str | None, details: ConnectDetails, *, reveal: bool = False) -> str:
    """List a bucket (recursively), or every bucket when ``bucket`` is None."""
    args = ["s3", "ls"] if bucket is None else ["s3", "ls", f"s3://{bucket}/", "--recursive"]
    return aws_command(args, details, reveal=reveal)


def sftp_options(details: ConnectDetails) -> list[str]:
    """Port, the mock's client key, and strict checking against the mock's host key only.

    ``IdentitiesOnly`` keeps an agent's keys from being offered first (a server
    drops a client after a few failed keys).
    """
    return [
        "-P",
        str(details.sftp_port),
        "-i",
        str(details.sftp_private_key_file),
        "-o",
        f"UserKnownHostsFile={_ssh_value(str(details.sftp_known_hosts_file))}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "IdentitiesOnly=yes",
    ]


def sftp_get(ref: FileRef, details: ConnectDetails) -> str:
    """``sftp ... USER@HOST:/KEY``: OpenSSH fetches the file into the current folder."""
    target = f"{details.sftp_username}@{details.sftp_host}:/{ref.key}"
    return shlex.join(["sftp", *sftp_options(details), target])


def sftp_session(details: ConnectDetails) -> str:
    """An interactive OpenSSH sftp session on the mock."""
    target = f"{details.sftp_username}@{details.sftp_host}"
    return shlex.join(["sftp", *sftp_options(details), target])


def get_command(ref: FileRef, details: ConnectDetails, *, reveal: bool = False) -> str:
    """The download command for ``ref``'s server."""
    return aws_get(ref, details, reveal=reveal) if ref.server == "s3" else sftp_get(ref, details)


def _env_prefix(assignments: list[str]) -> str:
    """``NAME=value `` words; only the value is quoted (a quoted name is no assignment)."""
    words = []
    for item in assignments:
        name, _, value = item.partition("=")
        words.append(f"{name}={shlex.quote(value)} ")
    return "".join(words)


def _ssh_value(value: str) -> str:
    """An ssh_config value: whitespace separates values there, so quote a path holding it."""
    return f'"{value}"' if any(ch.isspace() for ch in value) else value
