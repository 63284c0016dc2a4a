"""Updating a Static only when its text changes.

Each update with ``layout=True`` costs a full layout pass of the screen; on a
form validated at every key press, most key presses leave the message as it was.
"""

from __future__ import annotations

from textual.widgets import Static


def set_text(widget: Static, text: str, *, layout: bool = True) -> None:
    """Show ``text`` in ``widget`` unless it already does (``layout=False``: fixed size)."""
    if getattr(widget, "_feedlab_text", None) == text:
        return
    widget._feedlab_text = text  # type: ignore[attr-defined]
    widget.update(text, layout=layout)
