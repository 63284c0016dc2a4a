"""Identity handling (FS-2.5): the ``identifier`` column and hashing."""

from __future__ import annotations

import hashlib
import re


def normalise(email: str) -> str:
    """The form that is hashed: trimmed and lowercased, as ad platforms expect."""
    return email.strip().lower()


def hash_email(email: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 bytes of the normalised address."""
    return hashlib.sha256(normalise(email).encode("utf-8")).hexdigest()


def identifier(email: str, hashed: bool) -> str:
    return hash_email(email) if hashed else email.strip()


def redact(value: str, address: str, replacement: str) -> str | None:
    """**[decision]** In a hashed feed, text that contains the raw address gets the
    hashed identifier in its place (FS-2.5: the address appears nowhere).

    ``address`` is the normalised address. Returns None (null) in the odd case
    where case-folding finds the address but a case-insensitive search cannot
    place it: leaking is never the fallback.
    """
    if address not in value.lower():
        return value
    redacted = re.sub(re.escape(address), replacement, value, flags=re.IGNORECASE)
    return None if address in redacted.lower() else redacted
