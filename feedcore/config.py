"""Feed configuration (FS-1): the pydantic model, TOML load/save, and error messages.

Validation lives in :mod:`feedcore.rules` (plain functions the TUI reuses); this
module wires them into a strict model (unknown keys are errors, FS-1.2) and turns
pydantic's errors into :class:`~feedcore.errors.FieldProblem` lines that name the
field, the value and the fix (FS-1.1).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from feedcore import rules, templating
from feedcore.errors import ConfigError, FieldProblem


class FieldValueError(ValueError):
    """A check made above the field it belongs to; keeps the field for the message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Variant(_Strict):
    """An experiment variant: contacts assigned to it get its actions (FS-2.2)."""

    name: str
    weight: float = 1
    actions: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return rules.check_label(v, "variant name")

    @field_validator("weight", mode="before")
    @classmethod
    def _weight_is_a_number(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"weight {v!r} is not a number: write e.g. weight = 50")
        return v

    @field_validator("weight")
    @classmethod
    def _weight(cls, v: float) -> float:
        if not v >= 0 or v == float("inf"):
            raise ValueError(f"weight {v!r} must be a finite number >= 0")
        return v

    @field_validator("actions")
    @classmethod
    def _actions(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _check_actions(v)


def _check_actions(actions: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    for action in actions:
        rules.check_action(action)
        if action in seen:
            raise ValueError(f"action {action!r} is listed twice: list each action once")
        seen.add(action)
    return actions


def _check_unique(kind: str, names: list[str], advice: str) -> None:
    """Refuse a list naming something twice, quoting the first such name."""
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"{kind} {name!r} is defined twice: {advice}")


class Flow(_Strict):
    """The flow whose contacts are exported."""

    id: int
    name: str
    segment: str
    actions: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ()

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"{v!r} is not a flow id: use a positive whole number, e.g. 1234")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return rules.check_label(v, "flow name")

    @field_validator("segment")
    @classmethod
    def _segment(cls, v: str) -> str:
        return rules.check_label(v, "segment name")

    @field_validator("actions")
    @classmethod
    def _actions(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _check_actions(v)

    @field_validator("variants")
    @classmethod
    def _variants(cls, v: tuple[Variant, ...]) -> tuple[Variant, ...]:
        # A field validator (not a model one) so the error names ``flow.variants`` (FS-1.1).
        _check_unique("variant", [variant.name for variant in v], "give each a unique name")
        if v and sum(variant.weight for variant in v) <= 0:
            raise ValueError("variant weights add up to 0: give at least one a positive weight")
        return v

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)


class Context(_Strict):
    """A personalised column: ``name`` is the header, ``value`` a Jinja2 template."""

    name: str
    value: str

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return rules.check_context_name(v)

    @field_validator("value")
    @classmethod
    def _value(cls, v: str) -> str:
        templating.check_template(v)
        return v


class Feed(_Strict):
    """The "Configure Data Feed" form (FS-1)."""

    format: Literal["csv", "tsv", "jsonl"] = "csv"
    hash_identity: StrictBool = False
    target: Literal["s3", "sftp"] = "s3"
    host: str
    path: str = ""
    condition: str | None = None
    contexts: tuple[Context, ...] = ()
    #: FS-5.2 opt-in: split an operation's rows over files of at most this many rows.
    max_rows_per_file: int | None = Field(default=None, ge=1)
    #: FS-5.2 opt-in: add ``bytes`` and ``sha256`` of the data file to its control file.
    control_checksums: StrictBool = False

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: Any) -> Any:
        return rules.check_format(v) if isinstance(v, str) else v

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, v: Any) -> Any:
        return rules.check_target(v) if isinstance(v, str) else v

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        return rules.check_path(v)

    @field_validator("condition")
    @classmethod
    def _condition(cls, v: str | None) -> str | None:
        if v is not None:
            templating.check_expression(v)
        return v

    @field_validator("contexts")
    @classmethod
    def _contexts(cls, v: tuple[Context, ...]) -> tuple[Context, ...]:
        _check_unique("context", [c.name for c in v], "column names must be unique")
        return v

    @field_validator("host")
    @classmethod
    def _host(cls, v: str, info: ValidationInfo) -> str:
        # ``target`` is declared before ``host``, so it is validated first; when it
        # is invalid there is no way to tell which host rules apply, so skip them.
        if "target" not in info.data:
            return v
        return rules.check_host(v, info.data["target"])

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


class FeedConfig(_Strict):
    """A whole feed: who it is for, which flow, and how it is delivered."""

    client: str
    flow: Flow
    feed: Feed

    @field_validator("client")
    @classmethod
    def _client(cls, v: str) -> str:
        return rules.check_client(v)

    @model_validator(mode="after")
    def _split_fits_a_contact(self) -> FeedConfig:
        limit = self.feed.max_rows_per_file
        if limit is not None:
            groups = [len(self.flow.actions)] + [len(v.actions) for v in self.flow.variants]
            needed = 1 + max(groups)
            if limit < needed:
                raise FieldValueError(
                    "feed.max_rows_per_file",
                    f"{limit} is smaller than one contact's rows ({needed}: the data_feed "
                    f"row plus its actions): raise it to at least {needed}",
                )
        return self

    @property
    def columns(self) -> tuple[str, ...]:
        """FS-2.1: the standard columns, then one per context in configured order."""
        return rules.STANDARD_COLUMNS + tuple(c.name for c in self.feed.contexts)


def _problems(exc: ValidationError) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        kind = err["type"]
        field = _dotted(list(err["loc"]))
        value = err.get("input")
        located = (err.get("ctx") or {}).get("error")
        if isinstance(located, FieldValueError):
            field = located.field
        if kind == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}: remove it or check its spelling"
        elif kind == "missing":
            msg = "is required: add it"
        elif kind == "value_error":
            msg = str(err["msg"]).removeprefix("Value error, ")
        elif kind in ("bool_type", "bool_parsing"):
            msg = f"{value!r} is not true or false: write true or false"
        elif kind.startswith(("int_", "float_", "greater_than")) or kind == "literal_error":
            msg = f"{value!r}: {err['msg'].lower()}"
        elif kind in ("string_type", "tuple_type", "list_type", "model_type", "dict_type"):
            msg = f"{_short(value)} has the wrong type: {err['msg'].lower()}"
        else:
            msg = f"{_short(value)}: {err['msg']}"
        rule = "FS-1.2" if kind == "extra_forbidden" else "FS-1.1"
        problems.append(FieldProblem(field or "config", msg, rule))
    return problems


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _dotted(loc: list[str | int]) -> str:
    """``flow.variants[0].name``; a key that is not plain (an unknown key with spaces,
    dots or control characters) is quoted, so an error line always names one field."""
    out = ""
    for part in loc:
        if isinstance(part, int):  # a list index ("¹".isdigit() is true: ask the type)
            out += f"[{part}]"
            continue
        shown = part if _PLAIN_KEY.fullmatch(part) else repr(part)
        out += f".{shown}" if out else shown
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_config(data: dict[str, Any], source: str | None = None) -> FeedConfig:
    """Validate a config mapping (the TOML layout of FS-1.2)."""
    try:
        return FeedConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc), source) from None


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
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [FieldProblem("config", f"not valid TOML: {exc} (FS-1.2 shows the layout)", "FS-1.2")],
            source,
        ) from None
    return parse_config(data, source)


def config_to_dict(config: FeedConfig) -> dict[str, Any]:
    """The FS-1.2 layout, with every key shown (None-valued optional keys left out)."""
    data = config.model_dump(mode="json")
    for variant in data["flow"]["variants"]:
        if float(variant["weight"]).is_integer():
            variant["weight"] = int(variant["weight"])
    feed = data["feed"]
    for key in ("condition", "max_rows_per_file"):
        if feed.get(key) is None:
            feed.pop(key, None)
    return {"client": data["client"], "flow": data["flow"], "feed": feed}


def dumps_config(config: FeedConfig) -> str:
    return tomli_w.dumps(config_to_dict(config), multiline_strings=False)


def save_config(config: FeedConfig, path: str | Path) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a config."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(dumps_config(config), encoding="utf-8")
    tmp.replace(p)
