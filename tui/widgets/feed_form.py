"""The "Configure Data Feed" form, with the product's labels in the product's order."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Checkbox, Label, RadioButton, RadioSet, Static

from feedcore import naming, rules, templating
from tui.messages import FieldEdited
from tui.services.draft import FormValues, check_condition, check_host_for, problem
from tui.services.form_warnings import condition_warning, template_warning
from tui.services.simulation import default_clock
from tui.widgets.field import ValidatedField
from tui.widgets.rows_editor import Column, RowsEditor
from tui.widgets.text import set_text

FORMATS = (("csv", "CSV"), ("tsv", "TSV"), ("jsonl", "JSONL"))
TARGETS = (("s3", "S3"), ("sftp", "SFTP"))
HOST_PLACEHOLDER = {"s3": "acme-data-feeds", "sftp": "sftp.example.com or sftp.example.com:2222"}
HOST_HINT = {
    "s3": "The S3 bucket name, without s3:// or a trailing /",
    "sftp": "The SFTP host (optional :port), without sftp:// or a trailing /",
}
CONTEXT_COLUMNS = (
    Column("name", "Name", "first_name", rules.check_context_name),
    Column(
        "value", "Value", "{{ contact.first_name }}", templating.check_template, template_warning
    ),
)


def upload_folder(path: str, clock: datetime) -> str:
    """The live line under Path: ``/exports/daily/2026/11/27/`` (FS-4.3)."""
    return "/" + naming.folder(path, clock) + "/"


class FeedForm(VerticalScroll, can_focus=False):
    """Data format, Hash identity, Data target, Host/bucket, Path, Personalized content,
    Condition. ``clock`` (the simulated time) feeds the "Files are uploaded to" line."""

    clock: reactive[datetime] = reactive(default_clock, init=False)

    def __init__(self, values: FormValues, clock: datetime, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="form")
        self._values = values
        self.set_reactive(FeedForm.clock, clock)

    def compose(self) -> ComposeResult:
        v = self._values
        yield Label("Data format", classes="field-label")
        with RadioSet(id="format", classes="choices"):
            for key, label in FORMATS:
                yield RadioButton(label, value=v.format == key, id=f"format-{key}")
        yield Label("Hash identity", classes="field-label")
        yield Checkbox(
            "Hash each contact's identity with SHA-256", v.hash_identity, id="hash_identity"
        )
        yield Label("Data target", classes="field-label")
        with RadioSet(id="target", classes="choices"):
            for key, label in TARGETS:
                yield RadioButton(label, value=v.target == key, id=f"target-{key}")
        yield ValidatedField(
            "Host/bucket",
            "host",
            v.host,
            checker=check_host_for(v.target),
            placeholder=HOST_PLACEHOLDER[v.target],
            hint=HOST_HINT[v.target],
        )
        yield ValidatedField(
            "Path",
            "path",
            v.path,
            checker=rules.check_path,
            placeholder="exports/daily",
            hint="Folders, without a leading or trailing /",
        )
        yield Static("", id="upload-to", markup=False)
        yield Label("Personalized content", classes="field-label")
        yield RowsEditor(
            "contexts", CONTEXT_COLUMNS, v.contexts, add_label="+ Add field", unique="name"
        )
        yield ValidatedField(
            "Condition",
            "condition",
            v.condition,
            checker=check_condition,
            placeholder='contact.plan != "free"',
            hint="Optional: only contacts for which this is true are exported",
            warner=condition_warning,
        )

    def on_mount(self) -> None:
        self._show_upload()

    # -- attributes down ----------------------------------------------------------------

    def watch_clock(self) -> None:
        self._show_upload()

    async def load(self, values: FormValues) -> None:
        """Show ``values`` (a config was opened); posts no edits."""
        self._values = values
        with self.prevent(RadioSet.Changed, RadioButton.Changed, Checkbox.Changed):
            self.query_one(f"#format-{values.format}", RadioButton).value = True
            self.query_one(f"#target-{values.target}", RadioButton).value = True
            self.query_one("#hash_identity", Checkbox).value = values.hash_identity
        self._host_rule(values.target)
        self.field("host").set_value(values.host)
        self.field("path").set_value(values.path)
        self.field("condition").set_value(values.condition)
        await self.query_one(RowsEditor).load(values.contexts)
        self._show_upload()

    def field(self, name: str) -> ValidatedField:
        return self.query_one(f"#{name}-field", ValidatedField)

    @property
    def target(self) -> str:
        return self._values.target

    # -- messages up ----------------------------------------------------------------------

    @on(RadioSet.Changed)
    def _choice(self, event: RadioSet.Changed) -> None:
        event.stop()
        name = event.radio_set.id or ""
        value = (event.pressed.id or "").partition("-")[2]
        if name == "target":
            self._values = self._values.with_field("target", value)
            self._host_rule(value)
        self.post_message(FieldEdited(name, value))

    @on(Checkbox.Changed)
    def _hash(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(FieldEdited("hash_identity", event.value))

    @on(FieldEdited)
    def _edited(self, event: FieldEdited) -> None:
        # Observed on the way up (not stopped): the path drives the upload line.
        if event.name == "path":
            self._values = self._values.with_field("path", event.value)
            self._show_upload()

    # -- internals ------------------------------------------------------------------------------

    def _host_rule(self, target: str) -> None:
        host = self.field("host")
        host.set_checker(check_host_for(target), HOST_PLACEHOLDER[target])
        host.set_hint(HOST_HINT[target])

    def _show_upload(self) -> None:
        path = self.field("path").input.value
        line = self.query_one("#upload-to", Static)
        if problem(rules.check_path, path) is None:
            set_text(
                line, f"Files are uploaded to: {upload_folder(path, self.clock)}", layout=False
            )
            line.remove_class("-invalid")
        else:
            set_text(line, "Files are uploaded to: (fix the path first)", layout=False)
            line.add_class("-invalid")
