"""Contexts and conditions (FS-2.5, FS-2.6): compiled once per export, rendered bounded.

A context value is a template; the common shapes get fast paths because they run
once per contact on the hot path, and neither loads Jinja2:

* constant text (no ``{{``/``{%``/``{#``) is the value itself;
* ``{{ contact.NAME }}`` is a dictionary lookup, with exactly Jinja's ``str()``
  conversion, so the result is identical to a full render.

Everything else is compiled in the bounded sandbox (:mod:`feedcore.sandbox`),
imported the first time a real template is seen. **[decision]** A template
that is a single expression evaluates that expression: an undefined attribute or
``none`` gives null. Inside larger text an undefined attribute renders as empty.
Every value reaches the encoders as an exact ``str`` or None, never a ``str``
subclass such as ``markupsafe.Markup`` (see :func:`plain_text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from feedcore.errors import RenderError
from feedcore.sandbox.limits import MAX_SOURCE

Scope = Mapping[str, Any]
Renderer = Callable[[Scope], "str | None"]
Predicate = Callable[[Scope], bool]

_SIMPLE_ATTR_RE = re.compile(r"\{\{\s*contact\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def plain_text(value: Any) -> str | None:
    """An attribute as a context value: None, or ``str(value)`` as an exact ``str``.

    Quoting must not depend on the value's type: a ``str`` subclass may
    override the methods an encoder uses (``Markup.replace`` escapes its
    arguments), so it is copied to a plain ``str`` first.
    """
    if value is None:
        return None
    if type(value) is str:
        return value
    text = str.__str__(value) if isinstance(value, str) else str(value)
    return text if type(text) is str else str.__str__(text)


def constant_text(source: str) -> str | None:
    """``source`` itself when it holds no template syntax, else None."""
    if "{{" in source or "{%" in source or "{#" in source:
        return None
    return source


def simple_attribute(source: str) -> str | None:
    """``NAME`` when ``source`` is exactly ``{{ contact.NAME }}``, else None."""
    simple = _SIMPLE_ATTR_RE.fullmatch(source)
    return simple.group(1) if simple else None


def _check_length(source: str, what: str) -> None:
    if len(source) > MAX_SOURCE:
        raise ValueError(
            f"{what} is {len(source):,} characters long: the limit is {MAX_SOURCE:,} (FS-2.5)"
        )


def check_template(source: str) -> None:
    """Raise ``ValueError`` when ``source`` is not a valid, bounded template (config time)."""
    _check_length(source, "template")
    if constant_text(source) is not None or simple_attribute(source) is not None:
        return
    from feedcore.sandbox import validate

    validate.check_template(source)


def check_expression(source: str) -> None:
    """Raise ``ValueError`` when ``source`` is not a valid, bounded condition expression."""
    if not source.strip():
        raise ValueError("condition is empty: remove it or write an expression")
    _check_length(source, "condition")
    from feedcore.sandbox import validate

    try:
        validate.check_expression(source)
    except ValueError as exc:
        if "does not parse" not in str(exc):
            raise
        raise ValueError(
            f'{exc} (write a Jinja2 expression such as contact.plan != "free")'
        ) from exc


def compile_context(source: str) -> tuple[str | None, Renderer | None]:
    """Compile one context value: ``(constant, None)`` or ``(None, renderer)``.

    The renderer takes the scope ``{"contact", "event", "identifier"}``.
    """
    constant = constant_text(source)
    if constant is not None:
        return constant, None
    attr = simple_attribute(source)
    if attr is not None:

        def lookup(scope: Scope) -> str | None:
            try:
                return plain_text(scope["contact"].get(attr))
            except Exception as exc:  # an attribute object whose str() raises
                raise RenderError(f"context {source!r} failed: {type(exc).__name__}") from exc

        return None, lookup
    from feedcore.sandbox import environment

    return None, environment.context_renderer(source)


def compile_condition(source: str | None) -> Predicate | None:
    """FS-2.6: a sandboxed expression; contacts for which it is false are not exported."""
    if source is None or not source.strip():
        return None
    from feedcore.sandbox import environment

    return environment.condition_predicate(source)
