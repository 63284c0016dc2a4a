"""Connect another client (the aws CLI, OpenSSH sftp) to the app's mock servers.

Shows the endpoint, the credentials (secrets masked until **r** reveals them),
the key and known_hosts files, and ready commands; each line has a key that
copies it (OSC 52, through ``App.copy_to_clipboard``). Copying a secret needs
it revealed first, and a notification never repeats a copied value. The ready
commands never hold a secret unless revealed (see :mod:`tui.services.connect`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.services import commands
from tui.services.connect import ConnectDetails
from tui.widgets.text import PlainNotify

MASK = "•" * 12
#: The copy keys, one per line of :func:`lines` (in that order).
COPY_KEYS = "egiscaoupkht"


@dataclass(frozen=True)
class Line:
    """One copyable line: its key, label, value, and whether the value is a secret."""

    key: str
    label: str
    value: str
    secret: bool = False
    section: str = ""


def lines(details: ConnectDetails, bucket: str | None, *, reveal: bool) -> list[Line]:
    """Every line of the screen, in order (the copy keys are unique)."""
    d = details
    aws_list = commands.aws_list(bucket, d, reveal=reveal)
    return [
        Line("e", "Endpoint URL", d.s3_endpoint_url, section="S3 (moto)"),
        Line("g", "Region", d.s3_region, section="S3 (moto)"),
        Line("i", "Access key id", d.s3_access_key_id, section="S3 (moto)"),
        Line("s", "Secret access key", d.s3_secret_access_key, secret=True, section="S3 (moto)"),
        Line("c", "Credentials file", str(d.s3_credentials_file), section="S3 (moto)"),
        Line("a", "aws CLI", aws_list, secret=reveal, section="S3 (moto)"),
        Line("o", "Host and port", f"{d.sftp_host}:{d.sftp_port}", section="SFTP (asyncssh)"),
        Line("u", "Username", d.sftp_username, section="SFTP (asyncssh)"),
        Line("p", "Password", d.sftp_password, secret=True, section="SFTP (asyncssh)"),
        Line("k", "Private key file", str(d.sftp_private_key_file), section="SFTP (asyncssh)"),
        Line("h", "known_hosts file", str(d.sftp_known_hosts_file), section="SFTP (asyncssh)"),
        Line("t", "OpenSSH sftp", commands.sftp_session(d), section="SFTP (asyncssh)"),
    ]


class ConnectScreen(PlainNotify, ModalScreen[None]):
    """Where the mock servers listen and how to reach them; ``details`` None: not up yet."""

    DEFAULT_CSS = """
    ConnectScreen { align: center middle; }
    ConnectScreen #connect-dialog {
        width: 100%; max-width: 130; height: auto; max-height: 100%;
        border: round $accent; border-title-color: $text; border-title-style: bold;
        padding: 0 1; background: $surface;
    }
    ConnectScreen #connect-lines { height: auto; max-height: 1fr; }
    ConnectScreen .connect-section { text-style: bold; color: $text; margin-top: 1; }
    ConnectScreen .connect-line { width: 100%; }
    ConnectScreen .connect-hint { color: $text-muted; dock: bottom; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="connect-close"),
        Binding("r", "reveal", "Reveal secrets", id="connect-reveal"),
        *(Binding(key, f"copy('{key}')", "Copy", show=False) for key in COPY_KEYS),
    ]

    def __init__(self, details: ConnectDetails | None, bucket: str | None = None) -> None:
        super().__init__(id="connect")
        self.details = details
        self.bucket = bucket
        self.revealed = False

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="connect-dialog")
        dialog.border_title = "Connect another client to the mock servers"
        # The lines scroll; the hint (how to copy, reveal, close) stays in sight below them.
        with dialog:
            with VerticalScroll(id="connect-lines"):
                yield from self._lines()
            yield Static(self._hint(), id="connect-hint", classes="connect-hint", markup=False)

    def _lines(self) -> ComposeResult:
        if self.details is None:
            yield Static("The mock servers are not running yet.", markup=False)
            return
        section = ""
        for line in lines(self.details, self.bucket, reveal=self.revealed):
            if line.section != section:
                section = line.section
                yield Static(section, classes="connect-section", markup=False)
            yield Static(
                self._text(line), id=f"connect-{line.key}", classes="connect-line", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#connect-lines").focus()  # ↑↓ pgup pgdn scroll

    def _text(self, line: Line) -> str:
        value = MASK if line.secret and not self.revealed else line.value
        return f"[{line.key}] {line.label}: {value}"

    def _hint(self) -> str:
        state = "r: hide secrets" if self.revealed else "r: reveal secrets"
        return f"Press a line's key to copy it.   {state}   escape: close"

    def _refresh_lines(self) -> None:
        if self.details is None:
            return
        for line in lines(self.details, self.bucket, reveal=self.revealed):
            self.query_one(f"#connect-{line.key}", Static).update(self._text(line))
        self.query_one("#connect-hint", Static).update(self._hint())

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self._refresh_lines()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self, key: str) -> None:
        """Copy the line with ``key`` (a secret only once revealed)."""
        if self.details is None:
            self.notify("The mock servers are not running yet.", severity="warning")
            return
        shown = lines(self.details, self.bucket, reveal=self.revealed)
        line = next((x for x in shown if x.key == key), None)
        if line is None:
            return
        if line.secret and not self.revealed:
            self.notify(f"{line.label} is hidden: press r to reveal it first", severity="warning")
            return
        self.app.copy_to_clipboard(line.value)
        self.notify(f"Copied: {line.label}", timeout=3)
