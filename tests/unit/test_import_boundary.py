"""Import boundaries: ``import feedcore`` (validate, verify on folders, a production
job) never pays for the TUI, the cloud SDKs or the mock servers, and feedcore
never imports a front end at all: not the app (``tui``, textual), not the mock
servers (``mock_targets``, moto), not the benchmarks, not the command line
(``feedlab``), which sits above all of them."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

FEEDCORE = Path(__file__).resolve().parents[2] / "feedcore"
HEAVY = ("textual", "boto3", "botocore", "asyncssh", "moto")
#: Modules that must stay light. Those that do not exist yet are skipped.
LIGHT_MODULES = (
    "feedcore",
    "feedcore.config",
    "feedcore.writer",
    "feedcore.sinks",
    "feedlab.cli",
    "feedcore.verify",
    "feedcore.simulate",
    "feedcore.events",
    "feedcore.rows",
    "feedcore.encoders",
)


def _heavy_after(code: str) -> list[str]:
    probe = (
        f"{code}\n"
        "import json, sys\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out.strip().splitlines()[-1])
    return loaded


def test_importing_feedcore_loads_no_tui_sdk_or_mock() -> None:
    present = [m for m in LIGHT_MODULES if importlib.util.find_spec(m) is not None]
    assert {"feedcore", "feedcore.config", "feedcore.writer", "feedcore.sinks"} <= set(present)
    assert "feedlab.cli" in present
    assert _heavy_after("\n".join(f"import {m}" for m in present)) == []


def test_building_the_cli_parser_loads_no_tui_sdk_or_mock() -> None:
    """``feedlab validate`` stays instant: commands import heavy libraries in ``run``."""
    code = "import feedlab.cli\nfeedlab.cli.build_parser()"
    assert _heavy_after(code) == []


def _imports(path: Path) -> list[tuple[int, str]]:
    return _imports_of(path.read_text(encoding="utf-8"), str(path))


def _imports_of(source: str, filename: str = "<probe>") -> list[tuple[int, str]]:
    """(line, module) of every absolute import, including ``import_module("...")``."""
    tree = ast.parse(source, filename=filename)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


FEEDCORE_FILES = sorted(FEEDCORE.rglob("*.py"))


#: Packages above feedcore, or beside it as front ends and test doubles.
FRONT_ENDS = ("tui", "textual", "mock_targets", "moto", "benchmarks", "feedlab")


def _front_end(module: str) -> bool:
    return module.split(".")[0] in FRONT_ENDS


@pytest.mark.parametrize(
    "path", FEEDCORE_FILES, ids=lambda p: p.relative_to(FEEDCORE.parent).as_posix()
)
def test_no_feedcore_file_imports_a_front_end(path: Path) -> None:
    offenders = [
        f"{path.name}:{line}: {module}" for line, module in _imports(path) if _front_end(module)
    ]
    assert offenders == [], (
        "feedcore must not import a front end (tui, mock_targets, benchmarks, feedlab) "
        "or textual/moto: pass what it needs in as an argument"
    )


def test_importing_every_feedcore_module_loads_no_front_end() -> None:
    """The static scan above, checked at run time over every module (lazy imports too
    would show up only when called, so this complements, not replaces, the scan)."""
    modules = sorted(
        "feedcore."
        + ".".join(p.relative_to(FEEDCORE).with_suffix("").parts).removesuffix(".__init__")
        for p in FEEDCORE_FILES
    )
    probe = (
        "\n".join(f"import {m}" for m in modules)
        + "\nimport json, sys\n"
        + f"fronts = {FRONT_ENDS!r}\n"
        + "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(fronts))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_the_static_scan_sees_imports() -> None:
    """Guard against a scan that silently finds nothing."""
    assert (1, "textual.app") in _imports_of("from textual.app import App\n")
    assert (1, "textual") in _imports_of("import textual\n")
    assert (1, "textual.widgets") in _imports_of("importlib.import_module('textual.widgets')\n")
    assert any(module == "msgspec" for _, module in _imports(FEEDCORE / "config.py"))
    assert _front_end("mock_targets.embedded") and _front_end("tui") and not _front_end("tuition")
