"""Feed configuration (FS-1): the frozen config types, their validation, TOML load/save.

The field rules live in :mod:`feedcore.rules` (plain functions the TUI reuses);
this module declares which key gets which rule, and :mod:`feedcore.schema` applies
them to a whole document, collecting every problem at once, one
:class:`~feedcore.errors.FieldProblem` per field naming the field, the value and the
fix (FS-1.1); unknown keys are errors at every level (FS-1.2).

The types are frozen msgspec structs checked by hand-written code rather than a
pydantic model: building pydantic's validators cost every ``feedlab validate`` and
one-event ``publish`` ~100 ms of start-up, more than the work itself. The messages
are those the pydantic model gave (``tests/unit/test_config*.py`` pin them), and the
lax coercions it applied are kept where a TOML file can reach them: an integer
weight becomes a float, ``max_rows_per_file`` also takes ``"5"``, ``5.0`` or
``true``. Build configs with :func:`parse_config` (or the loaders): the
constructors themselves do not validate.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import msgspec

from feedcore import rules, schema, templating
from feedcore.errors import ConfigError, FieldProblem
from feedcore.schema import BAD, REQUIRED, Invalid, Loc, Problems, items, plain, section

Format = Literal["csv", "tsv", "jsonl"]
Target = Literal["s3", "sftp"]


class Variant(msgspec.Struct, frozen=True, kw_only=True):
    """An experiment variant: contacts assigned to it get its actions (FS-2.2)."""

    name: str
    weight: float = 1.0
    actions: tuple[str, ...] = ()


class Flow(msgspec.Struct, frozen=True, kw_only=True):
    """The flow whose contacts are exported."""

    id: int
    name: str
    segment: str
    actions: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ()

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """A personalised column: ``name`` is the header, ``value`` a Jinja2 template."""

    name: str
    value: str


class Feed(msgspec.Struct, frozen=True, kw_only=True):
    """The "Configure Data Feed" form (FS-1)."""

    format: Format = "csv"
    hash_identity: bool = False
    target: Target = "s3"
    host: str
    path: str = ""
    condition: str | None = None
    contexts: tuple[Context, ...] = ()
    #: FS-5.2 opt-in: split an operation's rows over files of at most this many rows.
    max_rows_per_file: int | None = None
    #: FS-5.2 opt-in: add ``bytes`` and ``sha256`` of the data file to its control file.
    control_checksums: bool = False

    @property
    def port(self) -> int | None:
        """The SFTP port given in ``host`` (None: the default, 22)."""
        if self.target != "sftp":
            return None
        return rules.split_host_port(self.host)[1]

    @property
    def hostname(self) -> str:
        """``host`` without its ``:port`` (SFTP) — what a connection dials by default."""
        if self.target != "sftp":
            return self.host
        return rules.split_host_port(self.host)[0]


class FeedConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A whole feed: who it is for, which flow, and how it is delivered."""

    client: str
    flow: Flow
    feed: Feed

    @property
    def columns(self) -> tuple[str, ...]:
        """FS-2.1: the standard columns, then one per context in configured order."""
        return rules.STANDARD_COLUMNS + tuple(c.name for c in self.feed.contexts)


# -- the fields' checks ------------------------------------------------------------------


def _rule(check: Callable[[str], Any]) -> Callable[[Any], Any]:
    """A text field checked by a :mod:`feedcore.rules` function (whose ValueError is the
    message); the value is kept as given (only format and target are normalised)."""

    def field(value: Any) -> str:
        text = schema.string(value)
        try:
            check(text)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        return text

    return field


def _label(what: str) -> Callable[[Any], Any]:
    return _rule(lambda text: rules.check_label(text, what))


def _choice(normalise: Callable[[str], str], allowed: tuple[str, ...]) -> Callable[[Any], Any]:
    """``format`` / ``target``: any case and spacing of a known name, nothing else."""
    expected = ", ".join(repr(a) for a in allowed[:-1]) + f" or {allowed[-1]!r}"

    def field(value: Any) -> str:
        if isinstance(value, str):
            try:
                value = normalise(value)
            except ValueError as exc:
                raise Invalid(str(exc)) from None
        if value not in allowed:
            raise Invalid(f"{value!r}: input should be {expected}")
        return str(value)

    return field


def _flow_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise Invalid(f"{value!r} is not a flow id: use a positive whole number, e.g. 1234")
    return value


def _weight(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"weight {value!r} is not a number: write e.g. weight = 50")
    try:
        weight = float(value)
    except OverflowError:
        raise Invalid(f"{value!r}: input should be a valid number") from None
    if not weight >= 0 or weight == math.inf:
        raise Invalid(f"weight {weight!r} must be a finite number >= 0")
    return weight


def _max_rows(value: Any) -> int | None:
    if value is None:
        return None
    rows = schema.lax_int(value)
    if rows < 1:
        raise Invalid(f"{value!r}: input should be greater than or equal to 1")
    return rows


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


def _host(value: Any, loc: Loc, problems: Problems, before: dict[str, Any]) -> Any:
    # ``target`` comes before ``host``; when it is invalid there is no way to tell which
    # host rules apply, so only the type is checked.
    target = before.get("target")
    check = schema.string if target is None else _rule(lambda v: rules.check_host(v, target))
    return plain(check)(value, loc, problems, before)


def _unique(kind: str, names: list[str], advice: str) -> None:
    """Refuse a list naming something twice, quoting the first such name."""
    for name in names:
        if names.count(name) > 1:
            raise Invalid(f"{kind} {name!r} is defined twice: {advice}")


def _actions(actions: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for action in actions:
        try:
            rules.check_action(action)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        if action in seen:
            raise Invalid(f"action {action!r} is listed twice: list each action once")
        seen.add(action)


def _variants(variants: tuple[Variant, ...]) -> None:
    # Checked on the list (not per variant) so the error names ``flow.variants`` (FS-1.1).
    _unique("variant", [v.name for v in variants], "give each a unique name")
    if variants and sum(v.weight for v in variants) <= 0:
        raise Invalid("variant weights add up to 0: give at least one a positive weight")


def _contexts(contexts: tuple[Context, ...]) -> None:
    _unique("context", [c.name for c in contexts], "column names must be unique")


_ACTIONS = items(plain(schema.string), _actions)
_VARIANT = section(
    Variant,
    {
        "name": (REQUIRED, plain(_label("variant name"))),
        "weight": (1.0, plain(_weight)),
        "actions": ((), _ACTIONS),
    },
)
_FLOW = section(
    Flow,
    {
        "id": (REQUIRED, plain(_flow_id)),
        "name": (REQUIRED, plain(_label("flow name"))),
        "segment": (REQUIRED, plain(_label("segment name"))),
        "actions": ((), _ACTIONS),
        "variants": ((), items(_VARIANT, _variants)),
    },
)
_CONTEXT = section(
    Context,
    {
        "name": (REQUIRED, plain(_rule(rules.check_context_name))),
        "value": (REQUIRED, plain(_rule(templating.check_template))),
    },
)
_FEED = section(
    Feed,
    {
        "format": ("csv", plain(_choice(rules.check_format, ("csv", "tsv", "jsonl")))),
        "hash_identity": (False, plain(schema.strict_bool)),
        "target": ("s3", plain(_choice(rules.check_target, ("s3", "sftp")))),
        "host": (REQUIRED, _host),
        "path": ("", plain(_rule(rules.check_path))),
        "condition": (None, plain(_optional(_rule(templating.check_expression)))),
        "contexts": ((), items(_CONTEXT, _contexts)),
        "max_rows_per_file": (None, plain(_max_rows)),
        "control_checksums": (False, plain(schema.strict_bool)),
    },
)
_CONFIG = section(
    FeedConfig,
    {
        "client": (REQUIRED, plain(_rule(rules.check_client))),
        "flow": (REQUIRED, _FLOW),
        "feed": (REQUIRED, _FEED),
    },
)


def _split_fits_a_contact(config: FeedConfig, problems: Problems) -> None:
    """FS-5.2: a file holds at least one contact's rows (checked once all else is valid)."""
    limit = config.feed.max_rows_per_file
    if limit is None:
        return
    groups = [len(config.flow.actions)] + [len(v.actions) for v in config.flow.variants]
    needed = 1 + max(groups)
    if limit < needed:
        problems.add(
            ("feed", "max_rows_per_file"),
            f"{limit} is smaller than one contact's rows ({needed}: the data_feed "
            f"row plus its actions): raise it to at least {needed}",
        )


# -- the public functions --------------------------------------------------------------


def parse_config(data: dict[str, Any], source: str | None = None) -> FeedConfig:
    """Validate a config mapping (the TOML layout of FS-1.2); every problem is reported."""
    problems = Problems()
    config = _CONFIG(data, (), problems, {})
    if config is not BAD:
        _split_fits_a_contact(config, problems)
    if problems.items:
        raise ConfigError(problems.items, source)
    assert isinstance(config, FeedConfig)
    return config


def load_config(path: str | Path) -> FeedConfig:
    """Read and validate a TOML feed config; every problem is reported, not just the first."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [FieldProblem("config", f"file {str(p)!r} does not exist", "FS-1.2")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([FieldProblem("config", f"cannot read {str(p)!r}: {exc}")]) from None
    return loads_config(text, source=str(p))


def loads_config(text: str, source: str | None = None) -> FeedConfig:
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4,300 digits
        raise ConfigError(
            [FieldProblem("config", f"not valid TOML: {exc} (FS-1.2 shows the layout)", "FS-1.2")],
            source,
        ) from None
    return parse_config(data, source)


def config_to_dict(config: FeedConfig) -> dict[str, Any]:
    """The FS-1.2 layout, with every key shown (None-valued optional keys left out)."""
    flow, feed = config.flow, config.feed
    variants = [
        {
            "name": v.name,
            "weight": int(v.weight) if float(v.weight).is_integer() else v.weight,
            "actions": list(v.actions),
        }
        for v in flow.variants
    ]
    feed_data: dict[str, Any] = {
        "format": feed.format,
        "hash_identity": feed.hash_identity,
        "target": feed.target,
        "host": feed.host,
        "path": feed.path,
    }
    if feed.condition is not None:
        feed_data["condition"] = feed.condition
    feed_data["contexts"] = [{"name": c.name, "value": c.value} for c in feed.contexts]
    if feed.max_rows_per_file is not None:
        feed_data["max_rows_per_file"] = feed.max_rows_per_file
    feed_data["control_checksums"] = feed.control_checksums
    return {
        "client": config.client,
        "flow": {
            "id": flow.id,
            "name": flow.name,
            "segment": flow.segment,
            "actions": list(flow.actions),
            "variants": variants,
        },
        "feed": feed_data,
    }


def dumps_config(config: FeedConfig) -> str:
    import tomli_w  # only saving and the batch journal write TOML

    return tomli_w.dumps(config_to_dict(config), multiline_strings=False)


def save_config(config: FeedConfig, path: str | Path) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a config."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(dumps_config(config), encoding="utf-8")
    tmp.replace(p)
