"""Unit-test fixtures: every test keeps its batch journal in a temporary folder.

``feedlab publish`` records batches under ``$FEEDLAB_STATE_DIR`` (else the
user's ``~/.local/state/feedlab/batches``); no test may touch the developer's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feedcore.journal import STATE_ENV


@pytest.fixture(autouse=True)
def isolated_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "feedlab-state"
    monkeypatch.setenv(STATE_ENV, str(state))
    return state
