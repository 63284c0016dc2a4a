"""A tiny app that pushes one screen, records what is copied; fixed fake details; a fake
runner for the pager and editor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen

from tui.services.connect import ConnectDetails

SECRET = "s3cr3t-for-tests"
PASSWORD = "pw-for-tests"


def fake_details(folder: Path = Path("/run/feedlab")) -> ConnectDetails:
    """Fixed ports and paths, so nothing machine-dependent reaches a snapshot."""
    return ConnectDetails(
        s3_endpoint_url="http://127.0.0.1:4566",
        s3_region="us-east-1",
        s3_access_key_id="feedlab",
        s3_secret_access_key=SECRET,
        s3_credentials_file=folder / "aws-credentials",
        sftp_host="127.0.0.1",
        sftp_port=2222,
        sftp_username="feedlab",
        sftp_password=PASSWORD,
        sftp_private_key_file=folder / "client_ed25519",
        sftp_known_hosts_file=folder / "known_hosts",
        sftp_root=folder / "root",
    )


class HostApp(App[None]):
    """Pushes ``screen`` (or ``screen(app)``) on mount, with ``callback`` for its result;
    ``copied`` holds every copied text."""

    def __init__(
        self,
        screen: Screen[Any] | Callable[[HostApp], Screen[Any]],
        callback: Callable[[Any], object] | None = None,
    ) -> None:
        super().__init__()
        self._first = screen
        self._callback = callback
        self.copied: list[str] = []

    def on_mount(self) -> None:
        first = self._first
        self.push_screen(first if isinstance(first, Screen) else first(self), self._callback)

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)
        super().copy_to_clipboard(text)


class Recorder:
    """Stands in for subprocess.run: records the argv and the file's bytes at that moment."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bytes]] = []

    def __call__(self, argv: list[str], check: bool = False) -> None:
        self.calls.append((argv, Path(argv[-1]).read_bytes()))
