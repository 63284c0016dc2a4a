"""The open config file: its path, the form's current values, and what is on disk."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedcore.config import FeedConfig, save_config
from feedcore.errors import ConfigError, FieldProblem
from tui.services.draft import NEW_CONFIG, FormValues


def read_config_data(path: Path) -> dict[str, Any]:
    """The raw TOML mapping of ``path`` (values are checked later, field by field)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(
            [FieldProblem("config", f"cannot read {path.name!r}: {reason}")]
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [FieldProblem("config", f"not valid TOML: {exc} (FS-1.2 shows the layout)", "FS-1.2")],
            path.name,
        ) from None


@dataclass
class ConfigDocument:
    """A feed config being edited. ``dirty`` compares the form with the last save/load."""

    path: Path | None = None
    values: FormValues = field(default_factory=lambda: NEW_CONFIG)
    saved: FormValues = field(default_factory=lambda: NEW_CONFIG)

    @classmethod
    def open(cls, path: Path) -> ConfigDocument:
        """Load ``path``; a missing file starts a new config that will be saved there."""
        if not path.exists():
            return cls(path=path)
        values = FormValues.from_data(read_config_data(path))
        return cls(path=path, values=values, saved=values)

    @property
    def dirty(self) -> bool:
        return self.values != self.saved

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "untitled.toml"

    def edit(self, field_name: str, value: Any) -> None:
        self.values = self.values.with_field(field_name, value)

    def config(self) -> FeedConfig:
        return self.values.to_config()

    def save(self, path: Path | None = None) -> Path:
        """Validate and write TOML (atomically); raises ConfigError when invalid."""
        target = path or self.path
        if target is None:
            raise ValueError("no file name: choose where to save")
        save_config(self.values.to_config(), target)
        self.path = target
        self.saved = self.values
        return target
