"""The key footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (removes and mounts a widget for every key, each
styled anew) on every change of the screen's bindings: a focus move, a
``refresh_bindings`` call, a key whose action became enabled. F5 makes three
such changes in one frame, each 20-75 ms of the main thread at 80x24
(benchmarks/tui_frames.py). This footer updates once a frame at most, not at
all when what it shows is the same, and then in place: a key turned on or off
keeps its widget, a key that came or went (the focused tree's or table's) is
mounted or removed alone. Anything it does not know how to patch (binding
groups, keys that changed order) is recomposed as Textual does.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: What the footer shows of one key: the key, its binding, enabled, its tooltip.
Shown = tuple[str, Binding, bool, str]
#: What tells one key widget from another (all of FooterKey's arguments but disabled).
Identity = tuple[str, str, str, str, bool]


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
        if before is None or not await self._patch(shown):
            await self.recompose()

    def _wanted(self, shown: tuple[Shown, ...]) -> list[tuple[Identity, Shown]] | None:
        """The key widgets :meth:`compose` would make, in order (None: groups, which
        compose lays out in a container of their own)."""
        palette = self.app.COMMAND_PALETTE_BINDING
        wanted: list[tuple[Identity, Shown]] = []
        actions: set[str] = set()
        for entry in shown:
            key, binding, _, tooltip = entry
            if binding.group is not None:
                return None
            if binding.show and binding.action not in actions:  # one key an action
                actions.add(binding.action)
                identity = (binding.key, binding.action, binding.description, tooltip, False)
                wanted.append((identity, entry))
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            for entry in shown:
                key, binding, _, _ = entry
                if key == palette:
                    tip = binding.tooltip or binding.description
                    identity = (binding.key, binding.action, binding.description, tip, True)
                    wanted.append((identity, entry))
        return wanted

    @staticmethod
    def _identity(widget: FooterKey) -> Identity:
        tooltip = widget.tooltip if isinstance(widget.tooltip, str) else ""
        palette = widget.has_class("-command-palette")
        return (widget.key, widget.action, widget.description, tooltip or "", palette)

    def _new_key(self, identity: Identity, entry: Shown) -> FooterKey:
        _, binding, enabled, _ = entry
        key, action, description, tooltip, palette = identity
        display = self.app.get_key_display(binding)
        if palette:
            return FooterKey(
                key, display, description, action, disabled=not enabled, tooltip=tooltip,
                classes="-command-palette",
            )  # fmt: skip
        # compose data-binds compact to the footer's; watch_compact follows it here
        compact = "-compact" if self.compact else ""
        widget = FooterKey(
            key, display, description, action, disabled=not enabled, tooltip=tooltip,
            classes=compact,
        )  # fmt: skip
        widget.set_reactive(FooterKey.compact, self.compact)
        return widget

    def watch_compact(self, compact: bool) -> None:
        """The keys mounted by :meth:`_patch` follow the footer's compact style too."""
        for widget in self.query(FooterKey):
            if not widget.has_class("-command-palette"):
                widget.compact = compact

    async def _patch(self, shown: tuple[Shown, ...]) -> bool:
        """Change the key widgets in place to show ``shown``; False if it cannot."""
        wanted = self._wanted(shown)
        keys = [child for child in self.children if isinstance(child, FooterKey)]
        if wanted is None or len(keys) != len(self.children):
            return False
        have = {self._identity(widget): widget for widget in keys}
        if len(have) != len(keys):
            return False
        kept = [have[identity] for identity, _ in wanted if identity in have]
        if kept != [widget for widget in keys if widget in kept]:
            return False  # the same keys in another order: compose lays them out anew
        wanted_ids = {identity for identity, _ in wanted}
        gone = [widget for identity, widget in have.items() if identity not in wanted_ids]
        if gone:
            await self.remove_children(gone)
        after: FooterKey | None = None
        for identity, entry in wanted:
            widget: FooterKey | None = have.get(identity)
            if widget is None:
                widget = self._new_key(identity, entry)
                if after is not None:
                    await self.mount(widget, after=after)
                elif self.children:
                    await self.mount(widget, before=self.children[0])
                else:
                    await self.mount(widget)
            else:
                off = not entry[2]
                if widget.has_class("-disabled") != off:
                    widget._disabled = off  # what a click checks (FooterKey.on_mouse_down)
                    widget.set_class(off, "-disabled")
            after = widget
        return True
