"""Checks around every template operation that could grow without limit.

The rule is one for all operations: **an amplifier is checked before it runs,
everything's result after.** An amplifier is an operation whose result can be
much larger than its inputs: ``'x' * n``, ``7 ** n``, ``'%*s' % (n, '')``,
``'{:>n}'.format()``, ``center(n)``, ``replace`` and ``join`` (one argument
repeated per match or item), ``indent``, ``wordwrap``, ``batch``, ``slice``,
``tojson(indent)``, ``lipsum(n)``, ``range(n)``... Its result size is
estimated from its arguments and refused over the bound, so it is never built.
Every other operation is linear in its inputs, which are bounded (values a
template made, or event attributes, at most one 1 MiB line), so its result is
measured and refused after the fact, and charged to the step budget by size.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, ValuesView
from typing import Any, cast

from jinja2.runtime import Undefined
from jinja2.utils import Namespace
from markupsafe import Markup

from feedcore.sandbox.limits import (
    INT_TOO_BIG,
    LIST_TOO_BIG,
    MAX_INT_BITS,
    MAX_ITEMS,
    MAX_TEXT_ESTIMATE,
    MAX_VALUE,
    STEP_CHARS,
    STEP_NODES,
    VALUE_TOO_BIG,
    charge,
    too_big,
)

Args = tuple[Any, ...]
Kwargs = dict[str, Any]

# ------------------------------------------------------------------ measuring

_SCALAR_SIZE: dict[type, int] = {bool: 5, type(None): 4, float: 24, complex: 50}
_OTHER = 64  # a repr such as "<generator object ...>" or "<LoopContext 1/3>"


def size_of(value: Any, limit: int) -> int:
    """An estimate of ``len(str(value))`` that stops early once it passes ``limit``.

    Strings count their length (nested ones plus quotes and separator, escapes
    ignored), integers their digits, containers their items. Iterative, so deep
    nesting cannot overflow the stack; it visits at most about ``limit / 2``
    objects, so a structure that shares itself (``[a, a]`` nested in itself)
    cannot make it slow, and it charges the budget one step per
    :data:`STEP_NODES` objects it visits.
    """
    if type(value) is str:
        return len(value)
    total = visited = 0
    stack = [value]
    nested = 0
    while stack and total <= limit:
        item = stack.pop()
        visited += 1
        if isinstance(item, str):
            total += len(item) + nested
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 2
        elif isinstance(item, bytes | bytearray):
            total += 4 * len(item) + 3
        elif isinstance(item, list | tuple | set | frozenset | KeysView | ValuesView | ItemsView):
            total += 2 + 2 * len(item)
            if total <= limit:
                stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, Namespace):
            total += 12
            stack.append(item._Namespace__attrs)
        elif not isinstance(item, Undefined):
            total += _SCALAR_SIZE.get(type(item), _OTHER)
        nested = 4
    if visited >= STEP_NODES:
        charge(visited // STEP_NODES)
    return total


def shape_of(value: Any, limit: int) -> tuple[int, int]:
    """(containers and items, deepest nesting) of ``value``, stopping past ``limit`` nodes."""
    nodes = depth = 0
    stack = [(value, 1)]
    while stack and nodes <= limit:
        item, level = stack.pop()
        nodes += 1
        if isinstance(item, dict):
            depth = max(depth, level)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list | tuple | set | frozenset | KeysView | ValuesView | ItemsView):
            depth = max(depth, level)
            stack.extend((v, level + 1) for v in item)
    return nodes, depth


def sized_len(value: Any) -> int:
    """``len(value)`` for the built-in sized types, else 0 (never runs template code)."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    return 0


def checked(value: Any) -> Any:
    """``value`` if it is within the bounds (charged by its size), else raise."""
    kind = type(value)
    if kind is str:
        size = len(value)
        if size > MAX_VALUE:
            raise too_big(VALUE_TOO_BIG)
    elif kind is int:
        if value.bit_length() > MAX_INT_BITS:
            raise too_big(INT_TOO_BIG)
        return value
    elif kind is bool or kind is float or value is None:
        return value
    else:  # a container: size_of charges for the objects it visits
        if size_of(value, MAX_VALUE) > MAX_VALUE:
            raise too_big(VALUE_TOO_BIG)
        return value
    if size >= STEP_CHARS:
        charge(size // STEP_CHARS)
    return value


def text_of(value: Any) -> str:
    """``str(value)`` as an exact ``str`` within :data:`MAX_VALUE`, never built too big.

    A ``str`` subclass (``markupsafe.Markup`` from ``|e``, ``|safe``, ``|tojson``)
    is copied to a plain ``str``: its methods escape their arguments, so an
    encoder quoting it would write ``&#34;`` instead of a quote (FS-3.1).
    """
    if type(value) is str:
        text = value
    elif isinstance(value, str):
        text = str.__str__(value)
    else:
        if size_of(value, MAX_TEXT_ESTIMATE) > MAX_TEXT_ESTIMATE:
            raise too_big(VALUE_TOO_BIG)
        text = str(value)
        if type(text) is not str:
            text = str.__str__(text)
    if len(text) > MAX_VALUE:
        raise too_big(VALUE_TOO_BIG)
    return text


def bounded_items(iterable: Any) -> Any:
    """``iterable`` as a sequence, one step per item when it has to be drawn."""
    if isinstance(iterable, str | list | tuple | dict):
        charge(1 + len(iterable) // STEP_CHARS)
        return iterable
    items = []
    for item in iterable:
        charge(1)
        items.append(item)
    return items


def bounded_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    """A loop's iterable: one step per iteration."""
    charge(1)
    for item in iterable:
        charge(1)
        yield item


# ------------------------------------------------------------------ amplifiers


def _arg(args: Args, kwargs: Kwargs, index: int, name: str, default: Any = None) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _refuse_over(size: int, what: str = VALUE_TOO_BIG, limit: int = MAX_VALUE) -> None:
    if size > limit:
        raise too_big(what)


def check_width(width: Any, limit: int = MAX_VALUE) -> None:
    """A width, count or length argument: a number of characters to make."""
    if isinstance(width, int) and width > limit:
        raise too_big(VALUE_TOO_BIG if limit == MAX_VALUE else LIST_TOO_BIG)


def _check_digits(spec: str) -> None:
    """Every number in a format spec (width, precision) is within the bound."""
    for digits in re.findall(r"[0-9]+", spec):
        if len(digits) > 6 or int(digits) > MAX_VALUE:
            raise too_big(VALUE_TOO_BIG)


def check_format_spec(value: Any, spec: str) -> None:
    """One ``str.format`` field, before it is formatted."""
    _check_digits(spec)
    if not isinstance(value, str) and size_of(value, MAX_TEXT_ESTIMATE) > MAX_TEXT_ESTIMATE:
        raise too_big(VALUE_TOO_BIG)


_PRINTF_RE = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0 +-]*(?P<width>\*|[0-9]+)?(?:\.(?P<prec>\*|[0-9]*))?"
    r"[hlL]?(?P<conv>[\s\S]?)"
)


def check_printf(template: Any, args: Any) -> None:
    """``template % args``: widths and precisions, then the whole result's size."""
    text = str.__str__(template) if isinstance(template, str) else str(template)
    values = args if isinstance(args, tuple) else (args,)
    index = 0
    estimate = len(text) + size_of(args, MAX_TEXT_ESTIMATE)
    for match in _PRINTF_RE.finditer(text):
        widest = 0
        for spec in (match["width"], match["prec"]):
            if spec == "*":
                star = values[index] if index < len(values) else 0
                index += 1
                check_width(star)
                widest = max(widest, star if isinstance(star, int) else 0)
            elif spec:
                _check_digits(spec)
                widest = max(widest, int(spec))
        if match["conv"] in "eEfFgG" and match["conv"]:
            widest += 320  # the integer part of a float: up to 309 digits
        if match["conv"] != "%" and match["key"] is None:
            index += 1
        estimate += widest
        _refuse_over(estimate)
    if isinstance(template, Markup):
        estimate *= 5  # Markup % escapes every argument
    _refuse_over(estimate)


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Before ``left <operator> right``: the intercepted ``*``, ``**``, ``+``, ``%``."""
    if operator == "*":
        _check_multiply(left, right)
    elif operator == "+":
        _check_add(left, right)
    elif operator == "**" and isinstance(left, int) and isinstance(right, int):
        _check_power(left, right)
    elif operator == "%" and isinstance(left, str | bytes):
        check_printf(left, right)


def _check_power(base: int, exponent: int) -> None:
    """The result has about ``log2(|base|) * exponent`` bits (0, 1 and -1 stay small)."""
    if exponent <= 0 or abs(base) <= 1:
        return
    if exponent > MAX_INT_BITS or math.log2(abs(base)) * exponent > MAX_INT_BITS:
        raise too_big(INT_TOO_BIG)


def _check_multiply(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise too_big(INT_TOO_BIG)
        return
    if isinstance(right, int) and isinstance(left, str | bytes | list | tuple):
        sequence, times = left, right
    elif isinstance(left, int) and isinstance(right, str | bytes | list | tuple):
        sequence, times = right, left
    else:
        return
    times = max(times, 0)
    each = len(sequence) if isinstance(sequence, str | bytes) else size_of(sequence, MAX_VALUE)
    _refuse_over(each * times)
    charge(each * times // STEP_CHARS)


def _check_add(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if max(left.bit_length(), right.bit_length()) >= MAX_INT_BITS:
            raise too_big(INT_TOO_BIG)
        return
    if isinstance(left, str | bytes) and isinstance(right, str | bytes):
        size = len(left) + len(right)
        if isinstance(left, Markup) or isinstance(right, Markup):
            size *= 5  # the other side is escaped
    elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
        size = size_of(left, MAX_VALUE) + size_of(right, MAX_VALUE)
    else:
        return
    _refuse_over(size)
    charge(size // STEP_CHARS)


def check_concat(parts: tuple[Any, ...]) -> None:
    """Before ``a ~ b ~ ...``: each part becomes text."""
    size = 0
    for part in parts:
        size += size_of(part, MAX_VALUE)
        _refuse_over(size)
    charge(1 + size // STEP_CHARS)


# ---------------------------------------------------------- methods and globals

_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


def check_method(method: Any, args: Args, kwargs: Kwargs) -> Args:
    """Before a call of a bound method of a string, bytes or integer (``'x'.center(n)``).

    Returns the arguments to call with (``join``'s iterable drawn into a list).
    """
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if isinstance(owner, str | bytes | bytearray):
        charge(len(owner) // STEP_CHARS)
        if name in _WIDTH_METHODS:
            check_width(_arg(args, kwargs, 0, "width"))
        elif name == "expandtabs":
            tabsize = _arg(args, kwargs, 0, "tabsize", 8)
            if isinstance(tabsize, int):
                tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
                _refuse_over(len(owner) + tabs * max(tabsize, 0))
        elif name == "replace":
            check_replace(owner, args, kwargs)
        elif name == "join" and args:
            items = bounded_items(args[0])
            check_join(owner, items)
            return (items, *args[1:])
        elif name == "translate" and args and isinstance(args[0], dict):
            longest = max((sized_len(v) for v in args[0].values()), default=1)
            _refuse_over(len(owner) * max(longest, 1))
    elif isinstance(owner, int) and name == "to_bytes":
        check_width(_arg(args, kwargs, 0, "length", 1))
    elif name == "fromkeys" and args:
        items = bounded_items(args[0])
        _refuse_over(len(items), LIST_TOO_BIG, MAX_ITEMS)
        return (items, *args[1:])
    return args


def check_replace(text: Any, args: Args, kwargs: Kwargs) -> None:
    """``text.replace(old, new[, count])``: ``new`` once per match."""
    old = _arg(args, kwargs, 0, "old")
    new = _arg(args, kwargs, 1, "new")
    count = _arg(args, kwargs, 2, "count", -1)
    kind = str if isinstance(text, str) else bytes
    if not (isinstance(text, kind) and isinstance(old, kind) and isinstance(new, kind)):
        return  # replace itself will refuse these arguments
    matches = cast(Any, text).count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        matches = min(matches, count)
    grow = len(new) * (5 if isinstance(text, Markup) else 1) - len(old)
    _refuse_over(len(text) + matches * max(grow, 0))


def check_join(separator: Any, items: Any) -> None:
    """``separator.join(items)``: the items' text, and the separator between each two."""
    size = sized_len(separator) * max(len(items) - 1, 0)
    _refuse_over(size)
    for item in items:
        size += size_of(item, MAX_VALUE)
        _refuse_over(size)
    if isinstance(separator, Markup):
        _refuse_over(size * 5)  # Markup.join escapes the items


def bounded_range(*args: Any) -> range:
    """``range`` for templates: at most :data:`MAX_ITEMS` items."""
    numbers = range(*args)
    try:
        length = len(numbers)
    except OverflowError:
        raise too_big(LIST_TOO_BIG) from None
    _refuse_over(length, LIST_TOO_BIG, MAX_ITEMS)
    return numbers


def bounded_lipsum(lipsum: Callable[..., Any]) -> Callable[..., Any]:
    """``lipsum(n=5, html=True, min=20, max=100)`` for templates: n x max words at most."""

    def lipsum_bounded(*args: Any, **kwargs: Any) -> Any:
        paragraphs = _arg(args, kwargs, 0, "n", 5)
        fewest = _arg(args, kwargs, 2, "min", 20)
        most = _arg(args, kwargs, 3, "max", 100)
        if all(isinstance(v, int) for v in (paragraphs, fewest, most)):
            check_width(max(paragraphs, 0) * max(fewest, most, 0) * 16)
        return lipsum(*args, **kwargs)

    return lipsum_bounded
