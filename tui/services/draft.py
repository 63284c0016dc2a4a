"""The feed form's values as typed, and their way to and from a FeedConfig (FS-1).

The form edits strings; the config model wants types. :class:`FormValues` holds
exactly what the widgets show, so an invalid value survives (and is reported)
instead of being lost, and "unsaved changes" is a plain comparison of two values.
Keys the form does not edit (``max_rows_per_file``, ``control_checksums``, and
unknown keys, which the config model reports) ride along untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from feedcore import rules, templating
from feedcore.config import FeedConfig, parse_config

VariantRow = tuple[str, str, str]  # name, weight, actions ("a, b")
ContextRow = tuple[str, str]  # name, value template

_FLOW_KEYS = ("id", "name", "segment", "actions", "variants")
_FEED_KEYS = ("format", "hash_identity", "target", "host", "path", "condition", "contexts")


@dataclass(frozen=True)
class FormValues:
    """Everything the form shows, as shown."""

    client: str = ""
    flow_id: str = ""
    flow_name: str = ""
    segment: str = ""
    actions: str = ""
    variants: tuple[VariantRow, ...] = ()
    format: str = "csv"
    hash_identity: bool = False
    target: str = "s3"
    host: str = ""
    path: str = ""
    condition: str = ""
    contexts: tuple[ContextRow, ...] = ()
    extra_top: tuple[tuple[str, Any], ...] = ()
    extra_flow: tuple[tuple[str, Any], ...] = ()
    extra_feed: tuple[tuple[str, Any], ...] = ()

    def with_field(self, name: str, value: Any) -> FormValues:
        if name not in FIELD_NAMES:
            raise KeyError(f"unknown form field {name!r}")
        if name in ("variants", "contexts"):
            value = tuple(tuple(str(part) for part in row) for row in value)
        return replace(self, **{name: value})

    # -- to the FS-1.2 layout ------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        flow: dict[str, Any] = {
            "id": _int_or_text(self.flow_id),
            "name": self.flow_name,
            "segment": self.segment,
            "actions": split_actions(self.actions),
            "variants": [
                {"name": name, "weight": _number_or_text(weight), "actions": split_actions(acts)}
                for name, weight, acts in self.variants
            ],
        }
        flow.update(self.extra_flow)
        feed: dict[str, Any] = {
            "format": self.format,
            "hash_identity": self.hash_identity,
            "target": self.target,
            "host": self.host,
            "path": self.path,
            "contexts": [{"name": n, "value": v} for n, v in self.contexts],
        }
        if self.condition.strip():
            feed["condition"] = self.condition
        feed.update(self.extra_feed)
        data: dict[str, Any] = {"client": self.client, "flow": flow, "feed": feed}
        data.update(self.extra_top)
        return data

    def to_config(self) -> FeedConfig:
        """The validated config; raises :class:`~feedcore.errors.ConfigError` listing problems."""
        return parse_config(self.to_data())

    # -- from the FS-1.2 layout ----------------------------------------------------

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FormValues:
        """Tolerant: whatever is there is shown, wrong types as text, for the user to fix."""
        flow = _mapping(data.get("flow"))
        feed = _mapping(data.get("feed"))
        variants = tuple(
            (
                _text(v.get("name")),
                _weight_text(v.get("weight", 1)),
                join_actions(v.get("actions", ())),
            )
            for v in map(_mapping, _sequence(flow.get("variants")))
        )
        contexts = tuple(
            (_text(c.get("name")), _text(c.get("value")))
            for c in map(_mapping, _sequence(feed.get("contexts")))
        )
        return cls(
            client=_text(data.get("client")),
            flow_id=_text(flow.get("id")),
            flow_name=_text(flow.get("name")),
            segment=_text(flow.get("segment")),
            actions=join_actions(flow.get("actions", ())),
            variants=variants,
            format=_choice(feed.get("format"), ("csv", "tsv", "jsonl"), "csv"),
            hash_identity=feed.get("hash_identity") is True,
            target="sftp" if _text(feed.get("target")).lower() in ("sftp", "ftp") else "s3",
            host=_text(feed.get("host")),
            path=_text(feed.get("path")),
            condition=_text(feed.get("condition")),
            contexts=contexts,
            extra_top=_extras(data, ("client", "flow", "feed")),
            extra_flow=_extras(flow, _FLOW_KEYS),
            extra_feed=_extras(feed, _FEED_KEYS),
        )

    @classmethod
    def from_config(cls, config: FeedConfig) -> FormValues:
        from feedcore.config import config_to_dict

        return cls.from_data(config_to_dict(config))


FIELD_NAMES = frozenset(
    name for name in FormValues.__dataclass_fields__ if not name.startswith("extra_")
)

#: What a new, untitled feed starts with: every text field empty (the form shows
#: placeholders, which are examples, never values), CSV to S3.
NEW_CONFIG = FormValues()


def split_actions(text: str) -> list[str]:
    """``"a, b"`` -> ``["a", "b"]`` (the form edits an action list as one line)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def join_actions(actions: Any) -> str:
    return ", ".join(_text(a) for a in _sequence(actions))


# -- per-field checks (validate as you type) -----------------------------------------

Checker = Callable[[str], object]


def check_flow_id(value: str) -> int:
    text = value.strip()
    if not rules.is_digits(text) or int(text) <= 0:
        raise ValueError(f"{value!r} is not a flow id: use a positive whole number, e.g. 1234")
    return int(text)


def check_actions(value: str) -> list[str]:
    actions = split_actions(value)
    for action in actions:
        rules.check_action(action)
        if actions.count(action) > 1:
            raise ValueError(f"action {action!r} is listed twice: list each action once")
    return actions


def check_weight(value: str) -> float:
    try:
        weight = float(value)
    except ValueError:
        raise ValueError(f"weight {value!r} is not a number: use e.g. 50") from None
    if not weight >= 0 or weight == float("inf"):
        raise ValueError(f"weight {value!r} must be a finite number >= 0")
    return weight


def check_condition(value: str) -> None:
    if value.strip():
        templating.check_expression(value)


def check_host_for(target: str) -> Checker:
    return lambda value: rules.check_host(value, target)


FIELD_CHECKS: dict[str, Checker] = {
    "client": rules.check_client,
    "flow_id": check_flow_id,
    "flow_name": lambda v: rules.check_label(v, "flow name"),
    "segment": lambda v: rules.check_label(v, "segment name"),
    "actions": check_actions,
    "path": rules.check_path,
    "condition": check_condition,
}


def problem(checker: Checker, value: str) -> str | None:
    """The checker's message for ``value``, or None when it is fine."""
    try:
        checker(value)
    except ValueError as exc:
        return str(exc)
    return None


def duplicates(names: list[str]) -> set[str]:
    return {name for name in names if name and names.count(name) > 1}


# -- helpers -------------------------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _weight_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _choice(value: Any, choices: tuple[str, ...], default: str) -> str:
    text = _text(value).strip().lower()
    return text if text in choices else default


def _extras(data: Mapping[str, Any], known: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, v) for k, v in data.items() if k not in known)


def _int_or_text(value: str) -> int | str:
    text = value.strip()
    return int(text) if rules.is_digits(text) else value


def _number_or_text(value: str) -> float | int | str:
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number
