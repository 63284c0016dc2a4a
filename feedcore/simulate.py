"""Simulated contacts and flow events (FS-7.1, the ``simulate`` semantics of FS-8).

Contacts are "Faker contacts", generated fast enough for a million of them:

* Faker is seeded once per seed (``Faker.seed_instance``) to fill small pools of
  first names, last names and (city, country) pairs from a few locales; every
  contact then picks from those pools with a :class:`random.Random`. Faker's
  providers are far too slow to call per contact at that scale.
* The contact sequence is cut into chunks of :data:`CHUNK` contacts, each with
  its own ``Random`` derived from (seed, chunk). Contact ``i`` is therefore the
  same whatever slice of the sequence is asked for, so a batch can be
  regenerated on its own, and the exit batch can re-create exactly the
  contacts that entered (same email, variant and attributes) without keeping a
  million of them in memory.
* Emails embed the contact's index, so they are unique for any ``n``.
* About :data:`HOSTILE_RATE` of the contacts carry hostile but legal text in
  their names and city (commas, quotes, tabs, CR/LF, emoji, right-to-left
  text, combining marks; never lone surrogates) so every preview exercises
  FS-3.4.
* Variants are drawn by weight with ``random.choices`` from a second per-chunk
  ``Random``; a flow without variants gives ``None``.

Everything is a function of the seed (and of the index), so two runs with the
same arguments produce the same events in the same order.
"""

from __future__ import annotations

import functools
import random
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate, groupby
from typing import Any, Literal

from feedcore.config import FeedConfig
from feedcore.errors import FeedError, MissingExtraError
from feedcore.events import Event, EventType
from feedcore.naming import as_utc

__all__ = [
    "ATTRIBUTES",
    "CHUNK",
    "HOSTILE_RATE",
    "PLANS",
    "Contact",
    "SimulatedBatch",
    "VariantPicker",
    "contacts",
    "is_hostile_text",
    "plan_batches",
    "simulate_events",
]

Seed = int | str

#: FS-7.1: the attributes every simulated contact carries, in :meth:`Contact.attributes` order.
ATTRIBUTES: tuple[str, ...] = (
    "first_name",
    "last_name",
    "city",
    "country",
    "plan",
    "ltv",
    "signup_date",
)
#: Contacts per independently seeded chunk (the cost of starting mid-sequence).
CHUNK = 4096
#: Share of contacts whose names and city carry hostile text (FS-7.1: "about 5%").
HOSTILE_RATE = 0.05
#: FS-7.1: the plans, and how often each is drawn.
PLANS: tuple[str, ...] = ("free", "pro", "enterprise")
_PLAN_CUM_WEIGHTS = (60.0, 90.0, 100.0)
#: ``ltv`` ranges per plan (a number, two decimals).
_LTV_RANGE = {"free": (0.0, 50.0), "pro": (50.0, 2_500.0), "enterprise": (2_500.0, 80_000.0)}
#: Signup dates fall within this many days before ``signup_until``.
_SIGNUP_SPAN_DAYS = 3 * 365
_DEFAULT_SIGNUP_UNTIL = date(2026, 1, 1)
_DOMAINS = ("example.com", "example.org", "example.net")  # RFC 2606: never deliverable

#: Locales the name and city pools come from (Latin scripts, plus one CJK one).
_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "ja_JP")
#: Locales whose cities are drawn. Not it_IT: Faker builds its city list from a
#: set, so its order (and so the city a seed gives) changes with PYTHONHASHSEED.
_PLACE_LOCALES = frozenset(_LOCALES) - {"it_IT"}
_POOL_PER_LOCALE = 120

#: Hostile fragments (FS-3.4): each is legal Unicode text, none is a lone surrogate.
_HOSTILE_FRAGMENTS: tuple[str, ...] = (
    ",",
    ", Jr.",
    '"',
    '"The Boss"',
    "\t",
    "\n",
    "\r",
    "\r\n",
    " \r\n ",
    "🎉",
    "👩\u200d💻",  # ZWJ sequence
    "🇫🇷",
    "שלום",  # Hebrew (RTL)
    "مرحبا",  # Arabic (RTL)
    "\u200f",  # RIGHT-TO-LEFT MARK
    "\u202eevil",  # RIGHT-TO-LEFT OVERRIDE
    "e\u0301",  # e + COMBINING ACUTE ACCENT
    "Z\u0351\u0352\u0353a\u0354\u0355lgo",  # stacked combining marks
    "\u00a0",  # NO-BREAK SPACE
    "\u2028",  # LINE SEPARATOR
    ";",
    "\\",
    "=1+1",  # spreadsheet-formula lookalike
)
#: Characters whose presence marks a text as hostile (for tests and previews).
_HOSTILE_CHARS = frozenset(',"\t\r\n\u200f\u202e\u00a0\u2028;\\=')


def is_hostile_text(text: str) -> bool:
    """True when ``text`` holds a character the hostile fragments use.

    That is: a delimiter, quote or line break, a non-BMP character (emoji),
    right-to-left text or marks, or a combining mark. The pools never contain
    any of those, so a contact is hostile exactly when one of its names or its
    city is.
    """
    for ch in text:
        if ch in _HOSTILE_CHARS or ord(ch) > 0xFFFF:
            return True
        if unicodedata.combining(ch) or unicodedata.bidirectional(ch) in ("R", "AL"):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Pools:
    first_names: tuple[tuple[str, str], ...]  # (name, ASCII slug for the email)
    last_names: tuple[tuple[str, str], ...]
    places: tuple[tuple[str, str], ...]  # (city, country)


def _clean(values: Iterable[str]) -> tuple[str, ...]:
    """Unique pool entries without hostile characters (those are added on purpose)."""
    seen: dict[str, None] = {}
    for value in values:
        value = unicodedata.normalize("NFC", value.strip())
        if value and not is_hostile_text(value):
            seen[value] = None
    return tuple(seen)


@functools.lru_cache(maxsize=8)
def _pools(seed: Seed) -> _Pools:
    """Name and place pools for ``seed``, drawn once from Faker (seeded per instance)."""
    try:
        from faker import Faker  # imported lazily: it is only needed to simulate
    except ModuleNotFoundError as exc:  # faker comes with the tui extra (docs/decisions.md)
        raise MissingExtraError("the flow simulator (faker)") from exc

    first: list[str] = []
    last: list[str] = []
    places: list[tuple[str, str]] = []
    for locale in _LOCALES:
        fake = Faker(locale)
        fake.seed_instance(f"{seed}/{locale}")
        country = str(fake.current_country())
        for _ in range(_POOL_PER_LOCALE):
            first.append(str(fake.first_name()))
            last.append(str(fake.last_name()))
            if locale in _PLACE_LOCALES:
                places.append((str(fake.city()), country))
    city_ok = set(_clean(city for city, _ in places))
    unique_places = tuple(dict.fromkeys(p for p in places if p[0] in city_ok))
    return _Pools(
        tuple((name, _ascii_slug(name)) for name in _clean(first)),
        tuple((name, _ascii_slug(name)) for name in _clean(last)),
        unique_places,
    )


def _ascii_slug(text: str) -> str:
    """Lowercase ASCII letters and digits of ``text`` (accents dropped), for emails."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


@dataclass(frozen=True, slots=True)
class Contact:
    """One simulated contact: a unique email and the FS-7.1 attributes."""

    index: int
    email: str
    first_name: str
    last_name: str
    city: str
    country: str
    plan: str
    ltv: float
    signup_date: str
    hostile: bool

    def attributes(self) -> dict[str, Any]:
        """The event ``attributes`` (a fresh dict each call)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "city": self.city,
            "country": self.country,
            "plan": self.plan,
            "ltv": self.ltv,
            "signup_date": self.signup_date,
        }


def _chunk_rng(seed: Seed, stream: str, chunk: int) -> random.Random:
    return random.Random(f"feedlab-simulate/{seed}/{stream}/{chunk}")


def _hostile(rng: random.Random, text: str) -> str:
    """``text`` with one or two hostile fragments inserted at random places."""
    for _ in range(rng.randint(1, 2)):
        fragment = rng.choice(_HOSTILE_FRAGMENTS)
        where = rng.randint(0, len(text))
        text = text[:where] + fragment + text[where:]
    return text


@functools.lru_cache(maxsize=8)
def _signup_dates(until_ordinal: int) -> tuple[str, ...]:
    """ISO dates of the signup window ending at ``until_ordinal`` (newest first)."""
    return tuple(
        date.fromordinal(until_ordinal - days).isoformat() for days in range(_SIGNUP_SPAN_DAYS)
    )


def _make_contact(
    rng: random.Random, pools: _Pools, index: int, dates: tuple[str, ...], hostile_rate: float
) -> Contact:
    # ``seq[int(r() * len(seq))]`` is ``rng.choice`` at a fraction of the cost;
    # this runs once per contact, a million times for a big simulation.
    r = rng.random
    firsts, lasts, places = pools.first_names, pools.last_names, pools.places
    first, first_slug = firsts[int(r() * len(firsts))]
    last, last_slug = lasts[int(r() * len(lasts))]
    city, country = places[int(r() * len(places))]
    draw = r() * _PLAN_CUM_WEIGHTS[-1]
    plan = (
        PLANS[0] if draw < _PLAN_CUM_WEIGHTS[0] else PLANS[1 if draw < _PLAN_CUM_WEIGHTS[1] else 2]
    )
    low, high = _LTV_RANGE[plan]
    ltv = round(low + (high - low) * r(), 2)
    signup = dates[int(r() * len(dates))]
    domain = _DOMAINS[int(r() * len(_DOMAINS))]
    local = f"{first_slug}.{last_slug}" if first_slug and last_slug else first_slug or last_slug
    email = f"{local or 'contact'}.{index}@{domain}"
    hostile = r() < hostile_rate
    if hostile:
        # At least one of the three fields always changes; each may.
        which = rng.randrange(3)
        if which == 0 or r() < 0.5:
            first = _hostile(rng, first)
        if which == 1 or r() < 0.5:
            last = _hostile(rng, last)
        if which == 2 or r() < 0.5:
            city = _hostile(rng, city)
    return Contact(index, email, first, last, city, country, plan, ltv, signup, hostile)


def contacts(
    n: int,
    seed: Seed,
    *,
    start: int = 0,
    signup_until: date = _DEFAULT_SIGNUP_UNTIL,
    hostile_rate: float = HOSTILE_RATE,
) -> Iterator[Contact]:
    """Contacts ``start`` .. ``start + n - 1`` of the sequence for ``seed``, lazily.

    Contact ``i`` does not depend on ``start`` or ``n``: ``contacts(10, s)`` and
    ``contacts(5, s, start=5)`` agree on contacts 5-9. Signup dates fall in the
    three years up to ``signup_until``.
    """
    _check_count(n, "n")
    _check_count(start, "start")
    if not 0 <= hostile_rate <= 1:
        raise FeedError(f"hostile_rate {hostile_rate!r} must be between 0 and 1")
    return _contacts(n, seed, start, _signup_dates(signup_until.toordinal()), hostile_rate)


def _contacts(
    n: int, seed: Seed, start: int, dates: tuple[str, ...], hostile_rate: float
) -> Iterator[Contact]:
    if n == 0:
        return
    pools = _pools(seed)
    stop = start + n
    chunk = start // CHUNK
    while chunk * CHUNK < stop:
        rng = _chunk_rng(seed, "contacts", chunk)
        first = chunk * CHUNK
        for index in range(first, min(stop, first + CHUNK)):
            # Contacts before ``start`` in this chunk are made only to advance ``rng``.
            contact = _make_contact(rng, pools, index, dates, hostile_rate)
            if index >= start:
                yield contact
        chunk += 1


class VariantPicker:
    """Draws a contact's variant by weight (``random.choices``), per chunk like contacts.

    Contact ``i`` gets the same variant whichever slice it is generated in.
    A flow without variants (or with only zero weights, which config rejects)
    gives ``None`` for everyone.
    """

    def __init__(self, config: FeedConfig, seed: Seed) -> None:
        variants = config.flow.variants
        self.names: tuple[str, ...] = tuple(v.name for v in variants)
        self.cum_weights: tuple[float, ...] = tuple(accumulate(v.weight for v in variants))
        self.seed = seed

    def picks(self, start: int, n: int) -> Iterator[str | None]:
        """Variants of contacts ``start`` .. ``start + n - 1``."""
        if not self.names:
            for _ in range(n):
                yield None
            return
        names, cum = self.names, self.cum_weights
        stop = start + n
        index = start
        while index < stop:
            chunk, offset = divmod(index, CHUNK)
            rng = _chunk_rng(self.seed, "variants", chunk)
            if offset:
                rng.choices(names, cum_weights=cum, k=offset)  # skip to ``index``
            count = min(stop, (chunk + 1) * CHUNK) - index
            yield from rng.choices(names, cum_weights=cum, k=count)
            index += count


def simulate_events(
    config: FeedConfig,
    n: int,
    *,
    seed: Seed,
    type: EventType = "enter",
    start: int = 0,
    signup_until: date = _DEFAULT_SIGNUP_UNTIL,
) -> Iterator[Event]:
    """Events of type ``type`` for contacts ``start`` .. ``start + n - 1``, lazily."""
    people = contacts(n, seed, start=start, signup_until=signup_until)
    variants = VariantPicker(config, seed).picks(start, n)
    for contact, variant in zip(people, variants, strict=True):
        yield Event(type, contact.email, variant, contact.attributes())


class _EnterStream:
    """The enter events of one daily batch; iterable any number of times."""

    def __init__(self, config: FeedConfig, seed: Seed, start: int, count: int, until: date) -> None:
        self._args = (config, seed, start, count, until)
        self.start = start
        self.count = count

    def __iter__(self) -> Iterator[Event]:
        config, seed, start, count, until = self._args
        return simulate_events(config, count, seed=seed, start=start, signup_until=until)

    def __len__(self) -> int:
        return self.count


class _ExitStream:
    """The exit events: ``m`` of the ``n`` contacts that entered, in index order.

    The ``m`` are chosen by selection sampling (Knuth's algorithm S) with their
    own seeded ``Random``; then only the chunks holding one of them are
    regenerated, each up to its last chosen contact.
    """

    def __init__(self, config: FeedConfig, seed: Seed, n: int, m: int, until: date) -> None:
        self._args = (config, seed, n, m, until)
        self.count = m

    def chosen(self) -> list[int]:
        """Indices of the contacts that exit, ascending."""
        _, seed, n, m, _ = self._args
        rng = random.Random(f"feedlab-simulate/{seed}/exits")
        out: list[int] = []
        needed = m
        for index in range(n):
            if needed == 0:
                break
            if rng.random() * (n - index) < needed:
                out.append(index)
                needed -= 1
        return out

    def __iter__(self) -> Iterator[Event]:
        config, seed, _, _, until = self._args
        picker = VariantPicker(config, seed)
        for chunk, group in groupby(self.chosen(), key=lambda index: index // CHUNK):
            wanted = list(group)
            first = chunk * CHUNK
            count = wanted[-1] - first + 1
            keep = set(wanted)
            people = contacts(count, seed, start=first, signup_until=until)
            for contact, variant in zip(people, picker.picks(first, count), strict=True):
                if contact.index in keep:
                    yield Event("exit", contact.email, variant, contact.attributes())

    def __len__(self) -> int:
        return self.count


@dataclass(frozen=True)
class SimulatedBatch:
    """One export of a simulation: its time and its events (one writer batch, FS-8).

    ``events`` is lazy and can be iterated more than once (each pass
    regenerates the same events), so a million contacts never sit in memory.
    """

    at: datetime
    type: EventType
    events: Iterable[Event]
    count: int

    @property
    def operation(self) -> Literal["add", "remove"]:
        return "add" if self.type == "enter" else "remove"

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return self.count


def plan_batches(
    config: FeedConfig,
    *,
    contacts: int,
    exits: int = 0,
    days: int = 1,
    at: datetime,
    seed: Seed,
) -> list[SimulatedBatch]:
    """FS-8 ``simulate``: the exports to run, in order.

    ``contacts`` distinct contacts enter, spread evenly over ``days`` daily
    exports at ``at``, ``at`` + 1 day, ... (earlier days take the remainder,
    so sizes differ by at most one); then ``exits`` of them (``exits <=
    contacts``) exit in one more export one day after the last. With no exits
    there is no exit batch. ``at`` is taken as UTC when naive.
    """
    n = _check_count(contacts, "contacts")
    m = _check_count(exits, "exits")
    d = _check_count(days, "days")
    if d < 1:
        raise FeedError(f"days {days!r} must be at least 1: one export per day")
    if m > n:
        raise FeedError(
            f"exits {m} is more than contacts {n}: only contacts that entered can exit "
            f"(at most {n} exits)"
        )
    start_at = as_utc(at)
    until = start_at.date()
    batches: list[SimulatedBatch] = []
    base, extra = divmod(n, d)
    first = 0
    for day in range(d):
        count = base + (1 if day < extra else 0)
        stream = _EnterStream(config, seed, first, count, until)
        batches.append(SimulatedBatch(start_at + timedelta(days=day), "enter", stream, count))
        first += count
    if m:
        exit_stream = _ExitStream(config, seed, n, m, until)
        batches.append(SimulatedBatch(start_at + timedelta(days=d), "exit", exit_stream, m))
    return batches


def _check_count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FeedError(f"{what} {value!r} must be a whole number >= 0")
    return value
