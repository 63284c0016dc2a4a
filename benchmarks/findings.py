"""What the numbers mean: the hand-written half of ``docs/performance.md``.

The doc generator fills in the measured numbers and profiles; what a case
measures, what bounds a missed target and what was tried are written here,
from investigation, and kept true by whoever changes the code they describe.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    bounds: str
    tried: str
    best: str


METHOD = """\
Each case runs feedlab and its peer alternately (ABBA order, after one
discarded warm-up round where noted) and reports medians. `ratio` is feedlab
over the peer in the case's unit: for rates (rows/s, MiB/s, files/s) higher is
better and the target reads `>= x`; for wall time (s) lower is better and the
target reads `<= x`. Absolute cases (MB, ms) judge the feedlab value. The
machine is shared and noisy: only ratios from one run mean anything, and the
per-run samples are in `feedlab bench --json`."""

WHAT: dict[str, str] = {}

MISSED: dict[str, Finding] = {}

PROPOSALS = ""
