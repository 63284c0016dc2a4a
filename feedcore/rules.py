"""Field rules of FS-1 as plain functions, shared by the config model and the TUI.

Each checker returns the normalised value or raises ``ValueError`` whose text
names the offending value and says how to fix it; the caller adds the field
name. The TUI calls the same functions as the user types, so the form and
``feedlab validate`` can never disagree.

Every pattern is applied with ``fullmatch``: ``^...$`` with ``match`` lets a
trailing newline through (``$`` matches before a final ``\n``), and a value
such as ``client = "acme\n"`` would then name files and folders (FS-1).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable

#: Whole-value patterns: use them with ``fullmatch`` only.
CLIENT_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
CONTEXT_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
PATH_SEGMENT_RE = re.compile(r"[A-Za-z0-9._=-]+")
BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
HOSTNAME_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
#: An IPv6 zone (``fe80::1%eth0``): an interface name, never free text.
IPV6_ZONE_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
DIGITS_RE = re.compile(r"[0-9]+")
INTEGER_RE = re.compile(r"-?[0-9]+")
#: A prefix test (does the value start with a URL scheme?), so ``match`` is right here.
SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")

#: FS-2.1: the standard columns, in order.
STANDARD_COLUMNS = (
    "identifier",
    "timestamp",
    "segment_name",
    "flow_name",
    "action",
    "variant",
    "operation",
)
#: FS-2.2: the action of the one row every exported contact gets.
DATA_FEED_ACTION = "data_feed"
MAX_PATH = 512


#: Control characters and the Unicode line and paragraph separators (U+2028, U+2029),
#: which many readers take for line breaks.
_LINE_BREAKING = frozenset(("Cc", "Zl", "Zp"))


def has_control_chars(text: str) -> bool:
    return any(unicodedata.category(ch) in _LINE_BREAKING for ch in text)


def is_digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts ``"²"`` (which ``int`` refuses)
    and ``"٣"`` (which ``int`` reads as 3)."""
    return DIGITS_RE.fullmatch(text) is not None


def is_integer(text: str) -> bool:
    """An optional ``-`` and ASCII digits: what ``int(text)`` should be given."""
    return INTEGER_RE.fullmatch(text) is not None


def check_client(value: str) -> str:
    if not CLIENT_RE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a client slug: use 1-63 lowercase letters, digits and '-', "
            "starting with a letter or digit (no '_': it separates file-name parts)"
        )
    return value


def check_label(value: str, what: str) -> str:
    """Names shown in rows (flow name, segment, variant, action): 1-200 chars, printable."""
    if not value or not value.strip():
        raise ValueError(f"{what} is empty: give it 1-200 characters")
    if len(value) > 200:
        raise ValueError(f"{what} is {len(value)} characters long: shorten it to at most 200")
    if has_control_chars(value):
        raise ValueError(f"{what} {value!r} contains control characters: remove them")
    return value


def check_format(value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in ("csv", "tsv", "jsonl"):
        raise ValueError(f"{value!r} is not a data format: choose csv, tsv or jsonl")
    return lowered


def check_target(value: str) -> str:
    lowered = value.strip().lower()
    if lowered == "ftp":
        return "sftp"  # the product form says "S3 or FTP"; we deliver over SFTP
    if lowered not in ("s3", "sftp"):
        raise ValueError(f"{value!r} is not a data target: choose s3 or sftp (ftp means sftp)")
    return lowered


def _example(candidate: str, check: Callable[[str], object]) -> str:
    """``, e.g. 'candidate'`` when that suggested fix itself passes ``check``, else ``""``."""
    try:
        check(candidate)
    except ValueError:
        return ""
    return f", e.g. {candidate!r}"


def _host_common(value: str, check: Callable[[str], object]) -> None:
    if SCHEME_RE.match(value):
        scheme = value.split("://", 1)[0]
        name, _, folders = value.split("://", 1)[1].strip("/").partition("/")
        then = f", and put {folders!r} in Path" if folders else ""
        raise ValueError(
            f"{value!r} includes a scheme ({scheme}://): enter only the name"
            f"{_example(name, check)}{then}"
        )
    if value.endswith("/"):
        raise ValueError(
            f"{value!r} ends with '/': remove the trailing slash"
            f"{_example(value.rstrip('/'), check)}"
        )
    if "/" in value:
        raise ValueError(
            f"{value!r} contains '/': the host/bucket is only a name; put folders in Path"
        )


def check_bucket(value: str) -> str:
    """S3 bucket naming rules (FS-1 ``host`` for ``s3``)."""
    _host_common(value, check_bucket)
    if not 3 <= len(value) <= 63:
        raise ValueError(f"bucket {value!r} must be 3-63 characters long")
    if not BUCKET_RE.fullmatch(value):
        raise ValueError(
            f"bucket {value!r} may only use lowercase letters, digits, '.' and '-', "
            "and must start and end with a letter or digit"
        )
    if ".." in value:
        raise ValueError(f"bucket {value!r} must not contain '..'")
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        pass
    else:
        raise ValueError(f"bucket {value!r} must not look like an IP address")
    if value.startswith("xn--"):
        raise ValueError(f"bucket {value!r} must not start with 'xn--'")
    if value.endswith("-s3alias") or value.endswith("--ol-s3"):
        raise ValueError(f"bucket {value!r} must not end with '-s3alias' or '--ol-s3'")
    return value


def split_host_port(value: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` -> (host, port or None)."""
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise ValueError(f"{value!r} opens '[' without ']': write an IPv6 host as [::1]:22")
        host, rest = value[1:end], value[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError(f"{value!r}: only ':port' may follow ']'")
        port_text = rest[1:] if rest else None
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    else:
        host, port_text = value, None
    if port_text is None:
        return host, None
    if not is_digits(port_text) or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"port {port_text!r} in {value!r} must be a number from 1 to 65535")
    return host, int(port_text)


def check_sftp_host(value: str) -> str:
    """A hostname or IP address with an optional ``:port`` (FS-1 ``host`` for ``sftp``)."""
    _host_common(value, check_sftp_host)
    if not value:
        raise ValueError("the SFTP host is empty: enter a hostname or IP, e.g. sftp.example.com")
    host, _port = split_host_port(value)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        _address, _, zone = host.partition("%")
        if "%" in host and not IPV6_ZONE_RE.fullmatch(zone):
            # ipaddress takes any text after '%' as the zone, newlines included.
            raise ValueError(
                f"{value!r} has an IPv6 zone that is not an interface name: "
                "use letters, digits, '.', '_' and '-' after '%', e.g. fe80::1%eth0"
            )
        return value
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(HOSTNAME_LABEL_RE.fullmatch(label) for label in labels):
        raise ValueError(
            f"{host!r} is not a valid hostname or IP address: use letters, digits, '-' "
            "and dots, e.g. sftp.example.com or sftp.example.com:2222"
        )
    return value


def check_host(value: str, target: str) -> str:
    return check_bucket(value) if target == "s3" else check_sftp_host(value)


def check_path(value: str) -> str:
    if value == "":
        return value
    if value.startswith("/"):
        raise ValueError(
            f"{value!r} begins with '/': remove the leading slash"
            f"{_example(value.strip('/'), check_path)}"
        )
    if value.endswith("/"):
        raise ValueError(
            f"{value!r} ends with '/': remove the trailing slash"
            f"{_example(value.strip('/'), check_path)}"
        )
    if len(value) > MAX_PATH:
        raise ValueError(f"path is {len(value)} characters long: shorten it to at most 512")
    for segment in value.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(
                f"{value!r} has an empty, '.' or '..' folder: write plain folder names "
                "joined by single '/'"
            )
        if not PATH_SEGMENT_RE.fullmatch(segment):
            raise ValueError(
                f"folder {segment!r} in {value!r} may only use letters, digits, '.', '_', "
                "'=' and '-'"
            )
    return value


def check_context_name(value: str) -> str:
    if not CONTEXT_NAME_RE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a column name: start with a letter or '_', then letters, "
            "digits or '_' (at most 64)"
        )
    if value in STANDARD_COLUMNS:
        raise ValueError(f"{value!r} is a standard column: choose another name")
    return value


def check_action(value: str) -> str:
    check_label(value, "action")
    if value == DATA_FEED_ACTION:
        raise ValueError(
            f"{DATA_FEED_ACTION!r} is the action of every contact's feed row (FS-2.2): "
            "name the flow action differently"
        )
    return value
