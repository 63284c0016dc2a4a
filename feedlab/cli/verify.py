"""``feedlab verify LOCATION [--config CONFIG]``: conformance check of a feed location (FS-8).

Exit codes are for scripts and CI: 0 conformant, 1 findings (one per line on
stdout, each with its rule id, then a count), 2 the check could not run
(unusable arguments, an invalid config, a location that cannot be listed or
read). A location that cannot be read is not a finding about the feed, so it
never passes for one.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedcore import rules
from feedcore.config import FeedConfig, load_config
from feedcore.errors import FeedError
from feedcore.targets import LocalTarget, S3Target, TargetSpec, open_sink
from feedcore.verify import walk_location
from feedlab.cli.targets import PASSWORD_ENV, sftp_target

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The arguments cannot be used; exit 2 with this message on stderr."""


@dataclass(frozen=True)
class LocationArg:
    """A parsed LOCATION argument."""

    scheme: str  # "file", "s3" or "sftp"
    root: str  # folder, bucket or host
    port: int | None = None
    prefix: str = ""


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "verify",
        help="check every file under a feed location against FEED_SPEC (exit 0/1/2)",
        description=(
            "Check names, layout, encodings, control files against their data files and "
            "the delivery protocol of every file under LOCATION; with --config also every "
            "value the config fixes. LOCATION is a folder standing for a bucket or SFTP "
            "login root (as 'simulate --out DIR' writes DIR/{bucket or hostname}), "
            "s3://BUCKET[/PATH] or sftp://HOST[:PORT][/PATH]. Exit 0 conformant, 1 findings "
            "(one per line, with the rule id), 2 unusable arguments."
        ),
    )
    parser.add_argument("location", metavar="LOCATION", help="folder, s3://... or sftp://...")
    parser.add_argument("--config", type=Path, metavar="CONFIG", help="feed config (TOML)")
    parser.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint (e.g. a mock server)")
    parser.add_argument("--known-hosts", type=Path, metavar="FILE", help="SFTP known_hosts")
    parser.add_argument("--user", metavar="U", help="SFTP user name")
    parser.add_argument(
        "--key", type=Path, metavar="FILE", help=f"SFTP private key (else ${PASSWORD_ENV})"
    )
    parser.set_defaults(func=run)


def parse_location(text: str) -> LocationArg:
    """LOCATION -> :class:`LocationArg`; :class:`UsageError` says what is wrong with it."""
    if not rules.SCHEME_RE.match(text):
        return LocationArg("file", text)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("s3", "sftp"):
        raise UsageError(
            f"LOCATION {text!r}: unsupported scheme {parts.scheme}://; use a folder, "
            "s3://BUCKET[/PATH] or sftp://HOST[:PORT][/PATH]"
        )
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise UsageError(
            f"LOCATION {text!r}: no user, query or fragment allowed; give the SFTP user with --user"
        )
    prefix = parts.path.strip("/")
    if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
        raise UsageError(f"LOCATION {text!r}: the path has an empty, '.' or '..' folder")
    try:
        if scheme == "s3":
            return LocationArg("s3", rules.check_bucket(parts.netloc), prefix=prefix)
        host, port = rules.split_host_port(rules.check_sftp_host(parts.netloc))
    except ValueError as exc:
        raise UsageError(f"LOCATION {text!r}: {exc}") from None
    return LocationArg("sftp", host, port or 22, prefix)


def _check_options(location: LocationArg, args: argparse.Namespace) -> None:
    """Options only make sense for their scheme; refuse rather than silently ignore them."""
    if args.endpoint_url and location.scheme != "s3":
        raise UsageError("--endpoint-url applies to s3:// locations only")
    given = {"--known-hosts": args.known_hosts, "--user": args.user, "--key": args.key}
    sftp_only = [flag for flag, value in given.items() if value]
    if sftp_only and location.scheme != "sftp":
        raise UsageError(f"{', '.join(sftp_only)} applies to sftp:// locations only")
    if location.scheme == "file" and not Path(location.root).is_dir():
        raise UsageError(f"LOCATION {location.root!r} is not a folder")
    if location.scheme != "sftp":
        return
    if args.known_hosts is None:
        raise UsageError(
            "an sftp:// location needs --known-hosts FILE (host keys are always verified, FS-6.5)"
        )
    if not args.known_hosts.is_file():
        raise UsageError(f"--known-hosts {str(args.known_hosts)!r} is not a file")
    if not args.user:
        raise UsageError("an sftp:// location needs --user NAME")
    if args.key is not None and not args.key.is_file():
        raise UsageError(f"--key {str(args.key)!r} is not a file")
    if args.key is None and not os.environ.get(PASSWORD_ENV):
        raise UsageError(f"give --key FILE or set {PASSWORD_ENV} for the SFTP login")


def location_target(location: LocationArg, args: argparse.Namespace) -> TargetSpec:
    """The target LOCATION and the options name (checked by :func:`_check_options` first)."""
    if location.scheme == "file":
        return LocalTarget(Path(location.root))
    if location.scheme == "s3":
        return S3Target(location.root, args.endpoint_url)
    return sftp_target(location.root, location.port, args)


def run(args: argparse.Namespace) -> int:
    config: FeedConfig | None = load_config(args.config) if args.config else None
    try:
        location = parse_location(args.location)
        _check_options(location, args)
    except UsageError as exc:
        print(f"feedlab: verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with open_sink(location_target(location, args)) as sink:
            report = walk_location(sink, location.prefix, config)
    except (FeedError, OSError) as exc:
        print(f"feedlab: verify: cannot read {args.location}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    where = sink.label + (f"/{location.prefix}" if location.prefix else "")
    files = f"{report.files:,} file{'' if report.files == 1 else 's'} checked under {where}"
    if not report.findings:
        if not report.files:
            print(f"feedlab: verify: warning: no files under {where}", file=sys.stderr)
        print(f"conformant: {files}")
        return EXIT_OK
    for finding in report.findings:
        print(finding)
    count = len(report.findings)
    print(f"{count:,} finding{'' if count == 1 else 's'} in {files}")
    return EXIT_FINDINGS
