"""Flat memory: peak RSS of a 5M-contact export against a 100k one (issue 6).

Each export streams its events from a generator (nothing held in memory but a
small pool of attribute dicts) through FeedWriter into a LocalSink, in its own
process, so each peak RSS is that export's alone.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.core import (
    MB,
    CaseResult,
    Settings,
    Target,
    alternate,
    median,
    python_env,
    run_process,
    scratch,
    worker,
)

SMALL = 100_000
BIG = 5_000_000
CASES = ("rss-5m-vs-100k",)


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    if not want(CASES[0]):
        return []
    small, big = settings.size(SMALL), settings.size(BIG)
    rss: dict[str, list[float]] = {"small": [], "big": []}
    seconds: dict[str, list[float]] = {"small": [], "big": []}

    def export(key: str, count: int) -> Callable[[bool], None]:
        def go(record: bool) -> None:
            with scratch("rss") as out:
                done = run_process(
                    worker("rss-export", count=count, out=str(out), format="csv"),
                    env=python_env(),
                ).check(f"export of {count:,} contacts")
                if done.json()["rows"] != 2 * count:
                    raise RuntimeError(f"export of {count:,} contacts wrote the wrong rows")
            if record:
                rss[key].append(done.max_rss / MB)
                seconds[key].append(done.seconds)

        return go

    alternate([export("small", small), export("big", big)], settings.repeats(1))
    grow = median(rss["big"]) - median(rss["small"])
    return [
        CaseResult(
            name=CASES[0],
            unit="MB",
            feedlab=median(rss["big"]),
            peer=f"feedlab, {small:,} contacts (peak RSS)",
            peer_value=median(rss["small"]),
            target=Target("delta_max", 50, "MB"),
            samples=dict(rss),
            note=f"{big:,} vs {small:,} contacts from a generator -> LocalSink, csv; "
            f"growth {grow:+.1f} MB; {median(seconds['big']):.1f} s vs "
            f"{median(seconds['small']):.1f} s",
        )
    ]
