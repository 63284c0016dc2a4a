"""cProfile over every thread, for the "what bounds it" sections of the doc.

Plain cProfile sees only the thread that enabled it, while the sinks do their
work on threads of their own (S3 part uploads, the SFTP sink's event loop).
:func:`profile_call` gives each new thread its own profiler and merges them.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
ENV = "FEEDLAB_BENCH_PROFILE"


def profile_call(fn: Callable[[], T], top: int = 15) -> tuple[T, str]:
    """Run ``fn`` with every thread profiled; returns its result and a top-``top`` summary."""
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_thread(frame: Any, event: str, arg: Any) -> None:
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()

    main = cProfile.Profile()
    threading.setprofile(start_thread)
    main.enable()
    try:
        result = fn()
    finally:
        main.disable()
        threading.setprofile(None)
    with lock:
        others = list(profiles)
    return result, summarise([main, *others], top)


def summarise(profiles: list[cProfile.Profile], top: int) -> str:
    stats = pstats.Stats(profiles[0], stream=io.StringIO())
    for profile in profiles[1:]:
        try:
            stats.add(profile)
        except (TypeError, ValueError):  # a thread that never ran any Python code
            continue
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values()) or 1.0
    rows = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    lines = ["  own s   own %      calls  cum s  function"]
    for (path, line, name), (_, calls, own, cum, _) in rows:
        where = _short(path)
        label = f"{where}:{line}({name})" if line else name
        lines.append(f"{own:7.3f}  {100 * own / total:5.1f}%  {calls:9d}  {cum:5.2f}  {label}")
    return "\n".join(lines)


def _short(path: str) -> str:
    if path == "~":
        return "~"
    parts = path.replace(os.sep, "/").split("/")
    for anchor in ("site-packages", "feedcore", "benchmarks", "mock_targets"):
        if anchor in parts:
            index = parts.index(anchor)
            return "/".join(parts[index + (anchor == "site-packages") :])
    return "/".join(parts[-2:])
