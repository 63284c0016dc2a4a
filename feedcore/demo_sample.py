"""How many simulated contacts a demo sample needs to show the whole feed.

**[decision]** The sample stays a prefix of the simulator's sequence (contacts
0..N-1 enter, contacts 0..E-1 exit a day later), as ``feedlab simulate`` and the
app's first F5 with the same seed make it, so the sample, the app and the
command line agree. N and E start at what was asked and grow until the sample
shows, through the real :class:`~feedcore.rows.RowBuilder`:

* every variant that can receive contacts (weight > 0),
* both operations (a contact the condition keeps among the first E),
* at least one awkward value: a quote, comma, tab, line break or emoji in a
  column, so a loader is tested on quoting (FS-3.4). A value carrying a
  contact's own awkward text (FS-7.1's hostile names and cities) is preferred to
  one whose awkwardness is the template's constant text (``"Hi {{ ... }}, from"``).

At most :data:`SCAN_LIMIT` contacts are looked at. A condition that keeps none
of them is an error (the sample would be empty); a variant or an awkward value
that cannot be found (a feed with no column carrying contact text, say) is
reported in the bundle as a gap instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from feedcore.rows import RowBuilder
from feedcore.simulate import simulate_events

#: Contacts scanned at most to cover the feed.
SCAN_LIMIT = 2000
_AWKWARD = frozenset('",\t\r\n')


def is_awkward(text: str) -> bool:
    """A value a loader must quote or decode with care: quote, comma, tab, line break, emoji."""
    return any(ch in _AWKWARD or ord(ch) > 0xFFFF for ch in text)


def _carries_contact_text(values: list[str], attributes: dict[str, object]) -> bool:
    """Does an awkward value hold an attribute's own awkward text?"""
    texts = [a for a in attributes.values() if isinstance(a, str) and is_awkward(a)]
    return any(text in value for text in texts for value in values)


@dataclass(frozen=True)
class SamplePlan:
    """How many contacts enter (``contacts``) and exit (``exits``), and why."""

    contacts: int
    exits: int
    grown_for: tuple[str, ...] = ()  # what made the sample larger than asked
    gaps: tuple[str, ...] = ()  # what no contact within the limit could show


def plan_sample(
    config: FeedConfig, *, seed: int, contacts: int, exits: int, limit: int = SCAN_LIMIT
) -> SamplePlan:
    """The smallest prefix, at least ``contacts``/``exits``, that covers the feed."""
    if contacts < 1 or not 0 <= exits <= contacts:
        raise FeedError("a sample needs at least 1 contact and between 0 and that many exits")
    builder = RowBuilder(config)
    wanted = [v.name for v in config.flow.variants if v.weight > 0]
    fixed_awkward = is_awkward(config.flow.name) or is_awkward(config.flow.segment)
    first_kept: int | None = None
    first_variant: dict[str, int] = {}
    first_awkward: int | None = None
    first_hostile: int | None = None
    for index, event in enumerate(simulate_events(config, limit, seed=seed)):
        built = builder.build(event)
        if built is None:
            continue
        if first_kept is None:
            first_kept = index
        if built.variant is not None:
            first_variant.setdefault(built.variant, index)
        odd = [v for v in built.contexts if v is not None and is_awkward(v)]
        if first_awkward is None and (fixed_awkward or odd):
            first_awkward = index
        if first_hostile is None and _carries_contact_text(odd, event.attributes):
            first_hostile = index
        if first_hostile is not None and all(name in first_variant for name in wanted):
            break
    if first_hostile is not None:
        first_awkward = first_hostile
    if first_kept is None:
        condition = config.feed.condition
        raise FeedError(
            f"the condition {condition!r} keeps none of the first {limit} simulated contacts "
            f"(seed {seed}): the sample would have no rows; loosen the condition "
            "(the app's attribute tester shows what it keeps)"
        )
    grown: list[str] = []
    gaps: list[str] = []
    n = contacts
    for name in wanted:
        at = first_variant.get(name)
        if at is None:
            gaps.append(f"variant {name}: no kept contact among the first {limit}")
        elif at + 1 > n:
            n = at + 1
            grown.append(f"variant {name}")
    if first_awkward is None:
        gaps.append(f"awkward text: no column carries one for the first {limit} contacts")
    elif first_awkward + 1 > n:
        n = first_awkward + 1
        grown.append("an awkward value")
    e = exits
    if exits and first_kept + 1 > exits:
        e = first_kept + 1
        grown.append("a remove row")
    n = max(n, e)
    return SamplePlan(n, e, tuple(grown), tuple(gaps))
