"""A real OpenSSH ``sshd`` for the SFTP sink: internal-sftp, key login only, a chroot.

The session's fixture starts ``/usr/sbin/sshd -D -e -f CONFIG`` on 127.0.0.1
with a free port and keys of its own, set up as an SFTP-only host usually is:

* a dedicated login, :data:`USER`, created with ``useradd`` when missing (a
  system account without a password or home, shell ``nologin``). **Why not
  root:** the point is the layout real servers use, a chroot the login cannot
  write to and a writable folder inside it, and the permission errors that
  layout produces only show for an unprivileged user;
* ``ChrootDirectory``: root-owned and not writable by others down from ``/``
  (sshd insists, so the folder lives under ``/run``, not the world-writable
  ``/tmp``), with ``upload/`` owned by the login; ``ForceCommand internal-sftp
  -d /upload`` starts every session there, so feed keys land in ``upload/``;
* ``StrictModes yes``, public-key authentication only, no PAM, no forwarding;
* a ``known_hosts`` file for the client holding the server's host key.

Skipped, with the reason, when ``/usr/sbin/sshd`` is missing, when not running
as root (sshd's privilege separation and chroot need it) or when the login
cannot be created. ``.ci/run`` installs ``openssh-server`` so CI runs these.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from feedcore.targets import SFTPTarget

SSHD = Path("/usr/sbin/sshd")
USER = "feedlab-sftp"
#: Where sshd's privilege-separated child chroots itself (Debian's build).
PRIVSEP_DIR = Path("/run/sshd")
#: Parents for the server's folder, tried in order: all root-owned, not world-writable.
BASES = (Path("/run"), Path("/var/lib"), Path("/srv"))
#: Connection attempts while sshd starts (each waits up to 0.2 s): a count, not a deadline.
START_ATTEMPTS = 150


@dataclass(frozen=True)
class OpenSSHServer:
    """A running sshd: where it listens, the client's files, and the login's folder."""

    host: str
    port: int
    username: str
    known_hosts: Path
    client_key: Path
    #: ``upload/`` inside the chroot, as the host sees it: where relative keys land.
    upload: Path

    def target(self, host: str | None = None, port: int | None = None) -> SFTPTarget:
        """The login as a spec; ``host``/``port`` name the server in URLs (default: itself)."""
        return SFTPTarget(
            host or self.host,
            port if host else self.port,
            username=self.username,
            known_hosts=self.known_hosts,
            client_key=self.client_key,
            connect_host=self.host,
            connect_port=self.port,
        )

    def files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.upload).as_posix(): p.read_bytes()
            for p in sorted(self.upload.rglob("*"))
            if p.is_file()
        }

    def reset(self) -> None:
        for entry in self.upload.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def _secure_parent() -> Path | None:
    """A folder whose every component is root-owned and writable by root alone."""
    for base in BASES:
        parts = [base, *base.parents]
        try:
            if all(
                p.stat().st_uid == 0 and not p.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH)
                for p in parts
            ):
                return base
        except OSError:
            continue
    return None


def _ensure_user() -> pwd.struct_passwd:
    """The login, created on first use (``*`` as password: no password, not 'locked')."""
    try:
        account = pwd.getpwnam(USER)
    except KeyError:
        useradd = shutil.which("useradd")
        if useradd is None:
            pytest.skip("no useradd to create the SFTP login for sshd")
        done = subprocess.run(
            [
                useradd,
                "--system",
                "--no-create-home",
                "--home-dir",
                "/upload",
                "--shell",
                "/usr/sbin/nologin",
                "--password",
                "*",
                USER,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        try:  # another test run may have created it meanwhile
            account = pwd.getpwnam(USER)
        except KeyError:
            pytest.skip(f"cannot create the SFTP login {USER}: {done.stderr.strip()}")
    return account


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write(path: Path, data: bytes, mode: int) -> None:
    path.write_bytes(data)
    path.chmod(mode)


def _config(base: Path, port: int) -> str:
    return f"""\
ListenAddress 127.0.0.1:{port}
HostKey {base}/ssh_host_ed25519_key
PidFile none
UsePAM no
StrictModes yes
UseDNS no
PermitRootLogin no
AllowUsers {USER}
PubkeyAuthentication yes
AuthorizedKeysFile {base}/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
AllowAgentForwarding no
AllowTcpForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
MaxStartups 64
LogLevel VERBOSE
Subsystem sftp internal-sftp
Match User {USER}
    ChrootDirectory {base}/chroot
    ForceCommand internal-sftp -d /upload
"""


def _accepting(port: int, proc: subprocess.Popen[bytes]) -> bool:
    """Whether sshd answers with its banner (bounded: :data:`START_ATTEMPTS` tries)."""
    for _ in range(START_ATTEMPTS):
        if proc.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2) as s:
            s.settimeout(2.0)
            if s.recv(4).startswith(b"SSH-"):
                return True
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(0.05)
    return False


@pytest.fixture(scope="session")
def openssh_server() -> Iterator[OpenSSHServer]:
    """The session's real sshd (an empty ``upload/`` per test: use ``openssh``)."""
    if not os.access(SSHD, os.X_OK):
        pytest.skip(f"OpenSSH server not installed at {SSHD} (apt-get install openssh-server)")
    if os.geteuid() != 0:
        pytest.skip("sshd needs root here (privilege separation, chroot, a dedicated login)")
    parent = _secure_parent()
    if parent is None:
        pytest.skip(f"no root-owned, non-world-writable folder among {BASES} for the chroot")
    account = _ensure_user()
    PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)

    base = Path(tempfile.mkdtemp(prefix="feedlab-sshd-", dir=parent))
    proc: subprocess.Popen[bytes] | None = None
    try:
        base.chmod(0o755)
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519", comment="feedlab-test")
        _write(base / "ssh_host_ed25519_key", host_key.export_private_key("openssh"), 0o600)
        _write(base / "client_ed25519", client_key.export_private_key("openssh"), 0o600)
        _write(base / "authorized_keys", client_key.export_public_key("openssh"), 0o644)
        chroot, upload = base / "chroot", base / "chroot" / "upload"
        chroot.mkdir(mode=0o755)
        upload.mkdir(mode=0o755)
        os.chown(upload, account.pw_uid, account.pw_gid)
        port = _free_port()
        config = base / "sshd_config"
        config.write_text(_config(base, port), encoding="ascii")
        checked = subprocess.run(
            [str(SSHD), "-t", "-f", str(config)], capture_output=True, text=True, check=False
        )
        if checked.returncode != 0:
            pytest.skip(f"sshd refuses the test config here: {checked.stderr.strip()}")
        log = (base / "sshd.log").open("wb")
        proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
        log.close()
        if not _accepting(port, proc):
            text = (base / "sshd.log").read_text(errors="replace").strip()
            pytest.fail(f"sshd did not start on 127.0.0.1:{port}: {text[-2000:]}")
        public = host_key.convert_to_public()
        entry = bytes(public.export_public_key("openssh")).split()[1].decode("ascii")
        known_hosts = base / "known_hosts"
        known_hosts.write_text(f"[127.0.0.1]:{port} {public.get_algorithm()} {entry}\n")
        yield OpenSSHServer("127.0.0.1", port, USER, known_hosts, base / "client_ed25519", upload)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def openssh(openssh_server: OpenSSHServer) -> OpenSSHServer:
    """The session's sshd with an empty ``upload/``."""
    openssh_server.reset()
    return openssh_server
