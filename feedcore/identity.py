"""Identity handling (FS-2.5): the ``identifier`` column and hashing."""

from __future__ import annotations

import hashlib


def normalise(email: str) -> str:
    """The form that is hashed: trimmed and lowercased, as ad platforms expect."""
    return email.strip().lower()


def hash_email(email: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 bytes of the normalised address."""
    return hashlib.sha256(normalise(email).encode("utf-8")).hexdigest()


def identifier(email: str, hashed: bool) -> str:
    return hash_email(email) if hashed else email.strip()
