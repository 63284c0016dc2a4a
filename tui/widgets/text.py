"""Showing text: plain notifications, and updating a Static only when its text changes.

Each update with ``layout=True`` costs a full layout pass of the screen; on a
form validated at every key press, most key presses leave the message as it was.
"""

from __future__ import annotations

from textual.notifications import SeverityLevel
from textual.widgets import Static


class PlainNotify:
    """Mixin for a widget or screen (listed before it): ``notify`` without markup by default.

    Notifications carry file names and rule text, which may hold ``[`` and ``]``.
    """

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry file names and rule text, never markup: off by default."""
        super().notify(  # type: ignore[misc]
            message, title=title, severity=severity, timeout=timeout, markup=markup
        )


def set_text(widget: Static, text: str, *, layout: bool = True) -> None:
    """Show ``text`` in ``widget`` unless it already does (``layout=False``: fixed size)."""
    if getattr(widget, "_feedlab_text", None) == text:
        return
    widget._feedlab_text = text  # type: ignore[attr-defined]
    widget.update(text, layout=layout)
