"""FS-7.1 simulated contacts and the FS-8 ``simulate`` batch semantics."""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from feedcore.config import FeedConfig, load_config, parse_config
from feedcore.errors import FeedError
from feedcore.events import dump_event, parse_event
from feedcore.simulate import (
    CHUNK,
    PLANS,
    Contact,
    SimulatedBatch,
    VariantPicker,
    contacts,
    is_hostile_text,
    plan_batches,
    simulate_events,
)
from feedcore.sinks import MemorySink
from feedcore.writer import FeedWriter

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 11, 27, 3, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def welcome() -> FeedConfig:
    return load_config(ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml")


@pytest.fixture(scope="module")
def plain() -> FeedConfig:
    return load_config(ROOT / "fixtures" / "feeds" / "plain_jsonl_s3_nopath.toml")


def with_weights(config: FeedConfig, weights: dict[str, float]) -> FeedConfig:
    from feedcore.config import config_to_dict

    data: dict[str, Any] = copy.deepcopy(config_to_dict(config))
    data["flow"]["variants"] = [
        {"name": name, "weight": weight, "actions": []} for name, weight in weights.items()
    ]
    return parse_config(data)


# ------------------------------------------------------------------------- contacts


def test_fs7_1_contacts_are_reproducible_with_a_seed() -> None:
    assert list(contacts(300, seed=42)) == list(contacts(300, seed=42))
    assert list(contacts(300, seed="s")) == list(contacts(300, seed="s"))
    assert list(contacts(50, seed=1)) != list(contacts(50, seed=2))


def test_fs7_1_contact_i_does_not_depend_on_the_slice() -> None:
    whole = list(contacts(CHUNK + 200, seed=7))
    assert list(contacts(100, seed=7, start=CHUNK - 50)) == whole[CHUNK - 50 : CHUNK + 50]
    assert list(contacts(3, seed=7, start=5)) == whole[5:8]
    assert [c.index for c in whole] == list(range(CHUNK + 200))


def test_fs7_1_contact_attributes() -> None:
    until = date(2026, 11, 27)
    for contact in contacts(500, seed=3, signup_until=until):
        attrs = contact.attributes()
        assert list(attrs) == [
            "first_name",
            "last_name",
            "city",
            "country",
            "plan",
            "ltv",
            "signup_date",
        ]
        assert all(isinstance(attrs[k], str) and attrs[k] for k in attrs if k != "ltv")
        assert attrs["plan"] in PLANS
        assert isinstance(attrs["ltv"], float) and attrs["ltv"] >= 0
        signup = date.fromisoformat(attrs["signup_date"])
        assert until - timedelta(days=3 * 365) < signup <= until
        assert contact.email.count("@") == 1 and contact.email == contact.email.strip()
        assert contact.email.isascii() and contact.email == contact.email.lower()


def test_fs7_1_every_plan_occurs() -> None:
    plans = Counter(c.plan for c in contacts(2000, seed=5))
    assert set(plans) == set(PLANS)


def test_fs7_1_emails_unique_over_50k() -> None:
    emails = [c.email for c in contacts(50_000, seed=11)]
    assert len(set(emails)) == len(emails) == 50_000


def test_fs7_1_about_5_percent_hostile() -> None:
    people = list(contacts(2000, seed=13))
    flagged = [c for c in people if c.hostile]
    by_text = [c for c in people if any(map(is_hostile_text, (c.first_name, c.last_name, c.city)))]
    assert flagged == by_text, "hostile exactly when names or city carry hostile text"
    assert 0.02 <= len(flagged) / len(people) <= 0.10


def test_fs7_1_hostile_text_is_legal_and_exercises_fs3_4() -> None:
    hostile = [c for c in contacts(4000, seed=17) if c.hostile]
    texts = [t for c in hostile for t in (c.first_name, c.last_name, c.city)]
    joined = "".join(texts)
    for needle in (",", '"', "\t", "\n", "\r"):
        assert needle in joined, f"some contact carries {needle!r}"
    assert any(ord(ch) > 0xFFFF for ch in joined), "emoji"
    assert any(0x0590 <= ord(ch) <= 0x06FF or ch in "\u200f\u202e" for ch in joined), "RTL"
    for text in texts:
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text), "no lone surrogates"
        text.encode("utf-8")


def test_fs7_1_contacts_reject_bad_counts() -> None:
    with pytest.raises(FeedError):
        contacts(-1, seed=1)
    with pytest.raises(FeedError):
        contacts(True, seed=1)
    assert list(contacts(0, seed=1)) == []


# ------------------------------------------------------------------------- variants


def test_fs7_1_variants_follow_weights(welcome: FeedConfig) -> None:
    config = with_weights(welcome, {"A": 70, "B": 20, "C": 10, "Z": 0})
    counts = Counter(VariantPicker(config, seed=3).picks(0, 10_000))
    assert counts["Z"] == 0
    assert abs(counts["A"] / 10_000 - 0.70) < 0.03
    assert abs(counts["B"] / 10_000 - 0.20) < 0.03
    assert abs(counts["C"] / 10_000 - 0.10) < 0.03


def test_fs7_1_no_variants_means_none(plain: FeedConfig) -> None:
    assert {e.variant for e in simulate_events(plain, 200, seed=1)} == {None}


def test_fs7_1_variant_of_contact_i_does_not_depend_on_the_slice(welcome: FeedConfig) -> None:
    picker = VariantPicker(welcome, seed=9)
    whole = list(picker.picks(0, CHUNK + 100))
    assert list(picker.picks(CHUNK - 10, 60)) == whole[CHUNK - 10 : CHUNK + 50]


def test_fs7_simulated_events_are_valid_event_lines(welcome: FeedConfig) -> None:
    names = [v.name for v in welcome.flow.variants]
    for event in simulate_events(welcome, 300, seed=21):
        assert parse_event(dump_event(event), names) == event


# -------------------------------------------------------------------------- batches


def test_fs8_contacts_spread_evenly_over_days_then_exits_a_day_after(welcome: FeedConfig) -> None:
    batches = plan_batches(welcome, contacts=10, exits=4, days=3, at=AT, seed=1)
    assert [b.at for b in batches] == [AT + timedelta(days=d) for d in range(4)]
    assert [b.type for b in batches] == ["enter", "enter", "enter", "exit"]
    assert [len(list(b.events)) for b in batches] == [4, 3, 3, 4]
    assert [b.count for b in batches] == [4, 3, 3, 4]
    entered = [e.email for b in batches[:3] for e in b.events]
    assert len(set(entered)) == 10, "N distinct contacts"
    exits = list(batches[3].events)
    assert {e.type for e in exits} == {"exit"} and {e.operation for e in exits} == {"remove"}
    assert {e.email for e in exits} <= set(entered) and len({e.email for e in exits}) == 4


def test_fs8_exiting_contacts_are_the_ones_that_entered(welcome: FeedConfig) -> None:
    batches = plan_batches(welcome, contacts=500, exits=120, days=2, at=AT, seed=4)
    entered = {e.email: e for b in batches[:-1] for e in b.events}
    for event in batches[-1].events:
        twin = entered[event.email]
        assert (event.variant, event.attributes) == (twin.variant, twin.attributes)


def test_fs8_no_exits_no_exit_batch_and_default_one_day(welcome: FeedConfig) -> None:
    batches = plan_batches(welcome, contacts=5, at=AT, seed=1)
    assert len(batches) == 1 and batches[0].at == AT and batches[0].count == 5


def test_fs8_all_contacts_may_exit(welcome: FeedConfig) -> None:
    batches = plan_batches(welcome, contacts=7, exits=7, days=1, at=AT, seed=1)
    assert len(list(batches[-1].events)) == 7


def test_fs8_naive_at_is_utc(welcome: FeedConfig) -> None:
    (batch,) = plan_batches(welcome, contacts=1, at=datetime(2026, 11, 27, 3), seed=1)
    assert batch.at == AT


def test_fs8_batches_are_reproducible_and_reiterable(welcome: FeedConfig) -> None:
    first = plan_batches(welcome, contacts=50, exits=10, days=2, at=AT, seed="x")
    second = plan_batches(welcome, contacts=50, exits=10, days=2, at=AT, seed="x")
    for a, b in zip(first, second, strict=True):
        assert isinstance(a, SimulatedBatch)
        assert list(a.events) == list(b.events) == list(a)
    assert list(contacts(50, seed="x", signup_until=AT.date())) == list(
        itertools.islice(contacts(10**9, seed="x", signup_until=AT.date()), 50)
    )


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"contacts": 3, "exits": 4}, "exits 4 is more than contacts 3"),
        ({"contacts": 3, "days": 0}, "days"),
        ({"contacts": -1}, "contacts"),
        ({"contacts": 3, "exits": -1}, "exits"),
        ({"contacts": 2.5}, "contacts"),
    ],
)
def test_fs8_bad_arguments_are_rejected(
    welcome: FeedConfig, kwargs: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(FeedError, match=fragment):
        plan_batches(welcome, at=AT, seed=1, **kwargs)


def test_fs8_data_feed_rows_total_n_adds_and_m_removes(plain: FeedConfig) -> None:
    """Each batch is one writer batch; with no condition: N data_feed adds, M removes."""
    sink = MemorySink()
    writer = FeedWriter(plain, sink, seed=5)
    results = [
        writer.export(batch.events, at=batch.at)
        for batch in plan_batches(plain, contacts=40, exits=9, days=3, at=AT, seed=5)
    ]
    per_contact = 1 + len(plain.flow.actions)
    adds = sum(f.rows for r in results for f in r.files if f.operation == "add")
    removes = sum(f.rows for r in results for f in r.files if f.operation == "remove")
    assert (adds, removes) == (40 * per_contact, 9 * per_contact)
    assert len(sink.objects) == 2 * 4  # three add files, one remove file, with controls


def test_fs8_simulate_is_streaming_and_fast(plain: FeedConfig) -> None:
    """Generation stays lazy (nothing is built up front) and cheap per contact."""
    batches = plan_batches(plain, contacts=1_000_000, exits=1_000, days=4, at=AT, seed=1)
    assert [b.count for b in batches] == [250_000] * 4 + [1_000]
    head = list(itertools.islice(iter(batches[2].events), 1000))
    assert all(isinstance(e.email, str) for e in head)
    assert head[0].email.rsplit("@", 1)[0].endswith(".500000")


def test_contact_is_a_value() -> None:
    (contact,) = contacts(1, seed=1)
    assert isinstance(contact, Contact)
    assert contact.attributes() is not contact.attributes(), "a fresh dict per event"


def test_fs8_same_seed_same_contacts_in_another_process() -> None:
    """``--seed`` reproduces across runs, not just within one interpreter."""
    import json
    import subprocess
    import sys

    code = (
        "import json; from feedcore.simulate import contacts;"
        "print(json.dumps([list(c.attributes().values()) + [c.email] for c in contacts(300, 99)]))"
    )
    env = {"PYTHONHASHSEED": "12345", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, env=env
    ).stdout
    here = [[*c.attributes().values(), c.email] for c in contacts(300, seed=99)]
    assert json.loads(out) == here
