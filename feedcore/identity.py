"""Identity handling (FS-2.5): the ``identifier`` column and hashing."""

from __future__ import annotations

import hashlib
import re
from typing import Any


def normalise(email: str) -> str:
    """The form that is hashed: trimmed and lowercased, as ad platforms expect."""
    return email.strip().lower()


def hash_email(email: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 bytes of the normalised address."""
    return hashlib.sha256(normalise(email).encode("utf-8")).hexdigest()


def identifier(email: str, hashed: bool) -> str:
    return hash_email(email) if hashed else email.strip()


def holds_address(value: Any, address: str) -> bool:
    """**[decision]** Whether ``value`` carries the normalised ``address`` anywhere.

    FS-2.5 keeps the raw address out of template scope. Redacting output cannot
    win that: ``replace("@", " at ")``, ``|reverse``, ``|urlencode`` or two
    slices in two columns all carry it in a form no output scan recognises.
    So in a hashed feed an attribute that holds the address in any string
    inside it (nested in lists and objects, keys included), compared
    case-insensitively after trimming as :func:`normalise` does, is taken out
    of scope whole. Iterative: nesting depth cannot overflow the stack.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if address in item.lower():
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif item is not None and not isinstance(item, int | float):
            try:  # another object (a library caller's): judged by its text
                text = str(item)
            except Exception:
                return True  # unknown: never the leak
            if address in text.lower():
                return True
    return False


def redact(value: str, address: str, replacement: str) -> str | None:
    """**[decision]** In a hashed feed, text that contains the raw address gets the
    hashed identifier in its place (FS-2.5: the address appears nowhere).

    Defence in depth behind :func:`holds_address`: with the address out of
    scope, a template can still assemble it from pieces held apart (a local
    part and a domain in two attributes); written as-is, it is caught here.

    ``address`` is the normalised address. Returns None (null) in the odd case
    where case-folding finds the address but a case-insensitive search cannot
    place it: leaking is never the fallback.
    """
    if address not in value.lower():
        return value
    redacted = re.sub(re.escape(address), replacement, value, flags=re.IGNORECASE)
    return None if address in redacted.lower() else redacted
