"""One-line warnings for the form's fields, from :mod:`feedcore.lint` (never errors).

The form shows a field's error from the FS-1 checkers; these are shown the same
way but as a warning, and never block saving or exporting: a template or
condition naming an attribute simulated contacts lack, or flow actions beside
variants. Same analysis as ``feedlab validate``, so the two cannot disagree.
"""

from __future__ import annotations

from feedcore.config import FeedConfig
from feedcore.lint import lint_condition, lint_config, lint_flow, lint_template


def template_warning(value: str) -> str | None:
    """The first warning for a personalised field's template, without the field name."""
    found = lint_template(value, "value")
    return f"{found[0].message} [{found[0].rule}]" if found else None


def condition_warning(value: str) -> str | None:
    """The first warning for the condition (empty: none)."""
    if not value.strip():
        return None
    found = lint_condition(value)
    return f"{found[0].message} [{found[0].rule}]" if found else None


def flow_warnings(config: FeedConfig) -> list[str]:
    """Warnings about the flow as a whole (actions beside variants, weight 0), one per line."""
    return [str(w) for w in lint_flow(config)]


def config_warnings(config: FeedConfig) -> list[str]:
    """Every warning of the config, in field order (the status line counts them, the
    Config warnings tool lists them)."""
    return [str(w) for w in lint_config(config)]
