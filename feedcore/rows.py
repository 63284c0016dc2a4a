"""Row building (FS-2): from one flow event to the rows it exports.

A contact event yields one ``data_feed`` row and one row per applicable action.
Those rows share everything but ``action``, so the builder produces one
:class:`ContactRows` per event and the encoders expand it; contexts and the
condition are compiled once per export, not per row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from feedcore import templating
from feedcore.config import FeedConfig
from feedcore.errors import RenderError
from feedcore.events import Event
from feedcore.identity import hash_email, holds_address, normalise, redact
from feedcore.rules import DATA_FEED_ACTION

Row = tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class ContactRows:
    """The rows of one exported contact event, before encoding."""

    identifier: str
    variant: str | None
    operation: str
    actions: tuple[str, ...]  # ``data_feed`` first, then the applicable actions
    contexts: tuple[str | None, ...]

    def rows(self, timestamp: str, segment: str, flow_name: str) -> Iterator[Row]:
        """Expand to full rows in FS-2.1 column order."""
        for action in self.actions:
            yield (
                self.identifier,
                timestamp,
                segment,
                flow_name,
                action,
                self.variant,
                self.operation,
                *self.contexts,
            )


class RowBuilder:
    """Turns events into :class:`ContactRows` for one feed config."""

    def __init__(self, config: FeedConfig) -> None:
        self.config = config
        self.hashed = config.feed.hash_identity
        flow = config.flow
        self._actions_by_variant: dict[str | None, tuple[str, ...]] = {
            None: (DATA_FEED_ACTION, *flow.actions)
        }
        for variant in flow.variants:
            self._actions_by_variant[variant.name] = (DATA_FEED_ACTION, *variant.actions)
        self._contexts = [templating.compile_context(c.value) for c in config.feed.contexts]
        self._dynamic = any(renderer is not None for _, renderer in self._contexts)
        self._condition = templating.compile_condition(config.feed.condition)
        self._needs_scope = self._dynamic or self._condition is not None
        #: Counts of non-fatal problems (render failures), for the export summary.
        self.warnings: Counter[str] = Counter()
        self.filtered = 0

    def known_variant(self, name: str | None) -> bool:
        return name in self._actions_by_variant

    def build(self, event: Event) -> ContactRows | None:
        """The rows of ``event``, or None when the condition excludes the contact."""
        ident = hash_email(event.email) if self.hashed else event.email.strip()
        contexts: tuple[str | None, ...]
        if self._needs_scope:
            contact = event.attributes
            if self.hashed:
                contact = _without_address(contact, normalise(event.email))
            scope: dict[str, Any] = {
                "contact": contact,
                "event": {"type": event.type, "variant": event.variant},
                "identifier": ident,
            }
            if self._condition is not None:
                try:
                    keep = self._condition(scope)
                except RenderError as exc:
                    self.warnings[str(exc)] += 1
                    keep = False
                if not keep:
                    self.filtered += 1
                    return None
            address = normalise(event.email) if self.hashed else None
            contexts = tuple(
                self._render(constant, renderer, scope, address)
                for constant, renderer in self._contexts
            )
        else:
            contexts = tuple(constant for constant, _ in self._contexts)
        actions = self._actions_by_variant.get(event.variant)
        if actions is None:
            raise RenderError(f"variant {event.variant!r} is not configured for this flow")
        return ContactRows(ident, event.variant, event.operation, actions, contexts)

    def _render(
        self,
        constant: str | None,
        renderer: templating.Renderer | None,
        scope: dict[str, Any],
        address: str | None,
    ) -> str | None:
        if renderer is None:
            return constant
        try:
            value = renderer(scope)
        except RenderError as exc:
            self.warnings[str(exc)] += 1
            return None
        if address is not None and value:
            return redact(value, address, scope["identifier"])
        return value


def _without_address(attributes: dict[str, Any], address: str) -> dict[str, Any]:
    """**[decision]** In a hashed feed, every attribute that holds the address is hidden.

    :func:`~feedcore.identity.holds_address` decides, for the attribute's name
    and its value (strings nested in lists and objects included), so no
    transformation of an attribute can bring the address back into a column.
    """
    kept = {k: v for k, v in attributes.items() if not holds_address((k, v), address)}
    return attributes if len(kept) == len(attributes) else kept
