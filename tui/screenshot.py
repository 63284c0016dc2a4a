"""Render the app headless to SVG (for ``feedlab demo``): export batch 1, preview its data."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path

from feedcore.config import FeedConfig, save_config
from tui.app import FeedlabApp
from tui.services.preview import kind_of
from tui.services.simulation import SimSettings


def render(
    config: FeedConfig,
    *,
    name: str,
    seed: int,
    at: datetime,
    contacts: int,
    size: tuple[int, int] = (200, 50),
) -> str:
    return asyncio.run(_render(config, name, seed, at, contacts, size))


async def _render(
    config: FeedConfig, name: str, seed: int, at: datetime, contacts: int, size: tuple[int, int]
) -> str:
    with tempfile.TemporaryDirectory(prefix="feedlab-shot-") as tmp:
        path = Path(tmp) / Path(name).name
        save_config(config, path)
        settings = SimSettings(entering=contacts, exiting=0, seed=seed, clock=at)
        app = FeedlabApp(path, settings=settings)
        async with app.run_test(size=size) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.press("f5")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            main = app.main
            data = [ref for ref in main.files_tree.files if kind_of(ref.name) == "data"]
            if data:
                main.show_file(sorted(data)[0])
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
            main.files_tree.focus()
            await pilot.pause()
            return app.export_screenshot(title="feedlab")
