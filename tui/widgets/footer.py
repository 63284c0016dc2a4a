"""The key footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (removes and mounts a widget for every key, each
styled anew) on every change of the screen's bindings: a focus move, a
``refresh_bindings`` call, a key whose action became enabled. F5 makes three
such changes in one frame, each 20-75 ms of the main thread at 80x24
(benchmarks/tui_frames.py). This footer rebuilds once a frame at most, not at
all when what it shows is the same, and turns a key on or off in place when
that is all that changed.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: What the footer shows of one key: the key, its binding, enabled, its tooltip.
Shown = tuple[str, Binding, bool, str]


class SteadyFooter(Footer):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The keys the footer's widgets show (None: not composed yet).
        self._shown: tuple[Shown, ...] | None = None
        self._queued = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Once a frame at most: the changes of one frame come together."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._queued:
            self._queued = True
            self.call_after_refresh(self._update_keys)

    def shown_keys(self) -> tuple[Shown, ...]:
        """The keys :meth:`compose` would show now, in order (the palette key too)."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette
        )

    async def _update_keys(self) -> None:
        self._queued = False
        if not self.is_attached:
            return
        shown = self.shown_keys()
        before, self._shown = self._shown, shown
        if shown == before:
            return
        if before is not None and self._set_enabled(before, shown):
            return
        await self.recompose()

    def _set_enabled(self, before: tuple[Shown, ...], shown: tuple[Shown, ...]) -> bool:
        """Turn keys on or off in place when nothing else changed; False otherwise."""
        same_keys = [(k, b, t) for k, b, _, t in before] == [(k, b, t) for k, b, _, t in shown]
        if not same_keys:
            return False
        widgets = list(self.query(FooterKey))
        enabled = {key: on for key, _, on, _ in shown}
        if any(widget.key not in enabled for widget in widgets):
            return False
        for widget in widgets:
            off = not enabled[widget.key]
            if widget.has_class("-disabled") != off:
                widget._disabled = off  # what a click checks (FooterKey.on_mouse_down)
                widget.set_class(off, "-disabled")
        return True
