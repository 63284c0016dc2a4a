"""Where the app's mock servers listen, for a user connecting ``aws`` or OpenSSH ``sftp``.

:class:`ConnectDetails` is a plain value (no Textual, no server objects) so the
Connect screen and the copy commands can be tested with fixed ports and paths.
:func:`details_of` reads it from a running :class:`~tui.services.targets.MockTargets`.

**[decision]** The S3 secret is never put inline in a copied command. The copied
``aws`` commands name a shared-credentials file instead
(``AWS_SHARED_CREDENTIALS_FILE=... aws --profile feedlab-mock ...``): it is
written with mode 0600 in a private folder, exactly as the SFTP mock's client key
is published as a file, so a command is runnable as pasted and the secret still
never reaches the clipboard, a terminal's scrollback or a shell history. Only
after the user reveals the secrets on the Connect screen can the environment
form (``AWS_SECRET_ACCESS_KEY=...``) be copied.

Lifetimes: the SFTP key and known_hosts files belong to the SFTP mock and are
removed when the servers stop (``MockTargets.stop``); the credentials file
belongs to :class:`CredentialsFile`, removed by :meth:`CredentialsFile.close`
(the app calls it when it stops the servers) or at the latest at interpreter exit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.services.targets import MockTargets

#: The profile the credentials file defines (a name no real setup uses).
PROFILE = "feedlab-mock"


@dataclass(frozen=True)
class ConnectDetails:
    """Everything an outside client needs; secrets are left out of ``repr``."""

    s3_endpoint_url: str
    s3_region: str
    s3_access_key_id: str
    s3_secret_access_key: str = field(repr=False)
    s3_credentials_file: Path
    sftp_host: str
    sftp_port: int
    sftp_username: str
    sftp_password: str = field(repr=False)
    sftp_private_key_file: Path
    sftp_known_hosts_file: Path
    sftp_root: Path

    def paths(self) -> tuple[Path, ...]:
        """The files a pasted command relies on (they must exist while the app runs)."""
        return (self.s3_credentials_file, self.sftp_private_key_file, self.sftp_known_hosts_file)


class CredentialsFile:
    """An AWS shared-credentials file for the S3 mock, private to this user.

    Created on first use in a fresh 0700 folder, the file 0600 from the start;
    rewritten when the credentials change; removed by :meth:`close`.
    """

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._written: tuple[str, str] | None = None
        self._finalizer: weakref.finalize[..., CredentialsFile] | None = None

    @property
    def path(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="feedlab-connect-"))
            folder = str(self._folder)
            self._finalizer = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        return self._folder / "aws-credentials"

    def write(self, access_key_id: str, secret_access_key: str) -> Path:
        path = self.path
        if self._written == (access_key_id, secret_access_key) and path.is_file():
            return path
        text = (
            f"[{PROFILE}]\n"
            f"aws_access_key_id = {access_key_id}\n"
            f"aws_secret_access_key = {secret_access_key}\n"
        )
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        self._written = (access_key_id, secret_access_key)
        return path

    def close(self) -> None:
        """Remove the file and its folder (idempotent)."""
        if self._finalizer is not None:
            self._finalizer()
        self._folder = None
        self._written = None


def details_of(targets: MockTargets, credentials: CredentialsFile) -> ConnectDetails | None:
    """The running servers' details, or None while they are not (yet) running."""
    s3, sftp = targets.s3, targets.sftp
    if not targets.ready or s3 is None or sftp is None:
        return None
    return ConnectDetails(
        s3_endpoint_url=s3.endpoint_url,
        s3_region=s3.region,
        s3_access_key_id=s3.access_key_id,
        s3_secret_access_key=s3.secret_access_key,
        s3_credentials_file=credentials.write(s3.access_key_id, s3.secret_access_key),
        sftp_host=sftp.host,
        sftp_port=sftp.port,
        sftp_username=sftp.username,
        sftp_password=sftp.password,
        sftp_private_key_file=Path(sftp.private_key_file),
        sftp_known_hosts_file=Path(sftp.known_hosts_file),
        sftp_root=Path(sftp.root),
    )
