"""The sandbox's bounds, the per-render step budget, and the size measure.

**[decision]** (docs/decisions.md, "Template bounds"):

* a rendered value, and any string, list or mapping a template makes on the
  way, is at most :data:`MAX_VALUE` characters long (containers: as printed);
* an integer a template makes has at most :data:`MAX_INT_BITS` bits, a
  ``range`` at most :data:`MAX_ITEMS` items, and calls (macros, recursive
  loops) nest at most :data:`MAX_DEPTH` deep;
* one render (one context value or the condition, for one contact) has
  :data:`MAX_STEPS` steps: every loop iteration, call, filter, test,
  intercepted operator, concatenation, container literal, comparison operand,
  slice and output write costs one, plus one per :data:`STEP_CHARS`
  characters of text it reads or makes and one per :data:`STEP_NODES`
  objects of a container it measures. Work per render is then bounded by a
  constant, whatever the template and the contact.

Over a bound, :class:`~feedcore.errors.TemplateLimitError` is raised: the value
becomes null (or the contact is excluded, for the condition) with a counted
warning, and a bound already passed by the config's constant parts is refused
at validate time (:mod:`feedcore.sandbox.validate`).

No Jinja2 here: :mod:`feedcore.templating` imports this for constant text too.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from feedcore.errors import TemplateLimitError

#: Characters in a rendered value (and in any string or container a template makes).
MAX_VALUE = 65_536
#: Items in a range, a list a template makes, a batch or slice count.
MAX_ITEMS = 10_000
#: Bits of an integer a template makes (Python prints at most 4,300 digits ≈ 14,284 bits).
MAX_INT_BITS = 14_000
#: Steps of one render.
MAX_STEPS = 10_000
#: One more step per this many characters an operation reads or makes...
STEP_CHARS = 1_024
#: ... and per this many objects of a container it measures.
STEP_NODES = 64
#: Calls (macros, ``caller``, blocks, recursive loops) nested in one another.
MAX_DEPTH = 64
#: Characters of one template or condition in a config.
MAX_SOURCE = 65_536
#: A container is converted to text only when its estimated size is below this
#: (the estimate ignores escapes, which at most multiply it by 10).
MAX_TEXT_ESTIMATE = 2 * MAX_VALUE


class Budget:
    """The steps left to one render."""

    __slots__ = ("depth", "left")

    def __init__(self, steps: int = MAX_STEPS) -> None:
        self.left = steps
        self.depth = 0


#: The budget of the render under way in this thread (None: no render is).
CURRENT: ContextVar[Budget | None] = ContextVar("feedlab_template_budget", default=None)

_STEPS = f"more than {MAX_STEPS:,} steps"


def charge(steps: int) -> None:
    """Spend ``steps`` of the current render's budget; raise once it is spent.

    Outside a bounded render nothing is allowed: a lazily evaluated piece of a
    template (a generator) cannot escape its budget by running later.
    """
    budget = CURRENT.get()
    if budget is None:
        raise TemplateLimitError("evaluated outside a bounded render")
    budget.left -= steps
    if budget.left < 0:
        raise TemplateLimitError(_STEPS)


def nested_call(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)`` one level deeper: recursion stops at :data:`MAX_DEPTH`."""
    budget = CURRENT.get()
    if budget is None:
        raise TemplateLimitError("evaluated outside a bounded render")
    if budget.depth >= MAX_DEPTH:
        raise TemplateLimitError(f"calls nested more than {MAX_DEPTH} deep")
    budget.depth += 1
    try:
        return call(*args, **kwargs)
    finally:
        budget.depth -= 1


def too_big(what: str) -> TemplateLimitError:
    """The error for a value over a size bound (a message without contact data)."""
    return TemplateLimitError(what)


VALUE_TOO_BIG = f"a value over {MAX_VALUE:,} characters"
LIST_TOO_BIG = f"a list over {MAX_ITEMS:,} items"
INT_TOO_BIG = f"an integer over {MAX_INT_BITS:,} bits"
