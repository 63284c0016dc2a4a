"""Importing feedcore changes nothing in the process that imports it.

A service embeds feedcore beside its own logging, signal handling and
environment: no module may replace the log record factory (secret redaction is
installed explicitly, :func:`feedcore.logsafety.install`), touch the root
logger, the environment, signal handlers or ``sys.path``, or start a thread.
Checked in a fresh interpreter over every module, the S3 and SFTP sinks included.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

FEEDCORE = Path(__file__).resolve().parents[2] / "feedcore"
MODULES = sorted(
    "feedcore." + ".".join(p.relative_to(FEEDCORE).with_suffix("").parts).removesuffix(".__init__")
    for p in FEEDCORE.rglob("*.py")
)

PROBE = textwrap.dedent(
    """
    import json, logging, os, signal, sys, threading

    def state():
        root = logging.getLogger()
        handlers = {}
        for number in range(1, signal.NSIG):
            try:
                handlers[number] = repr(signal.getsignal(number))
            except (OSError, ValueError):
                pass
        return {
            "record factory": repr(logging.getLogRecordFactory()),
            "root handlers": repr(root.handlers),
            "root level": root.level,
            "logging disabled": logging.root.manager.disable,
            "environment": dict(os.environ),
            "signal handlers": handlers,
            "sys.path": list(sys.path),
            "threads": sorted(t.name for t in threading.enumerate()),
        }

    before = state()
    for name in MODULES:
        __import__(name)
    after = state()
    print(json.dumps({k: [before[k], after[k]] for k in before if before[k] != after[k]}))
    """
)


def _changes(modules: list[str]) -> dict[str, list[object]]:
    code = f"MODULES = {modules!r}\n{PROBE}"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    changed: dict[str, list[object]] = json.loads(out.strip().splitlines()[-1])
    return changed


def test_importing_every_feedcore_module_has_no_side_effects() -> None:
    assert "feedcore.sinks.s3" in MODULES and "feedcore.sinks.sftp" in MODULES
    assert _changes(MODULES) == {}


def test_the_probe_sees_a_side_effect() -> None:
    """Guard against a probe that cannot fail: installing redaction is one."""
    changed = _changes(["feedcore.logsafety"])
    assert changed == {}
    code = f"MODULES = ['feedcore.logsafety']\n{PROBE}".replace(
        "after = state()", "sys.modules['feedcore.logsafety'].install()\nafter = state()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert list(json.loads(out.stdout.strip().splitlines()[-1])) == ["record factory"]
