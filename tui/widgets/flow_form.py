"""Flow settings: client, flow id, name, segment, and variants or plain actions.

Warnings about the flow as a whole (actions beside variants, a variant of weight
0: :func:`tui.services.form_warnings.flow_warnings`) show under the actions; the
screen passes them in, as they need the whole config.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from feedcore import rules
from tui.services.draft import FIELD_CHECKS, FormValues, check_actions, check_weight
from tui.widgets.field import ValidatedField
from tui.widgets.rows_editor import Column, RowsEditor
from tui.widgets.text import set_text

VARIANT_COLUMNS = (
    Column("name", "Variant", "A", lambda v: rules.check_label(v, "variant name")),
    Column("weight", "Weight", "50", check_weight),
    Column("actions", "Actions (comma-separated)", "email_welcome, sms_reminder", check_actions),
)


class FlowForm(VerticalScroll, can_focus=False):
    """The flow the feed exports contacts of."""

    def __init__(self, values: FormValues, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="form")
        self._values = values

    def compose(self) -> ComposeResult:
        v = self._values
        yield ValidatedField(
            "Client",
            "client",
            v.client,
            checker=FIELD_CHECKS["client"],
            placeholder="acme",
            hint="Lowercase letters, digits and '-': the first part of every file name",
        )
        yield ValidatedField(
            "Flow id", "flow_id", v.flow_id, checker=FIELD_CHECKS["flow_id"], placeholder="1234"
        )
        yield ValidatedField(
            "Flow name",
            "flow_name",
            v.flow_name,
            checker=FIELD_CHECKS["flow_name"],
            placeholder="Welcome Series",
        )
        yield ValidatedField(
            "Segment",
            "segment",
            v.segment,
            checker=FIELD_CHECKS["segment"],
            placeholder="New signups",
        )
        yield Label("Experiment variants", classes="field-label")
        yield Static(
            "Contacts are assigned a variant by weight and get its actions.",
            classes="field-hint",
        )
        yield RowsEditor(
            "variants", VARIANT_COLUMNS, v.variants, add_label="+ Add variant", unique="name"
        )
        yield ValidatedField(
            "Actions (flow without variants)",
            "actions",
            v.actions,
            checker=FIELD_CHECKS["actions"],
            placeholder="email_welcome, facebook_audience",
            hint="Comma-separated; used for contacts in no variant",
        )
        yield Static("", id="flow-warnings", classes="field-message -warning", markup=False)

    def on_mount(self) -> None:
        self.show_warnings([])

    def show_warnings(self, warnings: list[str]) -> None:
        """Show the flow's warnings (none: the line is hidden)."""
        line = self.query_one("#flow-warnings", Static)
        set_text(line, "\n".join(f"⚠ {w}" for w in warnings))
        if line.display != bool(warnings):
            line.display = bool(warnings)

    async def load(self, values: FormValues) -> None:
        self._values = values
        for name in ("client", "flow_id", "flow_name", "segment", "actions"):
            self.query_one(f"#{name}-field", ValidatedField).set_value(getattr(values, name))
        await self.query_one(RowsEditor).load(values.variants)
