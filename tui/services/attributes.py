"""What simulated contacts carry (FS-7.1), and what a config makes of them (FS-2.5, FS-2.6).

* :func:`catalogue`: each attribute of the simulated contacts with its type and
  sample values, from :mod:`feedcore.simulate` itself (the names are
  :data:`feedcore.simulate.ATTRIBUTES`, so the list cannot drift from it);
* :func:`try_config`: for a sample of simulated contacts, how many the condition
  keeps and what each personalised field renders. Rows come from the real
  :class:`~feedcore.rows.RowBuilder`, the writer's own, so the tester can never
  disagree with an export; it shows the identifier as the row holds it (hashed
  in a hashed feed, FS-2.5).

Textual-free: the Attributes screen shows these values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from feedcore.config import FeedConfig, config_to_dict, parse_config
from feedcore.identity import hash_email
from feedcore.lint import LintWarning, lint_config
from feedcore.rows import RowBuilder
from feedcore.simulate import ATTRIBUTES, contacts, is_hostile_text, simulate_events

#: Sample contacts the browser and the tester use (small: everything is shown).
SAMPLE = 20
#: Distinct sample values shown per attribute.
VALUES_SHOWN = 6
#: Contacts scanned for the browser's samples (so hostile examples show up too).
SCANNED = 200


@dataclass(frozen=True)
class Attribute:
    """One attribute of simulated contacts."""

    name: str
    kind: str  # "text", "number", "date", "one of ..."
    samples: tuple[str, ...]
    hostile_sample: str | None = None  # a sample with awkward text (FS-3.4), when one exists


def catalogue(seed: int, scanned: int = SCANNED) -> list[Attribute]:
    """Every attribute of ``seed``'s first ``scanned`` contacts: type and sample values."""
    values: dict[str, list[Any]] = {name: [] for name in ATTRIBUTES}
    for contact in contacts(scanned, seed):
        for name, value in contact.attributes().items():
            values[name].append(value)
    return [_describe(name, values[name]) for name in ATTRIBUTES]


def _describe(name: str, values: list[Any]) -> Attribute:
    distinct = list(dict.fromkeys(values))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in distinct):
        kind = f"number ({min(distinct):g} to {max(distinct):g})" if distinct else "number"
    elif name.endswith("_date"):
        kind = "date (ISO, YYYY-MM-DD)"
    elif 0 < len(distinct) <= 5:
        kind = "one of " + ", ".join(sorted(str(v) for v in distinct))
    else:
        kind = "text"
    plain = [str(v) for v in distinct if not (isinstance(v, str) and is_hostile_text(v))]
    hostile = next((v for v in distinct if isinstance(v, str) and is_hostile_text(v)), None)
    return Attribute(name, kind, tuple(plain[:VALUES_SHOWN]), hostile)


@dataclass(frozen=True)
class SampleRow:
    """One sample contact through the row builder."""

    identifier: str  # as written (hashed in a hashed feed)
    variant: str | None
    kept: bool
    values: tuple[str | None, ...]  # the personalised fields, in config order (kept only)


@dataclass(frozen=True)
class TryResult:
    """The tester's answer for one config."""

    fields: tuple[str, ...]
    rows: tuple[SampleRow, ...]
    warnings: tuple[LintWarning, ...] = ()
    render_failures: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def kept(self) -> int:
        return sum(1 for row in self.rows if row.kept)


def try_config(config: FeedConfig, seed: int, sample: int = SAMPLE) -> TryResult:
    """Run ``sample`` simulated contacts (entering) of ``seed`` through the writer's builder."""
    builder = RowBuilder(config)
    rows: list[SampleRow] = []
    for event in simulate_events(config, sample, seed=seed):
        built = builder.build(event)
        if built is None:
            rows.append(SampleRow(_identifier(builder, event.email), event.variant, False, ()))
        else:
            rows.append(SampleRow(built.identifier, built.variant, True, built.contexts))
    names = tuple(c.name for c in config.feed.contexts)
    return TryResult(names, tuple(rows), tuple(lint_config(config)), Counter(builder.warnings))


def _identifier(builder: RowBuilder, email: str) -> str:
    """What the row would hold had it been kept (never the raw address in a hashed feed)."""
    return hash_email(email) if builder.hashed else email.strip()


def with_condition(config: FeedConfig, condition: str) -> FeedConfig:
    """``config`` with another condition (empty: none), validated as a config is.

    Raises :class:`~feedcore.errors.ConfigError` naming ``feed.condition`` when it
    does not parse (FS-2.6).
    """
    data = config_to_dict(config)
    feed = dict(data["feed"])
    feed.pop("condition", None)
    if condition.strip():
        feed["condition"] = condition
    return parse_config({**data, "feed": feed})


def with_template(config: FeedConfig, name: str, template: str) -> FeedConfig:
    """``config`` with one more personalised field ``name`` = ``template`` (to try it)."""
    data = config_to_dict(config)
    feed = dict(data["feed"])
    feed["contexts"] = [*feed.get("contexts", []), {"name": name, "value": template}]
    return parse_config({**data, "feed": feed})
