"""The simulator behind F5: who enters and exits the flow in each batch, and when.

Contacts come from :mod:`feedcore.simulate` (FS-7.1), by index: batch after batch
new contacts enter (indices keep counting, so emails never repeat), and exits
are taken from the earliest contacts still in the flow, regenerated from their
seed and index rather than kept in memory. Nothing here is ever displayed
contact by contact (a hashed feed must not show raw addresses, FS-2.5).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from feedcore import rules
from feedcore.config import FeedConfig
from feedcore.events import Event
from feedcore.simulate import contacts, simulate_events

CLOCK_FORMAT = "%Y-%m-%d %H:%M:%S"
#: How far the simulated clock moves after each batch: file names carry the export
#: time to the second (FS-4), so two batches never share names unless the user sets
#: the clock back on purpose.
BATCH_STEP = timedelta(minutes=1)


def default_clock() -> datetime:
    """Now (UTC), to the minute: where a fresh session's simulated clock starts."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def parse_clock(text: str) -> datetime:
    """``2026-11-27 09:00:00`` or any ISO 8601 time -> an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: write YYYY-MM-DD HH:MM:SS (UTC), e.g. 2026-11-27 09:00:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def format_clock(value: datetime) -> str:
    return value.astimezone(UTC).strftime(CLOCK_FORMAT)


def warm_up(seed: int) -> None:
    """Build the simulator's name pools for ``seed`` now (it takes a moment, once)."""
    for _ in contacts(1, seed):
        pass


def parse_count(text: str, what: str) -> int:
    value = text.strip().replace("_", "").replace(",", "")
    if not rules.is_digits(value):
        raise ValueError(f"{text!r}: {what} must be a whole number >= 0, e.g. 100")
    return int(value)


def parse_seed(text: str) -> int:
    value = text.strip()
    if not rules.is_integer(value):
        raise ValueError(f"{text!r}: the seed must be a whole number, e.g. 42")
    return int(value)


@dataclass(frozen=True)
class SimSettings:
    """What the simulation bar shows."""

    entering: int = 100
    exiting: int = 0
    seed: int = 42
    clock: datetime = field(default_factory=default_clock)

    def next_day(self) -> SimSettings:
        return replace(self, clock=self.clock + timedelta(days=1))

    def after_batch(self) -> SimSettings:
        """Where the clock stands once a batch has been exported at :attr:`clock`."""
        return replace(self, clock=self.clock + BATCH_STEP)


@dataclass
class _Cohort:
    """Contacts ``start`` .. ``start + count - 1`` of ``seed``'s sequence; ``exited`` left."""

    seed: int
    start: int
    count: int
    until: date
    exited: int = 0

    @property
    def remaining(self) -> int:
        return self.count - self.exited


@dataclass(frozen=True)
class _Slice:
    seed: int
    start: int
    count: int
    until: date


@dataclass(frozen=True)
class BatchPlan:
    """One F5: ``entering`` new contacts and ``exiting`` earlier ones, exported at ``at``."""

    number: int
    at: datetime
    seed: int
    entering: int
    exiting: int
    enter_from: int
    #: Signup dates of the simulated contacts end here (as ``feedlab simulate --at``'s date).
    until: date
    exit_slices: tuple[_Slice, ...] = ()
    #: An earlier batch exported at the same time (so under the same names), if any.
    same_time_as: int | None = None

    @property
    def events_total(self) -> int:
        return self.entering + self.exiting

    @property
    def writer_seed(self) -> int:
        """The seed of the random name parts: the CLI's ``--seed``, so that with the
        same ``--at`` ``feedlab simulate``/``publish`` make the same names (FS-8).
        Batches differ by their time (the clock moves after each one)."""
        return self.seed

    @property
    def simulate_equivalent(self) -> bool:
        """True when ``feedlab simulate --contacts N --seed S --at T`` makes this very batch:
        only new contacts, from the start of the seed's sequence."""
        fresh = self.enter_from == 0 and self.until == self.at.date()
        return fresh and self.entering > 0 and not self.exit_slices

    def events(self, config: FeedConfig) -> Iterator[Event]:
        """The batch's events, generated lazily (a million never sit in memory)."""
        yield from simulate_events(
            config, self.entering, seed=self.seed, start=self.enter_from, signup_until=self.until
        )
        for piece in self.exit_slices:
            yield from simulate_events(
                config,
                piece.count,
                seed=piece.seed,
                type="exit",
                start=piece.start,
                signup_until=piece.until,
            )


class Simulator:
    """Plans batches and remembers who is in the flow (as index ranges, not contacts)."""

    def __init__(self) -> None:
        self.batches = 0
        self._next_index: dict[int, int] = {}
        self._until: dict[int, date] = {}
        self._cohorts: list[_Cohort] = []
        self._times: dict[datetime, int] = {}

    @property
    def in_flow(self) -> int:
        return sum(c.remaining for c in self._cohorts)

    def plan(self, settings: SimSettings) -> BatchPlan:
        """The next batch. Exits come from contacts that entered in earlier batches."""
        self.batches += 1
        seed = settings.seed
        start = self._next_index.get(seed, 0)
        # As `feedlab simulate`: signups end on the day of the seed's first export.
        until = self._until.setdefault(seed, settings.clock.date())
        wanted = settings.exiting
        slices: list[_Slice] = []
        for cohort in self._cohorts:
            if wanted == 0:
                break
            take = min(wanted, cohort.remaining)
            if take:
                slices.append(_Slice(cohort.seed, cohort.start + cohort.exited, take, cohort.until))
                cohort.exited += take
                wanted -= take
        self._cohorts = [c for c in self._cohorts if c.remaining]
        if settings.entering:
            self._cohorts.append(_Cohort(seed, start, settings.entering, until))
            self._next_index[seed] = start + settings.entering
        same_time_as = self._times.get(settings.clock)
        self._times.setdefault(settings.clock, self.batches)
        return BatchPlan(
            number=self.batches,
            at=settings.clock,
            seed=seed,
            entering=settings.entering,
            exiting=sum(s.count for s in slices),
            enter_from=start,
            until=until,
            exit_slices=tuple(slices),
            same_time_as=same_time_as,
        )
