"""Contexts and conditions (FS-2.5, FS-2.6): sandboxed Jinja2, compiled once per export.

A context value is a template; the common shapes get fast paths because they run
once per contact on the hot path:

* constant text (no ``{{``/``{%``) is rendered once per export;
* ``{{ contact.NAME }}`` is a dictionary lookup, with exactly Jinja's ``str()``
  conversion, so the result is identical to a full render.

Everything else goes through the sandboxed template. **[decision]** A template
that is a single expression evaluates that expression: an undefined attribute or
``none`` gives null. Inside larger text an undefined attribute renders as empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import TemplateSyntaxError, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from feedcore.errors import RenderError

Scope = Mapping[str, Any]
Renderer = Callable[[Scope], "str | None"]

_SIMPLE_ATTR_RE = re.compile(r"^\{\{\s*contact\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
_WHOLE_EXPR_RE = re.compile(r"^\{\{(?![-+])(.*)(?<![-+])\}\}$", re.DOTALL)

_ENV = ImmutableSandboxedEnvironment(
    undefined=Undefined,
    keep_trailing_newline=True,  # constant text must round-trip exactly
    autoescape=False,
)


def _to_text(value: Any) -> str | None:
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, str):
        return value
    return str(value)


def _is_constant(source: str) -> bool:
    return "{{" not in source and "{%" not in source and "{#" not in source


def _single_expression(source: str) -> nodes.Expr | None:
    body = _ENV.parse(source).body
    if len(body) != 1 or not isinstance(body[0], nodes.Output):
        return None
    parts = body[0].nodes
    if len(parts) != 1 or isinstance(parts[0], nodes.TemplateData):
        return None
    return parts[0]


def check_template(source: str) -> None:
    """Raise ``ValueError`` when ``source`` is not a valid template (config time)."""
    try:
        _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template {source!r} does not parse: {exc.message}") from exc


def check_expression(source: str) -> None:
    """Raise ``ValueError`` when ``source`` is not a valid condition expression."""
    if not source.strip():
        raise ValueError("condition is empty: remove it or write an expression")
    try:
        _ENV.compile_expression(source)
    except TemplateSyntaxError as exc:
        raise ValueError(
            f"condition {source!r} does not parse: {exc.message} "
            '(write a Jinja2 expression such as contact.plan != "free")'
        ) from exc


def simple_attribute(source: str) -> str | None:
    """``NAME`` when ``source`` is exactly ``{{ contact.NAME }}``, else None."""
    simple = _SIMPLE_ATTR_RE.match(source)
    return simple.group(1) if simple else None


def compile_context(source: str) -> tuple[str | None, Renderer | None]:
    """Compile one context value: ``(constant, None)`` or ``(None, renderer)``.

    The renderer takes the scope ``{"contact", "event", "identifier"}``.
    """
    if _is_constant(source):
        return source, None
    simple = _SIMPLE_ATTR_RE.match(source)
    if simple:
        attr = simple.group(1)

        def lookup(scope: Scope) -> str | None:
            return _to_text(scope["contact"].get(attr))

        return None, lookup
    whole = _WHOLE_EXPR_RE.match(source)
    if whole and _single_expression(source) is not None:
        inner = whole.group(1)
        expression = _ENV.compile_expression(inner, undefined_to_none=True)

        def evaluate(scope: Scope) -> str | None:
            try:
                return _to_text(expression(**scope))
            except Exception as exc:
                raise RenderError(f"context {source!r} failed: {type(exc).__name__}") from exc

        return None, evaluate
    template = _ENV.from_string(source)

    def render(scope: Scope) -> str | None:
        try:
            return template.render(scope)
        except Exception as exc:
            raise RenderError(f"context {source!r} failed: {type(exc).__name__}") from exc

    return None, render


Predicate = Callable[[Scope], bool]


def compile_condition(source: str | None) -> Predicate | None:
    """FS-2.6: a sandboxed expression; contacts for which it is false are not exported."""
    if source is None or not source.strip():
        return None
    expression = _ENV.compile_expression(source, undefined_to_none=False)

    def predicate(scope: Scope) -> bool:
        try:
            return bool(expression(**scope))
        except Exception as exc:
            raise RenderError(f"condition failed: {type(exc).__name__}") from exc

    return predicate
