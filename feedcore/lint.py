"""Warnings about a valid config that probably does not do what its author meant.

A config can be valid (FS-1) and still export nulls or never export an action:

* a template or condition names an attribute the simulator never produces
  (``contact.pln``, ``contact.frist_name``, FS-7.1), or a name that is not in
  template scope at all (FS-2.5: ``contact``, ``event``, ``identifier``). Real
  events may carry other attributes, so this is a warning with the closest
  known name, never an error;
* a flow has both ``actions`` and ``variants``: the flow's actions apply only
  to contacts in no variant (docs/decisions.md), and every simulated contact is
  assigned one (FS-7.1), so they never show in a simulation or a demo; a
  variant of weight 0 never receives a simulated contact either.

Names are found in Jinja2's syntax tree (``jinja2.meta`` and ``jinja2.nodes``),
not with regular expressions, so ``contact['plan']``, ``contact.get("plan")``
and filters all count. Jinja2 is imported when a template is linted, not when
this module is, and constants and plain ``{{ contact.NAME }}`` lookups are read
without it, so ``feedlab validate`` on such a config stays light. The CLI
(``feedlab validate``) prints these on stderr prefixed ``feedlab: warning:`` and
still exits 0; the form shows them under the field.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from feedcore import templating
from feedcore.config import FeedConfig
from feedcore.simulate import ATTRIBUTES

if TYPE_CHECKING:
    from jinja2 import nodes

#: FS-2.5: what a template or condition has in scope.
SCOPE = ("contact", "event", "identifier")
#: The keys of ``event`` (FS-2.5).
EVENT_KEYS = ("type", "variant")
#: Methods a template may call on a mapping; ``contact.get`` is not an attribute name.
_MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})


@dataclass(frozen=True)
class LintWarning:
    """One warning: the field it is about, what is wrong and the rule behind it."""

    field: str
    message: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class Reference:
    """A name a template uses: ``contact.plan`` is ``Reference("contact", "plan")``."""

    root: str
    key: str | None = None

    def __str__(self) -> str:
        return self.root if self.key is None else f"{self.root}.{self.key}"


def lint_config(config: FeedConfig) -> list[LintWarning]:
    """Every warning for ``config``, in field order (contexts, condition, flow)."""
    found: list[LintWarning] = []
    for index, context in enumerate(config.feed.contexts):
        found += lint_template(context.value, f"feed.contexts[{index}].value")
    if config.feed.condition is not None:
        found += lint_condition(config.feed.condition, "feed.condition")
    found += lint_flow(config)
    return found


def lint_template(source: str, field: str) -> list[LintWarning]:
    """Warnings for one context template (none when it does not parse: that is an error)."""
    return _warnings(_template_references(source), field)


def lint_condition(source: str, field: str = "feed.condition") -> list[LintWarning]:
    """Warnings for a condition expression (none when it does not parse)."""
    return _warnings(_expression_references(source), field)


def lint_flow(config: FeedConfig) -> list[LintWarning]:
    """Actions and variants that cannot both apply to simulated contacts (FS-2.2, FS-7.1)."""
    flow = config.flow
    found: list[LintWarning] = []
    if flow.actions and flow.variants:
        actions = ", ".join(flow.actions)
        found.append(
            LintWarning(
                "flow.actions",
                f"the flow has variants, so its actions ({actions}) apply only to contacts "
                "in no variant; every simulated contact is given a variant, so simulations "
                "and demos never export them: move them into the variants that need them, "
                "or remove the variants",
                "FS-2.2",
            )
        )
    for index, variant in enumerate(flow.variants):
        if variant.weight == 0:
            found.append(
                LintWarning(
                    f"flow.variants[{index}].weight",
                    f"variant {variant.name!r} has weight 0: no simulated contact is assigned "
                    "to it, so its rows never appear in a simulation or a demo",
                    "FS-7.1",
                )
            )
    return found


def references(source: str, *, expression: bool = False) -> list[Reference]:
    """The names a template (or, with ``expression``, a condition) uses, in first-use order."""
    return _expression_references(source) if expression else _template_references(source)


# -- the analysis ---------------------------------------------------------------------------


def _warnings(refs: list[Reference], field: str) -> list[LintWarning]:
    found = []
    for ref in refs:
        message = _problem(ref)
        if message is not None:
            found.append(
                LintWarning(field, message, "FS-7.1" if ref.root == "contact" else "FS-2.5")
            )
    return found


def _problem(ref: Reference) -> str | None:
    if ref.root == "contact":
        if ref.key is None or ref.key in ATTRIBUTES:
            return None
        hint = _closest(ref.key, ATTRIBUTES, "contact.")
        known = "" if hint else f" (they carry {', '.join(ATTRIBUTES)})"
        return (
            f"contact.{ref.key} is not an attribute simulated contacts carry{hint}{known}: "
            "for them it is undefined (null in a column); real events may carry it"
        )
    if ref.root == "event":
        if ref.key is None or ref.key in EVENT_KEYS:
            return None
        hint = _closest(ref.key, EVENT_KEYS, "event.")
        return f"event.{ref.key} does not exist{hint}: event has only {', '.join(EVENT_KEYS)}"
    if ref.root == "identifier":
        return None
    hint = _closest(ref.root, SCOPE, "")
    if hint == "":
        hint = _closest(ref.root, ATTRIBUTES, "contact.")
    return (
        f"{ref.root!r} is not in scope{hint}: templates see only {', '.join(SCOPE)} "
        "(write contact.NAME for an attribute)"
    )


def _closest(name: str, known: tuple[str, ...], prefix: str) -> str:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {prefix}{match[0]}?)" if match else ""


@functools.cache
def _env() -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment()


def _template_references(source: str) -> list[Reference]:
    # The two shapes most contexts have need no syntax tree (nor Jinja2's import):
    if not any(mark in source for mark in ("{{", "{%", "{#")):
        return []  # constant text
    attribute = templating.simple_attribute(source)
    if attribute is not None:
        return [Reference("contact", attribute)]  # exactly {{ contact.NAME }}
    return _parsed_template_references(source)


def _parsed_template_references(source: str) -> list[Reference]:
    from jinja2 import TemplateSyntaxError, meta

    try:
        tree = _env().parse(source)
    except TemplateSyntaxError:
        return []
    free = meta.find_undeclared_variables(tree)
    return _collect(tree, free)


def _expression_references(source: str) -> list[Reference]:
    from jinja2 import TemplateSyntaxError, nodes
    from jinja2.parser import Parser

    try:
        # What ``Environment.compile_expression`` parses, without compiling it.
        parser = Parser(_env(), source, state="variable")
        expr = parser.parse_expression()
        if not parser.stream.eos:
            return []
    except TemplateSyntaxError:
        return []
    free = {n.name for n in expr.find_all(nodes.Name) if n.ctx == "load"}
    return _collect(nodes.Output([expr]), free)


def _collect(tree: nodes.Node, free: set[str]) -> list[Reference]:
    """``contact.X``/``event.X`` uses (when free, not loop variables) and other free names."""
    from jinja2 import nodes

    out: dict[Reference, None] = {}
    consumed: set[int] = set()  # Name nodes already reported inside a contact.X reference
    for node in _walk(tree):
        ref: Reference | None = None
        if isinstance(node, nodes.Call) and _is_get_call(node):
            assert isinstance(node.node, nodes.Getattr)
            target = node.node.node
            ref = _keyed(target, node.args[0], free)
            consumed.add(id(node.node))
        elif isinstance(node, nodes.Getattr) and id(node) not in consumed:
            if node.attr in _MAPPING_METHODS and _is_called(node, tree):
                continue
            ref = _keyed(node.node, nodes.Const(node.attr), free)
        elif isinstance(node, nodes.Getitem):
            ref = _keyed(node.node, node.arg, free)
        if ref is not None:
            out[ref] = None
    for node in _walk(tree):
        if not (isinstance(node, nodes.Name) and node.ctx == "load"):
            continue
        if node.name in free and node.name not in SCOPE:
            out[Reference(node.name)] = None
    return list(out)


def _walk(tree: nodes.Node) -> Iterator[nodes.Node]:
    from jinja2 import nodes

    yield tree
    yield from tree.find_all(nodes.Node)


def _keyed(target: nodes.Node, key: nodes.Node, free: set[str]) -> Reference | None:
    from jinja2 import nodes

    if not (isinstance(target, nodes.Name) and target.name in ("contact", "event")):
        return None
    if target.name not in free:
        return None  # a loop variable or ``set`` that shadows the scope's name
    if isinstance(key, nodes.Const) and isinstance(key.value, str):
        return Reference(target.name, key.value)
    return None  # ``contact[name]``: the key is only known when rendering


def _is_get_call(node: nodes.Call) -> bool:
    from jinja2 import nodes

    callee = node.node
    return (
        isinstance(callee, nodes.Getattr)
        and callee.attr == "get"
        and bool(node.args)
        and isinstance(node.args[0], nodes.Const)
    )


def _is_called(getattr_node: nodes.Getattr, tree: nodes.Node) -> bool:
    from jinja2 import nodes

    return any(call.node is getattr_node for call in tree.find_all(nodes.Call))
