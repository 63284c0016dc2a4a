"""The simulation bar: contacts entering and exiting, seed, simulated clock."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from tui.messages import SimEdited
from tui.services.draft import problem
from tui.services.simulation import (
    SimSettings,
    format_clock,
    parse_clock,
    parse_count,
    parse_seed,
)
from tui.widgets.field import RuleValidator
from tui.widgets.text import set_text

_CHECKS = {
    "sim-entering": lambda v: parse_count(v, "contacts entering"),
    "sim-exiting": lambda v: parse_count(v, "contacts exiting"),
    "sim-seed": parse_seed,
    "sim-clock": parse_clock,
}


class SimBar(Vertical):
    """Posts :class:`SimEdited` whenever every field holds a valid value."""

    #: Columns the bar needs to show its fields and buttons on one line.
    ONE_LINE = 124

    def __init__(self, settings: SimSettings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._settings = settings

    def compose(self) -> ComposeResult:
        s = self._settings
        initial = {
            "sim-entering": str(s.entering),
            "sim-exiting": str(s.exiting),
            "sim-seed": str(s.seed),
            "sim-clock": format_clock(s.clock),
        }
        labels = {
            "sim-entering": "Contacts entering",
            "sim-exiting": "exiting",
            "sim-seed": "Seed",
            "sim-clock": "Clock (UTC)",
        }
        groups = {"sim-counts": list(initial)[:3], "sim-time": list(initial)[3:]}
        with Horizontal(classes="sim-fields"):
            for group, keys in groups.items():
                with Horizontal(classes="sim-group", id=group):
                    for key in keys:
                        yield Label(labels[key], classes="sim-label")
                        yield Input(
                            initial[key],
                            id=key,
                            validators=[RuleValidator(_CHECKS[key])],
                            compact=True,
                            select_on_focus=True,  # typing a new number replaces the old one
                        )
                    if group == "sim-time":
                        yield from self._buttons()
        yield Static("", id="sim-message", markup=False)

    def _buttons(self) -> ComposeResult:
        yield Button(
            "Next day",
            id="next-day",
            compact=True,
            tooltip="Advance the clock by a day (F6)",
            action="screen.next_day",
        )
        yield Button(
            "Export batch",
            id="export",
            variant="primary",
            compact=True,
            tooltip="Export a batch to the mock server (F5)",
            action="screen.export",
        )

    def on_resize(self) -> None:
        # The fields and buttons take WIDTH columns on one line; narrower, two lines.
        self.set_class(self.size.width < self.ONE_LINE, "-two-lines")

    def set_clock(self, settings: SimSettings) -> None:
        """The clock moved (Next day): show it without treating it as an edit."""
        self._settings = settings
        with self.prevent(Input.Changed):
            self.query_one("#sim-clock", Input).value = format_clock(settings.clock)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        messages = [
            problem(_CHECKS[i.id or ""], i.value) for i in self.query(Input) if i.id in _CHECKS
        ]
        shown = next((m for m in messages if m), "")
        message = self.query_one("#sim-message", Static)
        set_text(message, f"✗ {shown}" if shown else "")
        message.display = bool(shown)
        if shown:
            return
        values = {i.id: i.value for i in self.query(Input)}
        self._settings = SimSettings(
            entering=parse_count(values["sim-entering"], "contacts entering"),
            exiting=parse_count(values["sim-exiting"], "contacts exiting"),
            seed=parse_seed(values["sim-seed"]),
            clock=parse_clock(values["sim-clock"]),
        )
        self.post_message(SimEdited(self._settings))
