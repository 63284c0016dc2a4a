"""Attribute awareness: what simulated contacts carry, and a live condition/template tester.

Two tabs. *Attributes* lists each attribute of the simulated contacts (FS-7.1)
with its type and sample values. *Tester* runs the sample contacts through the
writer's own row builder (:func:`tui.services.attributes.try_config`): how many
the condition keeps and what each personalised field renders, recomputed as the
condition or a trial template is edited; lint warnings (an unknown attribute)
show below. Values are shown with their awkward characters made visible
(``\\n``, ``\\t``), never interpreted as markup. Without a valid config (a new
feed, a field with a problem) the browser still works and the tester says what
it needs.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from feedcore.config import FeedConfig
from feedcore.errors import ConfigError
from tui.services import attributes
from tui.services.errors import one_line

TRY_NAME = "try"
_VISIBLE = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})
MAX_CELL = 40


def visible(value: str | None) -> Text:
    """A cell: ``null`` dimmed, control characters escaped, long text cut."""
    if value is None:
        return Text("null", style="dim italic")
    text = value.translate(_VISIBLE)
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return Text(text)


class AttributesScreen(ModalScreen[None]):
    """Browse simulated attributes and try the config's condition and templates on them."""

    DEFAULT_CSS = """
    AttributesScreen { align: center middle; }
    AttributesScreen #attributes-dialog {
        width: 100%; max-width: 160; height: 100%; max-height: 48;
        border: round $accent; border-title-color: $text; border-title-style: bold;
        background: $surface;
    }
    AttributesScreen DataTable { height: 1fr; }
    AttributesScreen Input { margin: 0 0; border-title-color: $text-muted; }
    AttributesScreen #tester-summary { color: $text; padding: 0 1; }
    AttributesScreen #tester-warnings { color: $warning; padding: 0 1; max-height: 6; }
    AttributesScreen #tester-warnings.-error { color: $error; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="attributes-close"),
    ]

    def __init__(
        self, config: FeedConfig | None, seed: int, sample: int = attributes.SAMPLE
    ) -> None:
        super().__init__(id="attributes")
        self.config = config
        self.seed = seed
        self.sample = sample
        self.result: attributes.TryResult | None = None

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="attributes-dialog")
        dialog.border_title = f"Simulated contacts (seed {self.seed})"
        dialog.border_subtitle = "escape: close"
        with dialog, TabbedContent(id="attributes-tabs"):
            with TabPane("Attributes", id="tab-attributes"):
                yield DataTable(id="attribute-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Tester", id="tab-tester"):
                yield Input(
                    (self.config.feed.condition or "") if self.config else "",
                    placeholder='condition, e.g. contact.plan != "free" (empty: everyone)',
                    id="tester-condition",
                )
                yield Input(
                    placeholder="try a template, e.g. {{ contact.city | upper }}",
                    id="tester-template",
                )
                yield Static("", id="tester-summary", markup=False)
                yield Static("", id="tester-warnings", markup=False)
                yield DataTable(id="tester-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        # Labels that stay once the placeholder is gone.
        self.query_one("#tester-condition", Input).border_title = "Condition"
        self.query_one("#tester-template", Input).border_title = "Try a template"
        table = self.query_one("#attribute-table", DataTable)
        table.add_columns("Attribute", "Type", "Sample values", "Awkward example")
        for item in attributes.catalogue(self.seed):
            table.add_row(
                Text(f"contact.{item.name}"),
                Text(item.kind),
                Text(", ".join(item.samples)),
                visible(item.hostile_sample) if item.hostile_sample else Text(""),
            )
        table.focus()
        self.run_tester()

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        event.stop()
        self.run_tester()

    def run_tester(self) -> None:
        """Recompute the tester for the condition and trial template as typed."""
        condition = self.query_one("#tester-condition", Input).value
        template = self.query_one("#tester-template", Input).value
        warnings = self.query_one("#tester-warnings", Static)
        if self.config is None:
            warnings.update("✗ The tester needs a valid config: fix the form's problems first")
            warnings.add_class("-error")
            return
        try:
            config = attributes.with_condition(self.config, condition)
            if template.strip():
                config = attributes.with_template(config, TRY_NAME, template)
        except ConfigError as exc:
            warnings.update(f"✗ {one_line(exc)}")
            warnings.add_class("-error")
            return
        warnings.remove_class("-error")
        result = attributes.try_config(config, self.seed, self.sample)
        self.result = result
        noun = "contact" if result.total == 1 else "contacts"
        summary = f"{result.kept} of {result.total} sample {noun} pass the condition"
        if result.render_failures:
            summary += f"; {sum(result.render_failures.values())} values failed to render"
        self.query_one("#tester-summary", Static).update(summary)
        warnings.update("\n".join(f"⚠ {w}" for w in result.warnings))
        self._fill(result)

    def _fill(self, result: attributes.TryResult) -> None:
        table = self.query_one("#tester-table", DataTable)
        table.clear(columns=True)
        table.add_columns("identifier", "variant", "kept", *result.fields)
        for row in result.rows:
            values = [visible(v) for v in row.values] if row.kept else []
            values += [Text("")] * (len(result.fields) - len(values))
            table.add_row(
                visible(_short(row.identifier)),
                visible(row.variant),
                Text("yes" if row.kept else "no", style="" if row.kept else "dim"),
                *values,
            )

    def action_close(self) -> None:
        self.dismiss(None)


def _short(identifier: str) -> str:
    """A 64-character hash is cut so the personalised columns stay on screen."""
    return identifier if len(identifier) <= 24 else identifier[:12] + "…" + identifier[-6:]
