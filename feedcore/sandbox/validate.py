"""Validate-time checks of templates and conditions (FS-1, FS-2.5, FS-2.6).

``feedlab validate`` must refuse what is known to fail before any contact is
seen, and must itself stay bounded: it parses and compiles (Jinja2 evaluates
nothing at compile time in :class:`~feedcore.sandbox.environment.BoundedEnvironment`),
then evaluates, under the same step budget as a render, every part of the
template that does not depend on the contact:

* each largest sub-expression that reads only globals (``'x' * 10**9``,
  ``range(10**9)``, ``'%*s' % (10**8, '')``), wherever it is, a branch never
  taken or the condition included;
* the whole template, when nothing in it reads ``contact``, ``event`` or
  ``identifier`` (nested ``range`` loops, a ``namespace`` doubled in a loop).

One that goes over a bound is refused with the bound it passed; other errors
are left to render time (they become null values with counted warnings).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.environment import TemplateExpression
from jinja2.parser import Parser

from feedcore.errors import TemplateLimitError
from feedcore.sandbox.environment import (
    ENV,
    condition_predicate,
    context_renderer,
    render_template,
    short,
)
from feedcore.sandbox.limits import CURRENT, Budget

#: Nodes that compute something (a lone constant, name or literal of constants does not).
_ACTIVE = (
    nodes.BinExpr,
    nodes.UnaryExpr,
    nodes.Call,
    nodes.Filter,
    nodes.Test,
    nodes.Concat,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Getattr,
    nodes.Getitem,
)


def check_template(source: str) -> None:
    """Raise ``ValueError`` when a context template is invalid or always over a bound."""
    what = f"template {short(source)!r}"
    tree = _guarded(what, lambda: ENV.parse(source))
    _guarded(what, lambda: context_renderer(source))
    _refuse_constant_parts(what, tree)
    if meta.find_undeclared_variables(tree) <= set(ENV.globals):
        _refuse_over_bound(what, lambda: render_template(ENV.from_string(tree), {}))


def check_expression(source: str) -> None:
    """Raise ``ValueError`` when a condition is invalid or always over a bound."""
    what = f"condition {short(source)!r}"

    def parse() -> nodes.Expr:
        parser = Parser(ENV, source, state="variable")
        expression = parser.parse_expression()
        if not parser.stream.eos:
            raise TemplateSyntaxError("chunk after expression", parser.stream.current.lineno)
        return expression

    expression = _guarded(what, parse)
    _guarded(what, lambda: condition_predicate(source))
    _refuse_constant_parts(what, nodes.Template([nodes.Output([expression], lineno=1)], lineno=1))


def _guarded(what: str, run: Callable[[], Any]) -> Any:
    """``run()``, its failure as the ``ValueError`` a config check raises."""
    try:
        return run()
    except TemplateSyntaxError as exc:
        raise ValueError(f"{what} does not parse: {exc.message}") from exc
    except (RecursionError, MemoryError, SyntaxError) as exc:
        raise ValueError(f"{what} is nested too deeply to compile: simplify it") from exc
    except ValueError as exc:  # e.g. an integer literal of more than 4,300 digits
        raise ValueError(f"{what} does not parse: {exc}") from exc


def _refuse_constant_parts(what: str, tree: nodes.Template) -> None:
    stored = {n.name for n in tree.find_all(nodes.Name) if n.ctx != "load"}
    stored |= {m.name for m in tree.find_all(nodes.Macro)}
    known = set(ENV.globals) - stored
    for part in _closed_parts(tree, known):
        _refuse_over_bound(what, functools.partial(_evaluate, part))


def _evaluate(expression: nodes.Expr) -> Any:
    """Compile and evaluate one sub-expression on its own, as ``compile_expression`` does."""
    target = nodes.Name("result", "store", lineno=1)
    body = nodes.Template([nodes.Assign(target, expression, lineno=1)], lineno=1)
    return TemplateExpression(ENV.from_string(body), undefined_to_none=False)()


def _closed_parts(node: nodes.Node, known: set[str]) -> Iterator[nodes.Expr]:
    """The largest active sub-expressions of ``node`` that read only ``known`` names."""
    for child in node.iter_child_nodes():
        if (
            isinstance(child, nodes.Expr)
            and all(n.name in known for n in child.find_all(nodes.Name))
            and (isinstance(child, _ACTIVE) or any(True for _ in child.find_all(_ACTIVE)))
            and child.find(nodes.ContextReference) is None
        ):
            yield child
        else:
            yield from _closed_parts(child, known)


def _refuse_over_bound(what: str, run: Callable[[], Any]) -> None:
    token = CURRENT.set(Budget())
    try:
        run()
    except TemplateLimitError as exc:
        raise ValueError(
            f"{what} goes over a template bound whatever the contact: {exc.bound} (FS-2.5)"
        ) from exc
    except Exception:
        pass  # fails at render time too: a null value with a counted warning
    finally:
        CURRENT.reset(token)
