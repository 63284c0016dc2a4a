"""A small checker for nested config documents that reports every problem at once (FS-1.1).

:mod:`feedcore.config` declares its tables with :func:`section`, its lists with
:func:`items` and its values with :func:`plain` checks; each rejected value adds
one :class:`~feedcore.errors.FieldProblem` naming the field (``flow.variants[0].name``)
and the document is checked to the end, so a user fixes everything in one pass.
Unknown keys are problems at every level (FS-1.2).

The wording of the generic messages (wrong type, not an integer...) is the one the
pydantic model that preceded this module gave, so error lines did not change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from feedcore.errors import FieldProblem

#: Where a value sits: keys and list indexes from the document's root.
Loc = tuple[str | int, ...]


class Invalid(Exception):
    """The value at hand is rejected; ``message`` is the text after the field name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


#: A value that failed its check (its problems are already recorded).
BAD: Any = object()
#: The default of a key that must be given.
REQUIRED: Any = object()


class Problems:
    """Every problem of one document, in the order its fields are declared."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, loc: Loc, message: str, rule: str = "FS-1.1") -> None:
        self.items.append(FieldProblem(dotted(loc) or "config", message, rule))


#: A field's check: (value, where, problems, the fields checked before it) -> value or BAD.
Check = Callable[[Any, Loc, Problems, dict[str, Any]], Any]


def plain(check: Callable[[Any], Any]) -> Check:
    """A check of one value that raises :class:`Invalid`: one problem at the field."""

    def field(value: Any, loc: Loc, problems: Problems, _before: dict[str, Any]) -> Any:
        try:
            return check(value)
        except Invalid as bad:
            problems.add(loc, bad.message)
            return BAD

    return field


def items(item: Check, after: Callable[[Any], None] | None = None) -> Check:
    """A list, parsed to a tuple: each item checked, then ``after`` on the whole tuple
    once every item passed (uniqueness and the like)."""

    def field(value: Any, loc: Loc, problems: Problems, before: dict[str, Any]) -> Any:
        if not isinstance(value, list | tuple):
            problems.add(loc, f"{short(value)} has the wrong type: input should be a valid tuple")
            return BAD
        parsed = tuple(item(v, (*loc, i), problems, before) for i, v in enumerate(value))
        if any(v is BAD for v in parsed):
            return BAD
        if after is not None:
            try:
                after(parsed)
            except Invalid as bad:
                problems.add(loc, bad.message)
                return BAD
        return parsed

    return field


def section(cls: type[Any], fields: dict[str, tuple[Any, Check]]) -> Check:
    """A table of known keys, built into ``cls``: each field (name -> (default or
    :data:`REQUIRED`, check)) in declared order, then every unknown key (FS-1.2)."""
    kind = cls.__name__.lower()

    def field(value: Any, loc: Loc, problems: Problems, _before: dict[str, Any]) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            problems.add(
                loc,
                f"{short(value)} has the wrong type: input should be a valid dictionary "
                f"or instance of {kind}",
            )
            return BAD
        parsed: dict[str, Any] = {}
        failed = False
        for name, (default, check) in fields.items():
            if name not in value:
                if default is REQUIRED:
                    problems.add((*loc, name), "is required: add it")
                    failed = True
                else:
                    parsed[name] = default  # later checks see it (a host sees its target)
                continue
            result = check(value[name], (*loc, name), problems, parsed)
            if result is BAD:
                failed = True
            else:
                parsed[name] = result
        for key in value:
            if key not in fields:
                message = f"unknown key {str(key)!r}: remove it or check its spelling"
                problems.add((*loc, key), message, "FS-1.2")
                failed = True
        return BAD if failed else cls(**parsed)

    return field


# -- value checks ------------------------------------------------------------------------


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{short(value)} has the wrong type: input should be a valid string")
    return value


def strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{value!r} is not true or false: write true or false")
    return value


#: What is stripped before a number is read from text: Unicode White_Space (Python's
#: own ``strip()`` also removes \x1c-\x1f, which the model this replaces did not).
_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
_SPACE += "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_INT_TEXT = re.compile(r"([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0+)?")
_NOT_INT = "input should be a valid integer"
_TOO_BIG = "unable to parse input string as an integer, exceeded maximum size"


def lax_int(value: Any) -> int:
    """An integer, also from an integral float, a decimal string or a bool."""
    if isinstance(value, int):
        return int(value)  # True -> 1
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid(f"{short(value)}: Input should be a finite number")
        if not value.is_integer():
            raise Invalid(f"{value!r}: {_NOT_INT}, got a number with a fractional part")
        if abs(value) >= 2.0**63:
            raise Invalid(f"{value!r}: {_TOO_BIG}")
        return int(value)
    if isinstance(value, str):
        match = _INT_TEXT.fullmatch(value.strip(_SPACE))
        if match is None:
            raise Invalid(f"{value!r}: {_NOT_INT}, unable to parse string as an integer")
        try:
            return int(match.group(1))
        except ValueError:  # more digits than int() converts
            raise Invalid(f"{value!r}: {_TOO_BIG}") from None
    raise Invalid(f"{value!r}: {_NOT_INT}")


# -- naming fields -----------------------------------------------------------------------

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dotted(loc: Loc) -> str:
    """``flow.variants[0].name``; a key that is not plain (an unknown key with spaces,
    dots or control characters) is quoted, so an error line always names one field."""
    out = ""
    for part in loc:
        if isinstance(part, int):  # a list index ("¹".isdigit() is true: ask the type)
            out += f"[{part}]"
            continue
        text = str(part)
        shown = text if _PLAIN_KEY.fullmatch(text) else repr(text)
        out += f".{shown}" if out else shown
    return out


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
