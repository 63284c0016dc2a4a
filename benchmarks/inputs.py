"""Deterministic benchmark inputs: feed configs, contacts, event lines, payload files.

Everything is derived from a seed, so two runs (and feedlab and its peer within
a run) see byte-identical inputs. Contacts look like FS-7.1 simulated ones:
plain names and cities, with about 5% carrying text that needs CSV quoting
(commas, quotes, newlines, tabs) plus some non-ASCII.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: The export time every benchmark uses (``--at``), so names and rows are stable.
AT = datetime(2026, 11, 27, 3, 0, 0, tzinfo=UTC)
AT_ISO = "2026-11-27T03:00:00Z"
SEED = 6
MiB = 1024 * 1024


def _words(text: str, sep: str = " ") -> tuple[str, ...]:
    return tuple(text.split(sep))


FIRST = _words(
    "Ann Bob Cat Dan Eve Fay Gus Hal Ida Jon Kim Lea Max Ned Oda Pia Quinn Rex Sam Tea Uma "
    "Vic Wes Xia Yan Zoe Amélie Björn Chloé Dagny Émile François Gökhan Hélène Iñigo"
)
LAST = _words(
    "Smith Jones Brown Taylor Wilson Davies Evans Thomas Johnson Roberts Walker Wright "
    "Robinson Thompson White Hughes Edwards Green Hall Wood Harris Lewis Martin Müller"
)
CITIES = _words(
    "Paris|London|Berlin|Madrid|Rome|Lisbon|Dublin|Vienna|Prague|Warsaw|Oslo|Helsinki|"
    "New York|San Francisco|Toronto|Montréal|São Paulo|Buenos Aires|Tokyo|Seoul|Sydney",
    "|",
)
COUNTRIES = _words("FR GB DE ES IT PT IE AT CZ PL NO FI US CA BR AR JP KR AU")
PLANS = ("free", "pro", "enterprise")
#: Legal but hostile values (FS-3.4): each needs quoting in CSV or TSV.
HOSTILE = (
    'Ann "The Hammer"',
    "Smith, Jr.",
    "Bob\tthe builder",
    "line one\nline two",
    "Zoë, 🐱",
    "שלום, עולם",
    'say "hi"\r\nback',
)


def contact(rng: random.Random, index: int) -> tuple[str, dict[str, Any]]:
    """One contact's (email, attributes); ~5% of first names or cities are hostile."""
    first = rng.choice(FIRST)
    city = rng.choice(CITIES)
    roll = rng.random()
    if roll < 0.025:
        first = rng.choice(HOSTILE)
    elif roll < 0.05:
        city = rng.choice(HOSTILE)
    attributes: dict[str, Any] = {
        "first_name": first,
        "last_name": rng.choice(LAST),
        "city": city,
        "country": rng.choice(COUNTRIES),
        "plan": rng.choice(PLANS),
        "ltv": round(rng.random() * 2000, 2),
        "signup_date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    }
    return f"user{index}@example.com", attributes


def event_records(
    count: int, seed: int = SEED, exit_share: float = 0.1
) -> Iterator[dict[str, Any]]:
    """FS-7 event objects: mostly ``enter``, ``exit_share`` of ``exit``, no variants."""
    rng = random.Random(seed)
    for index in range(count):
        email, attributes = contact(rng, index)
        kind = "exit" if rng.random() < exit_share else "enter"
        yield {"type": kind, "email": email, "attributes": attributes}


def write_events(path: Path, count: int, seed: int = SEED) -> Path:
    """An events JSON Lines file of ``count`` lines (what ``publish --events`` reads)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        buffer: list[str] = []
        for record in event_records(count, seed):
            buffer.append(encode(record) + "\n")
            if len(buffer) >= 10_000:
                fh.write("".join(buffer))
                buffer.clear()
        fh.write("".join(buffer))
    return path


def config_toml(
    fmt: str = "csv", *, target: str = "s3", host: str = "bench-feeds", path: str = "exports"
) -> str:
    """The benchmark feed: one action, two contexts (first name, city), no condition."""
    return f"""client = "bench"

[flow]
id = 6
name = "Bench Flow"
segment = "Everyone"
actions = ["email_welcome"]

[feed]
format = "{fmt}"
hash_identity = false
target = "{target}"
host = "{host}"
path = "{path}"

[[feed.contexts]]
name = "first_name"
value = "{{{{ contact.first_name }}}}"

[[feed.contexts]]
name = "city"
value = "{{{{ contact.city }}}}"
"""


def write_config(path: Path, fmt: str = "csv", **kwargs: str) -> Path:
    path.write_text(config_toml(fmt, **kwargs), encoding="utf-8")
    return path


def write_payload(path: Path, size: int, seed: int = SEED) -> Path:
    """``size`` deterministic pseudo-random bytes (incompressible, like a worst-case feed)."""
    rng = random.Random(seed)
    with path.open("wb") as fh:
        left = size
        while left > 0:
            step = min(left, 4 * MiB)
            fh.write(rng.randbytes(step))
            left -= step
    return path


def small_batches(count: int, per: int = 3, seed: int = SEED) -> list[list[dict[str, Any]]]:
    """``count`` exports of ``per`` entering contacts each (the small-exports cases)."""
    rng = random.Random(seed)
    batches = []
    for batch in range(count):
        records = []
        for j in range(per):
            email, attributes = contact(rng, batch * per + j)
            records.append({"type": "enter", "email": email, "attributes": attributes})
        batches.append(records)
    return batches


def attribute_pool(size: int = 1024, seed: int = SEED) -> list[dict[str, Any]]:
    """Ready-made attribute dicts that a streaming generator cycles through (flat memory)."""
    rng = random.Random(seed)
    return [contact(rng, i)[1] for i in range(size)]
