"""Every Jinja2 filter and test, wrapped so that it is charged and checked.

A wrapper is ``@pass_context``, which has a second use: Jinja2 folds a filter
or test with constant arguments at *compile* time unless it takes the context,
so ``{{ 'x'|center(10**9) }}`` can no longer run (or hang) while a config is
being validated. Filters that amplify get a check before the call
(:data:`PRECHECKS`); every result is measured after
(:func:`~feedcore.sandbox.checks.checked`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2.utils import _PassArg

from feedcore.sandbox import checks
from feedcore.sandbox.checks import Args, Kwargs, check_width, size_of
from feedcore.sandbox.limits import (
    LIST_TOO_BIG,
    MAX_ITEMS,
    MAX_TEXT_ESTIMATE,
    MAX_VALUE,
    STEP_CHARS,
    VALUE_TOO_BIG,
    charge,
    too_big,
)

#: A check made before a filter: (value, args, kwargs) -> the value to filter.
Precheck = Callable[[Any, Args, Kwargs], Any]


def _refuse_over(size: int) -> None:
    if size > MAX_VALUE:
        raise too_big(VALUE_TOO_BIG)


def _text(value: Any) -> str:
    """What a filter's ``soft_str`` makes of ``value`` (measured before it is made)."""
    return checks.text_of(value) if not isinstance(value, str) else value


def _indent(value: Any, args: Args, kwargs: Kwargs) -> Any:
    width = checks._arg(args, kwargs, 0, "width", 4)
    first = checks._arg(args, kwargs, 1, "first", False)
    blank = checks._arg(args, kwargs, 2, "blank", False)
    each = width if isinstance(width, int) else len(_text(width))
    check_width(each)  # the indentation itself is made first
    lines = (_text(value) + "\n").splitlines()  # as do_indent splits (not only at \n)
    indented = sum(1 for line in lines[1:] if line or blank) + bool(first)
    _refuse_over(len(_text(value)) + len(lines) + indented * max(each, 0))
    return value


def _wordwrap(value: Any, args: Args, kwargs: Kwargs) -> Any:
    width = checks._arg(args, kwargs, 0, "width", 79)
    wrap = checks._arg(args, kwargs, 2, "wrapstring") or "\n"
    text = _text(value)
    if isinstance(width, int) and width >= 1:
        # Greedy wrapping: two consecutive lines of a paragraph hold more than ``width``
        # characters, so a paragraph of n characters has at most 2n/width + 1 lines.
        lines = 2 * len(text) // width + len(text.splitlines()) + 1
        _refuse_over(len(text) + lines * len(_text(wrap)))
        charge(lines * (1 + len(text) // STEP_CHARS))  # each line re-slices the rest
    return value


def _replace(value: Any, args: Args, kwargs: Kwargs) -> Any:
    checks.check_replace(_text(value), args, kwargs)
    return value


def _join(value: Any, args: Args, kwargs: Kwargs) -> Any:
    items = checks.bounded_items(value)
    separator = checks._arg(args, kwargs, 0, "d", "")
    checks.check_join(_text(separator), items)
    return items


def _format(value: Any, args: Args, kwargs: Kwargs) -> Any:
    checks.check_printf(_text(value), kwargs or args)
    return value


def _counted(name: str, index: int) -> Precheck:
    """``batch(linecount, fill_with)`` and ``slice(slices, fill_with)``: lists to make."""

    def check(value: Any, args: Args, kwargs: Kwargs) -> Any:
        count = checks._arg(args, kwargs, 0, name)
        check_width(count, MAX_ITEMS)
        fill = checks._arg(args, kwargs, index, "fill_with")
        if fill is not None and isinstance(count, int):
            _refuse_over(size_of(fill, MAX_VALUE) * max(count, 0))
        return value

    return check


def _urlize(value: Any, args: Args, kwargs: Kwargs) -> Any:
    target = checks._arg(args, kwargs, 2, "target") or ""
    rel = checks._arg(args, kwargs, 3, "rel") or ""
    per_link = len(_text(target)) + len(_text(rel))
    _refuse_over(len(_text(value).split()) * per_link)  # added to every word that is a link
    return value


def _indented(index: int | None) -> Precheck:
    """``tojson(indent)`` and ``pprint``: each line is indented once per nesting level."""

    def check(value: Any, args: Args, kwargs: Kwargs) -> Any:
        if size_of(value, MAX_TEXT_ESTIMATE) > MAX_TEXT_ESTIMATE:
            raise too_big(VALUE_TOO_BIG)
        indent = 1 if index is None else checks._arg(args, kwargs, index, "indent")
        each = indent if isinstance(indent, int) else len(_text(indent or ""))
        if each > 0:
            nodes, depth = checks.shape_of(value, MAX_VALUE)
            _refuse_over(nodes * each * depth)
        return value

    return check


def _sum(value: Any, args: Args, kwargs: Kwargs) -> Any:
    items = checks.bounded_items(value)
    start = checks._arg(args, kwargs, 1, "start", 0)
    if isinstance(start, list | tuple) or any(isinstance(i, list | tuple) for i in items):
        total = sum(checks.sized_len(i) for i in items) + checks.sized_len(start)
        if total > MAX_ITEMS:
            raise too_big(LIST_TOO_BIG)
        charge(len(items) * (1 + total // STEP_CHARS))  # each addition copies the total
    return items


def _center(value: Any, args: Args, kwargs: Kwargs) -> Any:
    check_width(checks._arg(args, kwargs, 0, "width", 80))
    return value


#: Filters that amplify, and the check made before each.
PRECHECKS: dict[str, Precheck] = {
    "center": _center,
    "indent": _indent,
    "wordwrap": _wordwrap,
    "replace": _replace,
    "join": _join,
    "format": _format,
    "batch": _counted("linecount", 1),
    "slice": _counted("slices", 1),
    "urlize": _urlize,
    "tojson": _indented(0),
    "pprint": _indented(None),
    "sum": _sum,
}


def _caller(func: Callable[..., Any]) -> Callable[[Context, Any, Args, Kwargs], Any]:
    """Calls ``func`` with what it asks Jinja2 for (context, eval context, environment)."""
    passed = _PassArg.from_obj(func)
    if passed is _PassArg.context:
        return lambda context, value, args, kwargs: func(context, value, *args, **kwargs)
    if passed is _PassArg.eval_context:
        return lambda context, value, args, kwargs: func(context.eval_ctx, value, *args, **kwargs)
    if passed is _PassArg.environment:
        return lambda context, value, args, kwargs: func(
            context.environment, value, *args, **kwargs
        )
    return lambda context, value, args, kwargs: func(value, *args, **kwargs)


def bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` charged by its input's size, prechecked if it amplifies, its result checked."""
    call = _caller(func)
    precheck = PRECHECKS.get(name)

    @pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        charge(1 + checks.sized_len(value) // STEP_CHARS)
        if precheck is not None:
            value = precheck(value, args, kwargs)
        return checks.checked(call(context, value, args, kwargs))

    bounded.__name__ = getattr(func, "__name__", name)
    return bounded


def bounded_test(func: Callable[..., Any]) -> Callable[..., Any]:
    """A test charged by its input's size (its result is a bool)."""
    call = _caller(func)

    @pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        charge(1 + checks.sized_len(value) // STEP_CHARS)
        return call(context, value, args, kwargs)

    return bounded
