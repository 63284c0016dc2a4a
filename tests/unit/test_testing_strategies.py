"""feedcore.testing.strategies: the public strategies (issue 13) make what they promise.

``events(config)`` must yield batches a production reader accepts for that config
(FS-7): every one survives ``dump_event`` -> ``parse_event`` with the config's
variants, names only configured variants (or none), and reads the attributes the
config's templates and condition use.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedcore
from feedcore.events import dump_event, parse_event
from feedcore.testing import strategies as fs

FEEDS = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "feeds").glob("*.toml"))


def test_import_feedcore_does_not_load_hypothesis() -> None:
    probe = "import feedcore, feedcore.testing, sys; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.stem)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fs7_events_are_valid_for_their_config(path: Path, data: st.DataObject) -> None:
    config = feedcore.load_config(path)
    batch = data.draw(fs.events(config, min_size=1, max_size=4))
    assert 1 <= len(batch) <= 4
    variants = {v.name for v in config.flow.variants}
    assert len({e.email.strip().lower() for e in batch}) == len(batch)
    for event in batch:
        assert isinstance(event, feedcore.Event)
        assert event.variant is None or event.variant in variants
        assert parse_event(dump_event(event).rstrip(b"\n"), variants) == event


def test_fs2_5_attribute_names_include_what_the_config_reads() -> None:
    config = feedcore.loads_config(
        """
client = "acme"
[flow]
id = 1
name = "F"
segment = "S"
actions = ["email"]
[feed]
format = "csv"
target = "s3"
host = "acme-feeds"
condition = 'contact.tier != "x"'
[[feed.contexts]]
name = "c"
value = "{{ contact['nick'] }} {{ contact.get('zone') }}"
"""
    )
    names = fs.attribute_names(config)
    assert names[:3] == ("nick", "zone", "tier")
    assert "first_name" in names


@settings(max_examples=20, deadline=None)
@given(config=fs.feed_configs(), text=fs.hostile_text())
def test_feed_configs_are_validated_configs_and_hostile_text_is_utf8(
    config: feedcore.FeedConfig, text: str
) -> None:
    assert isinstance(config, feedcore.FeedConfig)
    assert text.encode("utf-8").decode("utf-8") == text
