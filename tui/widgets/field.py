"""A labelled input that validates as you type and shows the FS-1 message under it.

Under it goes the first of: the rule's error (red, ``-invalid``), a warning
(yellow, ``-warning``: :mod:`tui.services.form_warnings`, never blocking), the hint.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, Static

from tui.messages import FieldEdited
from tui.services.draft import Checker, problem
from tui.widgets.text import set_text


class RuleValidator(Validator):
    """Runs one of feedcore's rule checkers; its ValueError text is the failure."""

    def __init__(self, checker: Checker) -> None:
        super().__init__()
        self.checker = checker

    def validate(self, value: str) -> ValidationResult:
        message = problem(self.checker, value)
        return self.success() if message is None else self.failure(message, value)


#: A field's warning for a value (None: none): a valid value may still get one.
Warner = Callable[[str], str | None]


class ValidatedField(Vertical):
    """Label, input, then the rule's message, a warning or a hint line."""

    def __init__(
        self,
        label: str,
        field_name: str,
        value: str = "",
        *,
        checker: Checker | None = None,
        placeholder: str = "",
        hint: str = "",
        warner: Warner | None = None,
    ) -> None:
        super().__init__(id=f"{field_name}-field", classes="field")
        self.label = label
        self.field_name = field_name
        self._value = value
        self._checker = checker
        self._placeholder = placeholder
        self._hint = hint
        self._warner = warner
        #: False until the user types here: an empty field of a new feed shows its hint,
        #: not a red "is empty" message, until it has been edited.
        self._touched = False

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        validators = [RuleValidator(self._checker)] if self._checker else []
        yield Input(
            self._value,
            placeholder=self._placeholder,
            validators=validators,
            id=self.field_name,
            select_on_focus=False,
        )
        yield Static(
            self._hint, id=f"{self.field_name}-message", classes="field-message", markup=False
        )

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def message(self) -> Static:
        return self.query_one(".field-message", Static)

    def on_mount(self) -> None:
        self.revalidate()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._touched = True
        self._show(event.validation_result)
        self.post_message(FieldEdited(self.field_name, event.value))

    def set_value(self, value: str) -> None:
        """Show ``value`` without reporting it as an edit (loading a config)."""
        with self.prevent(Input.Changed):
            self.input.value = value
        self._touched = False
        self.revalidate()

    def set_checker(self, checker: Checker, placeholder: str | None = None) -> None:
        self._checker = checker
        self.input.validators = [RuleValidator(checker)]
        if placeholder is not None:
            self.input.placeholder = placeholder
        self.revalidate()

    def set_hint(self, hint: str) -> None:
        self._hint = hint
        self.revalidate()

    def revalidate(self) -> None:
        if self._checker is None:
            self._show(None)
            return
        self._show(self.input.validate(self.input.value))

    def _show(self, result: ValidationResult | None) -> None:
        failures = result.failure_descriptions if result is not None else []
        if failures and not self._touched and not self.input.value:
            failures = []  # not filled in yet: the hint says what goes here
        warning = None
        if not failures and self._warner is not None and self.input.value:
            warning = self._warner(self.input.value)
        self.set_class(bool(failures), "-invalid")
        self.set_class(warning is not None, "-warning")
        text = f"✗ {failures[0]}" if failures else f"⚠ {warning}" if warning else self._hint
        set_text(self.message, text)
        if self.message.display != bool(text):
            self.message.display = bool(text)
