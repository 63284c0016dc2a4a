"""The Connect screen: masked secrets behind a reveal key, copy keys, four sizes."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from tests.tui.conftest import text_of
from tests.tui.tool_host import PASSWORD, SECRET, HostApp, fake_details
from tui.screens.connect import COPY_KEYS, MASK, ConnectScreen, lines
from tui.services import commands

BUCKET = "acme-data-feeds"


def _screen_text(app: HostApp) -> str:
    return "\n".join(text_of(w) for w in app.screen.query(Static))


def test_every_line_has_its_own_copy_key() -> None:
    keys = [line.key for line in lines(fake_details(), BUCKET, reveal=False)]
    assert "".join(keys) == COPY_KEYS and len(set(keys)) == len(keys)
    assert "r" not in keys and "q" not in keys  # reveal and close


async def test_secrets_are_masked_until_revealed_and_hidden_again() -> None:
    app = HostApp(ConnectScreen(fake_details(), BUCKET))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = _screen_text(app)
        assert SECRET not in shown and PASSWORD not in shown and MASK in shown
        assert "http://127.0.0.1:4566" in shown and "/run/feedlab/known_hosts" in shown
        await pilot.press("r")
        shown = _screen_text(app)
        assert SECRET in shown and PASSWORD in shown
        await pilot.press("r")
        assert SECRET not in _screen_text(app)


async def test_copy_keys_send_the_right_text_and_secrets_only_once_revealed() -> None:
    details = fake_details()
    app = HostApp(ConnectScreen(details, BUCKET))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e", "k", "h", "a", "t")
        assert app.copied == [
            "http://127.0.0.1:4566",
            "/run/feedlab/client_ed25519",
            "/run/feedlab/known_hosts",
            commands.aws_list(BUCKET, details),
            commands.sftp_session(details),
        ]
        assert all(SECRET not in text for text in app.copied)
        await pilot.press("s", "p")  # hidden: refused, nothing copied
        assert len(app.copied) == 5
        assert all(SECRET not in n.message for n in app._notifications)
        await pilot.press("r", "s", "p", "a")
        assert app.copied[5:] == [
            SECRET,
            PASSWORD,
            commands.aws_list(BUCKET, details, reveal=True),
        ]
        assert all(SECRET not in n.message for n in app._notifications)  # never echoed
        await pilot.press("escape")
        assert not isinstance(app.screen, ConnectScreen)


async def test_servers_not_running_yet() -> None:
    app = HostApp(ConnectScreen(None))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "not running yet" in _screen_text(app)
        await pilot.press("e")
        assert app.copied == []


SIZES = [(80, 24), (120, 30), (160, 48), (200, 50)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_connect_screen_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(HostApp(ConnectScreen(fake_details(), BUCKET)), terminal_size=size)
