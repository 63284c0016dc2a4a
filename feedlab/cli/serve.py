"""``feedlab serve``: the two mock servers in the foreground, for outside clients (FS-8).

The printed credentials are the mock's own throwaway ones (the server accepts
only them); printing them is the point of this command.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from feedcore.errors import FeedError
from feedlab.cli.common import require_extra


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="run the mock S3 and SFTP servers on 127.0.0.1 for aws / OpenSSH sftp",
    )
    parser.add_argument("--s3-port", type=int, default=0, metavar="P", help="default: any free")
    parser.add_argument("--sftp-port", type=int, default=0, metavar="P", help="default: any free")
    parser.add_argument(
        "--bucket", action="append", default=[], metavar="NAME", help="create this bucket"
    )
    parser.add_argument("--root", type=Path, metavar="DIR", help="SFTP root (default: temp)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def format_line(info: dict[str, dict[str, Any]]) -> str:
    return " ".join(
        f"{group}.{key}={value}" for group, d in info.items() for key, value in d.items()
    )


def run(args: argparse.Namespace) -> int:
    require_extra("serve (the mock servers)", ("moto",))
    from feedcore.rules import check_bucket
    from mock_targets.child import details
    from mock_targets.s3 import MockS3Server
    from mock_targets.sftp import MockSFTPServer

    for bucket in args.bucket:
        try:
            check_bucket(bucket)
        except ValueError as exc:
            raise FeedError(f"--bucket: {exc}") from None
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    s3 = MockS3Server(port=args.s3_port)
    sftp = MockSFTPServer(root=args.root, port=args.sftp_port)
    try:
        try:
            s3.start()
            sftp.start()
        except OSError as exc:
            raise FeedError(f"cannot start the mock servers: {exc.strerror or exc}") from None
        for bucket in args.bucket:
            s3.create_bucket(bucket)
        info = details(s3, sftp)
        print(json.dumps(info) if args.json else format_line(info), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        sftp.cleanup() if args.root is None else sftp.stop()
        s3.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("feedlab serve: stopped", file=sys.stderr)
    return 0
