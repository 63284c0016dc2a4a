"""Network addresses as feedlab shows them and as it compares them.

Two questions come up wherever a target is named: *is this the same server?*
(a batch key must not change because one run said ``http://localhost:9000``
and the next ``http://127.0.0.1:9000/``) and *what can be printed?* (an
endpoint URL may carry ``user:password@``). Both are answered here, once, for
the S3 sink's messages and the target specs of :mod:`feedcore.targets`.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["canonical_host", "canonical_url", "is_loopback", "public_url"]

#: What a loopback address is written as in a canonical form.
LOOPBACK = "localhost"
_DEFAULT_PORTS = {"http": 80, "https": 443, "sftp": 22, "ssh": 22}


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def canonical_host(host: str) -> str:
    """One spelling per host: lower case, no trailing dot, IPs compressed, loopback as one.

    **[decision]** Every loopback address is one host (``localhost``): a server
    listening on loopback is reached by any of them, and a batch key that told
    ``127.0.0.1`` from ``localhost`` would export a batch twice.
    """
    bare = host.strip().strip("[]").rstrip(".").lower()
    if is_loopback(bare):
        return LOOPBACK
    try:
        return ipaddress.ip_address(bare).compressed
    except ValueError:
        return bare


def host_port(host: str, port: int | None) -> str:
    """``host:port`` with IPv6 addresses in brackets (``[fd00::1]:22``)."""
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def canonical_url(url: str) -> str:
    """``scheme://host[:port][/path]`` with the scheme and host canonical, no credentials.

    Default ports (80 for http, 443 for https) are dropped, as are a trailing
    ``/``, a query and a fragment; the path keeps its case (servers may not).
    A URL that cannot be parsed comes back as ``"unparsable-endpoint"``: never
    echoed, since it cannot be told apart from a secret.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "unparsable-endpoint"
    scheme = parts.scheme.lower()
    if not scheme or not parts.hostname:
        return "unparsable-endpoint"
    if port == _DEFAULT_PORTS.get(scheme):
        port = None
    return f"{scheme}://{host_port(canonical_host(parts.hostname), port)}{parts.path.rstrip('/')}"


def public_url(url: str | None) -> str:
    """An endpoint as given, safe to print: any ``user:password@`` part is dropped."""
    if not url:
        return "AWS"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "an unparsable URL"
    if not parts.scheme or not host:
        return "an unparsable URL"  # never echo what we cannot tell apart from a secret
    return f"{parts.scheme}://{host_port(host, port)}{parts.path}"
