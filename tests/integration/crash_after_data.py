"""Test-only entry point: ``feedlab`` that dies (SIGKILL) right after its first data file.

``python tests/integration/crash_after_data.py publish ...`` runs the real
command line with one change: the sink the batch workflow (``feedcore.batch``)
opens is wrapped so that the process kills itself the moment the first data
file is stored, before that file's control file is written. Nothing gets to
clean up, exactly as when the machine dies there; the reliability tests then
rerun the plain command and check that the batch is finished, not duplicated
(FS-6.3).

Production code has no such hook: the crash is injected here, around the sink.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from feedcore import batch
from feedcore.sinks.base import Payload, Sink
from feedlab import cli


class CrashAfterData:
    """A sink that forwards everything and SIGKILLs the process after the first data file.

    Data files are the plain puts; control files are written with ``exclusive=True``.
    """

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None:
        self._sink.put(key, payload, exclusive=exclusive)
        if not exclusive:
            os.kill(os.getpid(), signal.SIGKILL)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sink, name)


def main() -> int:
    real_open_sink = batch.open_sink

    def open_crashing_sink(*args: Any, **kwargs: Any) -> Any:
        return CrashAfterData(real_open_sink(*args, **kwargs))

    batch.open_sink = open_crashing_sink  # type: ignore[assignment]
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
