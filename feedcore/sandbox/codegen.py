"""Code generation for bounded templates: what the sandbox's hooks cannot see.

Jinja2's sandbox routes operators (``call_binop``), calls (``call``) and
attribute access through the environment, but compiles loops, ``~``, container
literals, comparisons, slices and output to plain Python. This generator
routes each of them through the environment too (``environment.bounded_*``,
see :class:`~feedcore.sandbox.environment.BoundedEnvironment`), so every step
of a render is counted and every value it makes is measured:

* a ``for`` loop's iterable is wrapped (one step per iteration);
* ``a ~ b`` is measured before it is joined (and never folded at compile time);
* a list, tuple or dict literal with non-constant items is measured
  (``[a, a]`` nested in a loop would otherwise double a value's printed size
  at every iteration without allocating anything);
* comparison operands and sliced values are charged by size;
* constant text written into a buffered body (a macro, ``{% filter %}``,
  ``{% set %}`` block) is charged, so such bodies stay bounded too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, operators


def _constant(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Const | nodes.TemplateData)


class BoundedCodeGenerator(CodeGenerator):
    """:class:`~jinja2.compiler.CodeGenerator` with every unbounded construct routed."""

    _buffered = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: ids of ``for`` iterables still to be written (each is visited once).
        self._loop_iterables: set[int] = set()

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        self._loop_iterables.add(id(node.iter))
        super().visit_For(node, frame)

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        """Jinja2 forbids custom node types, so a loop's iterable is recognised here."""
        if id(node) not in self._loop_iterables:
            return super().visit(node, *args, **kwargs)
        self._loop_iterables.discard(id(node))
        self.write("environment.bounded_iter(")
        super().visit(node, *args, **kwargs)
        self.write(")")
        return None

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat(context, (")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("))")

    def _literal(self, node: Any, frame: Frame, visit: Any, items: Sequence[nodes.Node]) -> None:
        if all(_constant(item) for item in items):
            visit(self, node, frame)
            return
        self.write("environment.bounded_literal(")
        visit(self, node, frame)
        self.write(")")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._literal(node, frame, CodeGenerator.visit_List, node.items)

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":
            super().visit_Tuple(node, frame)
            return
        self._literal(node, frame, CodeGenerator.visit_Tuple, node.items)

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        items = [part for pair in node.items for part in (pair.key, pair.value)]
        self._literal(node, frame, CodeGenerator.visit_Dict, items)

    def _sized(self, node: nodes.Expr, frame: Frame) -> None:
        if _constant(node):
            self.visit(node, frame)
            return
        self.write("environment.bounded_size(")
        self.visit(node, frame)
        self.write(")")

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        self.write("(")
        self._sized(node.expr, frame)
        for operand in node.ops:
            self.write(f" {operators[operand.op]} ")
            self._sized(operand.expr, frame)
        self.write(")")

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        if not isinstance(node.arg, nodes.Slice):
            super().visit_Getitem(node, frame)
            return
        self._sized(node.node, frame)
        self.write("[")
        self.visit(node.arg, frame)
        self.write("]")

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        self._buffered = frame.buffer is not None
        try:
            super().visit_Output(node, frame)
        finally:
            self._buffered = False

    def _output_const_repr(self, group: Any) -> str:
        text = super()._output_const_repr(group)
        return f"environment.bounded_text({text})" if self._buffered else text
