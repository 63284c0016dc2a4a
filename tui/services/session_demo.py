"""The files a session delivered for one feed, for :func:`feedcore.demo.build_session_demo`.

F8 can hand a client what the user exported on screen rather than a fresh
sample: this reads that feed's data and control files back from the app's mock
server (in a worker: it does IO). Only the feed's own files are read (its server,
bucket, path and ``{client}_{flow_id}`` names, FS-4), at most :data:`MAX_BYTES`
in all, so a session with a million-row export cannot fill memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from feedcore import naming
from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from tui.services.targets import FileRef

MAX_BYTES = 256 << 20


def is_feed_file(ref: FileRef, config: FeedConfig) -> bool:
    """Is ``ref`` a data or control file of ``config``'s feed, where the feed writes?"""
    feed = config.feed
    if ref.server != feed.target or (feed.target == "s3" and ref.bucket != feed.host):
        return False
    prefix = f"{feed.path}/" if feed.path else ""
    stem = f"{config.client}_{config.flow.id}_"
    name = ref.name
    if not ref.key.startswith(prefix) or not name.removeprefix("control_").startswith(stem):
        return False
    return bool(naming.DATA_NAME_RE.fullmatch(name) or naming.CONTROL_NAME_RE.fullmatch(name))


def delivered_files(
    config: FeedConfig,
    listing: Iterable[FileRef],
    read: Callable[[FileRef], bytes],
    max_bytes: int = MAX_BYTES,
) -> list[tuple[str, bytes]]:
    """``(key, bytes)`` of every file of the feed the server holds, sorted by key."""
    out: list[tuple[str, bytes]] = []
    total = 0
    for ref in sorted(r for r in listing if is_feed_file(r, config)):
        data = read(ref)
        total += len(data)
        if total > max_bytes:
            raise FeedError(
                f"the session's files of this feed exceed {max_bytes >> 20} MiB: clear the "
                "mock servers and export a smaller batch for the demo (or use feedlab demo)"
            )
        out.append((ref.key, data))
    return out
