"""Plain-Python services behind the TUI: no textual imports, unit-testable on their own."""
