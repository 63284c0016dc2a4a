"""The bounded environment and the renderers built on it (FS-2.5, FS-2.6).

:class:`BoundedEnvironment` is Jinja2's ``ImmutableSandboxedEnvironment`` with
every way a template can make work or data routed through a check:

* the growing operators ``+ * % **`` are intercepted (``call_binop``), which
  also stops Jinja2 from folding them at compile time, so ``{{ 7 ** 10**8 }}``
  cannot hang ``validate``; the optimizer is off altogether, and filters,
  tests and the output ``finalize`` take the context, which Jinja2 never folds;
* calls (methods, globals, macros, ``caller``, ``loop(...)``) go through
  :meth:`BoundedEnvironment.call`; ``str.format`` through a bounded formatter;
* loops, ``~``, literals, comparisons, slices and output through the hooks
  :mod:`feedcore.sandbox.codegen` emits.

Each render runs with a fresh :class:`~feedcore.sandbox.limits.Budget`; its
top-level output is streamed and cut off past the value cap, so a huge value
is never joined.
"""

from __future__ import annotations

import functools
import re
import types
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from typing import Any, cast

from jinja2 import Template, Undefined, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, LoopContext, markup_join, str_join
from jinja2.sandbox import (
    ImmutableSandboxedEnvironment,
    SandboxedEscapeFormatter,
    SandboxedFormatter,
)
from markupsafe import Markup

from feedcore.errors import RenderError, TemplateLimitError
from feedcore.sandbox import checks
from feedcore.sandbox.codegen import BoundedCodeGenerator
from feedcore.sandbox.filters import bounded_filter, bounded_test
from feedcore.sandbox.limits import (
    CURRENT,
    MAX_VALUE,
    STEP_CHARS,
    VALUE_TOO_BIG,
    Budget,
    charge,
    nested_call,
    too_big,
)

Scope = Mapping[str, Any]


@pass_context
def _finalize(context: Context, value: Any) -> str:
    """Every ``{{ expression }}`` written: as text within the cap, charged.

    A ``Markup`` stays one, so ``{% autoescape %}`` does not escape it twice; the
    generated code's ``str()`` then makes every written piece an exact ``str``.
    """
    text = value if isinstance(value, str) else checks.text_of(value)
    if len(text) > MAX_VALUE:
        raise too_big(VALUE_TOO_BIG)
    charge(1 + len(text) // STEP_CHARS)
    return text


class _BoundedFormatting:
    """``str.format`` fields checked before they are formatted, and their total."""

    _made = 0

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        self._made = 0
        text: str = super().vformat(format_string, args, kwargs)  # type: ignore[misc]
        checks.checked(text)
        return text

    def format_field(self, value: Any, format_spec: str) -> Any:
        charge(1)
        checks.check_format_spec(value, format_spec)
        text = super().format_field(value, format_spec)  # type: ignore[misc]
        self._made += len(text)
        if self._made > MAX_VALUE:
            raise too_big(VALUE_TOO_BIG)
        return text


class _Formatter(_BoundedFormatting, SandboxedFormatter):
    pass


class _EscapeFormatter(_BoundedFormatting, SandboxedEscapeFormatter):
    pass


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox every context and condition is compiled in."""

    code_generator_class = BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def __init__(self) -> None:
        super().__init__(
            undefined=Undefined,
            keep_trailing_newline=True,  # constant text must round-trip exactly
            autoescape=False,
            optimized=False,  # never evaluate template code at compile time
            finalize=_finalize,
        )
        self.filters = {name: bounded_filter(name, f) for name, f in self.filters.items()}
        self.tests = {name: bounded_test(cast(Any, f)) for name, f in self.tests.items()}
        self.globals["range"] = checks.bounded_range
        self.globals["lipsum"] = checks.bounded_lipsum(cast(Any, self.globals["lipsum"]))

    def _compile(self, source: str, filename: str) -> types.CodeType:
        """Python's compiler warns about odd constants (``1[0]``) a config may hold: the
        template fails at render time instead, where it is counted, not printed."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            return super()._compile(source, filename)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        charge(1)
        checks.check_binop(operator, left, right)
        return checks.checked(self.binop_table[operator](left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"{__obj!r} is not safely callable")
        charge(1)
        args = checks.check_method(__obj, args, kwargs)
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level
            args = (checks.bounded_iter(args[0]), *args[1:])
        return checks.checked(nested_call(__context.call, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format``/``format_map`` as Jinja2 sandboxes them, with a bounded formatter."""
        if not isinstance(value, types.MethodType | types.BuiltinMethodType) or (
            value.__name__ not in ("format", "format_map")
        ):
            return None
        owner = value.__self__
        if not isinstance(owner, str):
            return None
        formatter: SandboxedFormatter
        if isinstance(owner, Markup):
            formatter = _EscapeFormatter(self, escape=owner.escape)
        else:
            formatter = _Formatter(self)
        kind = type(owner)
        mapping = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if mapping:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one positional argument")
                return kind(formatter.vformat(owner, (), args[0]))
            return kind(formatter.vformat(owner, args, kwargs))

        return functools.update_wrapper(wrapper, value)

    # -- hooks called by the code BoundedCodeGenerator emits

    @staticmethod
    def bounded_iter(iterable: Iterable[Any]) -> Iterator[Any]:
        return checks.bounded_iter(iterable)

    @staticmethod
    def bounded_concat(context: Context, parts: tuple[Any, ...]) -> str:
        checks.check_concat(parts)
        return markup_join(parts) if context.eval_ctx.autoescape else str_join(parts)

    @staticmethod
    def bounded_literal(value: Any) -> Any:
        charge(1)
        return checks.checked(value)

    @staticmethod
    def bounded_size(value: Any) -> Any:
        charge(1 + checks.sized_len(value) // STEP_CHARS)
        return value

    @staticmethod
    def bounded_text(text: str) -> str:
        charge(1 + len(text) // STEP_CHARS)
        return text


ENV = BoundedEnvironment()

_WHOLE_EXPR_RE = re.compile(r"^\{\{(?![-+])(.*)(?<![-+])\}\}$", re.DOTALL)


def single_expression(source: str) -> str | None:
    """The expression when ``source`` is exactly one ``{{ expression }}``, else None."""
    whole = _WHOLE_EXPR_RE.match(source)
    if whole is None:
        return None
    body = ENV.parse(source).body
    if len(body) != 1 or not isinstance(body[0], nodes.Output):
        return None
    parts = body[0].nodes
    if len(parts) != 1 or isinstance(parts[0], nodes.TemplateData):
        return None
    return whole.group(1)


def short(source: str) -> str:
    """A template for a message: the source, cut at 60 characters."""
    return source if len(source) <= 60 else source[:57] + "..."


def _reason(exc: Exception) -> str:
    """A warning's text: the bound passed, or the error's type (never contact data)."""
    return str(exc) if isinstance(exc, TemplateLimitError) else type(exc).__name__


def render_template(template: Template, scope: Scope) -> str:
    """``template`` rendered, its output streamed and cut off past :data:`MAX_VALUE`.

    Runs under the caller's budget (:func:`_bounded`, or validate's).
    """
    pieces = cast(
        Generator[str, None, None], template.root_render_func(template.new_context(dict(scope)))
    )
    try:
        size = 0
        out = []
        for piece in pieces:
            size += len(piece)
            if size > MAX_VALUE:
                raise too_big(VALUE_TOO_BIG)
            out.append(piece)
        return "".join(out)
    finally:
        pieces.close()


def _value_text(value: Any) -> str | None:
    """A single expression's value as a context value: null, or exact text."""
    if value is None or isinstance(value, Undefined):
        return None
    return checks.text_of(value)


def _bounded(run: Callable[[Scope], Any], scope: Scope, failed: str) -> Any:
    """``run(scope)`` under a fresh budget; any failure a :class:`RenderError`."""
    token = CURRENT.set(Budget())
    try:
        return run(scope)
    except Exception as exc:
        raise RenderError(f"{failed}: {_reason(exc)}") from exc
    finally:
        CURRENT.reset(token)


@functools.lru_cache(maxsize=32)
def context_renderer(source: str) -> Callable[[Scope], str | None]:
    """The renderer of a templated context value (not constant text, not a plain lookup).

    Compiled once per source (a config is validated, then exported, in one process).
    """
    failed = f"context {short(source)!r} failed"
    inner = single_expression(source)
    if inner is not None:
        expression = ENV.compile_expression(inner, undefined_to_none=True)

        def value(scope: Scope) -> str | None:
            return _value_text(expression(**scope))

    else:
        template = ENV.from_string(source)

        def value(scope: Scope) -> str | None:
            return render_template(template, scope)

    return lambda scope: _bounded(value, scope, failed)


@functools.lru_cache(maxsize=32)
def condition_predicate(source: str) -> Callable[[Scope], bool]:
    """FS-2.6: the predicate of a condition expression."""
    expression = ENV.compile_expression(source, undefined_to_none=False)

    def holds(scope: Scope) -> bool:
        return bool(expression(**scope))

    return lambda scope: _bounded(holds, scope, "condition failed")
