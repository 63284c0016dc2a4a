"""Commands that need the ``tui`` extra say so in one line when it is missing (exit 2).

The extra's packages are hidden in a fresh interpreter (``sys.modules[name] = None``
makes every import of them fail, as in a plain ``pip install feedlab``); the real
plain install is checked in ``tests/integration/test_install_profiles.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WELCOME = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
EXTRA = "needs the tui extra: pip install 'feedlab[tui]'"


def _without(hidden: tuple[str, ...], code: str) -> subprocess.CompletedProcess[str]:
    prelude = "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in hidden)
    return subprocess.run(
        [sys.executable, "-c", prelude + code], capture_output=True, text=True, cwd=ROOT
    )


def _feedlab(
    argv: list[str], hidden: tuple[str, ...] = ("textual", "moto", "faker")
) -> tuple[int, str, str]:
    done = _without(hidden, f"from feedlab.cli import main\nsys.exit(main({argv!r}))")
    return done.returncode, done.stdout, done.stderr


#: The commands of the tui extra and how their one-line message starts (also run in a
#: real plain install by tests/integration/test_install_profiles.py).
EXTRA_COMMANDS = [
    (["tui"], "the app"),
    ([], "the app"),
    (["serve"], "serve (the mock servers)"),
    (["simulate", str(WELCOME), "--contacts", "2", "--out", "out"], "simulate"),
    (["demo", str(WELCOME), "--out", "x.zip"], "demo (the simulator and the app's"),
    (["demo", str(WELCOME), "--out", "x.zip", "--no-screenshot"], "demo (the simulator)"),
]


@pytest.mark.parametrize(("argv", "what"), EXTRA_COMMANDS)
def test_a_command_of_the_extra_says_which_extra_in_one_line(argv: list[str], what: str) -> None:
    code, out, err = _feedlab(argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"feedlab: {what}") and EXTRA in err, err


def test_the_message_names_the_missing_part_only() -> None:
    code, _, err = _feedlab(["tui"], hidden=("moto",))  # textual there, the mocks not
    assert code == 2 and err == f"feedlab: the app {EXTRA}\n"


def test_production_commands_need_no_extra(tmp_path: Path) -> None:
    code, out, err = _feedlab(["validate", str(WELCOME)])
    assert code == 0 and "valid feed" in out, err
    events = ROOT / "fixtures" / "events" / "welcome.jsonl"
    argv = ["publish", str(WELCOME), "--events", str(events), "--to-dir", str(tmp_path)]
    code, out, err = _feedlab([*argv, "--no-journal"])
    assert code == 0, err
    code, out, err = _feedlab(["verify", str(tmp_path / "acme-data-feeds")])
    assert code == 0 and out.startswith("conformant"), out + err


def test_the_library_simulator_names_its_extra() -> None:
    done = _without(
        ("faker",),
        "from feedcore.errors import MissingExtraError\n"
        "from feedcore.simulate import simulate_events\n"
        "from feedcore.config import load_config\n"
        f"config = load_config({str(WELCOME)!r})\n"
        "try:\n    list(simulate_events(config, 3, seed=1))\n"
        "except MissingExtraError as exc:\n    print(exc)\n",
    )
    assert done.stdout == f"the flow simulator (faker) {EXTRA}\n", done.stderr
