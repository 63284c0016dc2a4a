"""Client demo bundles (``feedlab demo CONFIG --out FILE.zip``, and F8 in the app).

A bundle is a zip a client can open without feedlab:

* the feed's files in their real layout, ``{bucket or hostname}/{path}/YYYY/MM/DD/...``
  (FS-4.3), each data file followed by its control file. Either a guaranteed
  sample (:func:`build_demo`): simulated contacts (FS-7.1) entering on day one and
  some of them leaving the next day, written by the real
  :class:`~feedcore.writer.FeedWriter` through a :class:`~feedcore.sinks.local.LocalSink`,
  with enough contacts to show every variant, both operations and an awkward value
  (:mod:`feedcore.demo_sample`); or what a session delivered
  (:func:`build_session_demo`);
* ``index.html``: one self-contained page (:mod:`feedcore.demo_html`): folder tree,
  field dictionary, sample table, a control file with its JSON Schema, loaders,
  and the poller;
* ``README.md`` (:mod:`feedcore.demo_readme`), ``control.schema.json``
  (:mod:`feedcore.control_schema`) and ``poll_control_files.py``
  (:mod:`feedcore.poller`);
* ``screenshot.svg`` when the caller gives one. **[decision]** The live screenshot
  is kept, and explained on the page: it is the feedlab app right after exporting
  the first batch of these very files (the sample is a prefix of the simulator's
  contacts, as the app's first F5 with the same seed exports them), so a client
  sees where the files come from; it is not part of the feed.

Everything is fixed by the seed and the export time (or the session's files), so
a bundle is reproducible byte for byte. Nothing secret goes in: a feed config
holds no credentials (FS-1.2), and no endpoint, port, password or local path is
written; a hashed feed's bundle holds no raw address (FS-2.5). feedcore imports
no front end: the screenshot is drawn by a renderer the caller passes in
(``feedlab demo`` passes the app's, ``tui.screenshot.render``).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feedcore import naming, tempfiles
from feedcore.config import FeedConfig
from feedcore.control_schema import dumps_schema
from feedcore.demo_html import SCHEMA_NAME, Member, index_html, read_rows
from feedcore.demo_readme import INDEX_NAME, readme
from feedcore.demo_sample import plan_sample
from feedcore.errors import FeedError
from feedcore.events import Event
from feedcore.poller import SCRIPT_NAME, poller_script
from feedcore.simulate import simulate_events
from feedcore.sinks.local import LocalSink
from feedcore.writer import BatchResult, FeedWriter

DEMO_SEED = 7
DEMO_AT = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)
DEMO_CONTACTS = 12
DEMO_EXITS = 3
README_NAME = "README.md"
SCREENSHOT_NAME = "screenshot.svg"
SCREEN_SIZE = (200, 50)


@dataclass(frozen=True)
class DemoBundle:
    """What :func:`build_demo` wrote."""

    path: Path
    members: tuple[str, ...]
    batches: tuple[BatchResult, ...]


def writer_seed(seed: int, batch: int) -> str:
    """The random name parts of batch ``batch`` (1-based) of a simulation.

    The seed itself, as ``feedlab simulate``/``publish --seed`` and the app use it
    (batches differ by their export time), so the app's first F5 with the same
    seed, clock and contacts writes the bundle's first files under the same names.
    """
    return str(seed)


def sample_events(config: FeedConfig, seed: int, contacts: int, exits: int) -> list[list[Event]]:
    """Batch 1: ``contacts`` contacts enter; batch 2: the first ``exits`` of them exit."""
    if exits > contacts:
        raise FeedError(
            f"exits {exits} is more than contacts {contacts}: only entered contacts exit"
        )
    entering = list(simulate_events(config, contacts, seed=seed))
    leaving = list(simulate_events(config, exits, seed=seed, type="exit"))
    return [entering, leaving] if exits else [entering]


def export_sample(
    config: FeedConfig,
    root: Path,
    *,
    seed: int = DEMO_SEED,
    at: datetime = DEMO_AT,
    contacts: int = DEMO_CONTACTS,
    exits: int = DEMO_EXITS,
) -> list[BatchResult]:
    """Write the sample export under ``root/{bucket or hostname}``; one batch per day."""
    sink = LocalSink(root / config.feed.hostname)
    results = []
    for number, events in enumerate(sample_events(config, seed, contacts, exits), start=1):
        writer = FeedWriter(config, sink, seed=writer_seed(seed, number))
        results.append(writer.export(events, at=naming.as_utc(at) + timedelta(days=number - 1)))
    return results


#: Renders the app's screen after batch 1 as SVG: ``(config, name=, seed=, at=,
#: contacts=, size=) -> str``. The app package supplies one (``tui.screenshot.render``);
#: feedcore never imports a front end, so it is passed in, never looked up.
ScreenshotRenderer = Callable[..., str]


def render_screenshot(
    renderer: ScreenshotRenderer,
    config: FeedConfig,
    *,
    name: str = "feed.toml",
    seed: int = DEMO_SEED,
    at: datetime = DEMO_AT,
    contacts: int = DEMO_CONTACTS,
) -> str:
    """An SVG of the app after exporting batch 1, drawn by ``renderer``."""
    try:
        svg = renderer(config, name=name, seed=seed, at=at, contacts=contacts, size=SCREEN_SIZE)
    except FeedError:
        raise
    except Exception as exc:
        raise FeedError(f"cannot render the app screenshot: {type(exc).__name__}: {exc}") from exc
    return str(svg)


def build_demo(
    config: FeedConfig,
    out: str | Path,
    *,
    screenshot_svg: str | None = None,
    screenshot: ScreenshotRenderer | None = None,
    name: str = "feed.toml",
    seed: int = DEMO_SEED,
    at: datetime = DEMO_AT,
    contacts: int = DEMO_CONTACTS,
    exits: int = DEMO_EXITS,
) -> DemoBundle:
    """Write the demo zip of a guaranteed sample to ``out`` (atomically).

    The sample is the first ``contacts`` simulated contacts (then the first ``exits``
    of them leaving), grown when needed to show every variant, both operations and
    an awkward value (:func:`feedcore.demo_sample.plan_sample`); a condition that
    keeps nobody is an error. ``screenshot_svg`` is used as the screenshot when
    given; otherwise ``screenshot``, when given, renders the app after the same
    first batch; with neither the bundle has no screenshot.
    """
    plan = plan_sample(config, seed=seed, contacts=contacts, exits=exits)
    if screenshot_svg is None and screenshot is not None:
        screenshot_svg = render_screenshot(
            screenshot, config, name=name, seed=seed, at=at, contacts=plan.contacts
        )
    private = tempfiles.private_dir("demo")
    work = private.path / "sample"  # beside the folder's lock file, not with it
    try:
        work.mkdir()
        results = export_sample(
            config, work, seed=seed, at=at, contacts=plan.contacts, exits=plan.exits
        )
        files = [(p.relative_to(work).as_posix(), p.read_bytes()) for p in _files(work)]
    except OSError as exc:
        raise FeedError(f"cannot write the demo sample: {exc.strerror or exc}") from exc
    finally:
        private.close()
    about = (
        f"This bundle shows the files the data feed of flow {config.flow.name} (id "
        f"{config.flow.id}, segment {config.flow.segment}) delivers to {_target(config)}. "
        f"The sample holds {plan.contacts} simulated contacts entering the flow and "
        f"{plan.exits} of them exiting a day later (seed {seed}); real exports have the "
        "same layout, names and columns. About one contact in twenty carries awkward but "
        "legal text in its names or city (commas, quotes, tabs, line breaks, emoji, "
        "right-to-left text), so a loader that reads this sample correctly reads real "
        "exports too."
    )
    if plan.grown_for:
        about += (
            f" ({contacts} contacts were asked for; more were taken to show "
            + ", ".join(plan.grown_for)
            + ".)"
        )
    bundle = _Bundle(config, about, plan.gaps, screenshot_svg, naming.as_utc(at))
    return bundle.write(Path(out), files, tuple(results))


def build_session_demo(
    config: FeedConfig,
    files: Iterable[tuple[str, bytes]],
    out: str | Path,
    *,
    screenshot_svg: str | None = None,
) -> DemoBundle:
    """Write a demo zip of what a session delivered (atomically).

    ``files`` are ``(key, bytes)`` as the bucket or SFTP root holds them; only this
    feed's data and control files under its path are taken (FS-4). A hashed feed's
    bundle is refused when a data file holds an identifier that is not a hash or
    any raw address (an export made before hashing was switched on, FS-2.5). The
    zip's times are the newest export time, so the same files give the same bytes.
    """
    feed = config.feed
    stem = f"{config.client}_{config.flow.id}_"
    prefix = f"{feed.path}/" if feed.path else ""
    mine: list[tuple[str, bytes]] = []
    for key, data in files:
        base = key.rpartition("/")[2]
        ours = key.startswith(prefix) and base.removeprefix("control_").startswith(stem)
        if ours and (naming.DATA_NAME_RE.fullmatch(base) or naming.CONTROL_NAME_RE.fullmatch(base)):
            mine.append((f"{feed.hostname}/{key}", data))
    stamps = [
        parsed.at
        for member, _ in mine
        if (parsed := naming.parse_data_name(member.rpartition("/")[2])) is not None
    ]
    if not stamps:
        raise FeedError(
            f"nothing delivered for {config.client} flow {config.flow.id} under "
            f"{feed.target}://{feed.host}/{feed.path}: export a batch first"
        )
    if feed.hash_identity:
        for member, data in mine:
            _refuse_addresses(config, member, data)
    count = len(stamps)
    about = (
        f"This bundle holds the {count} data file{'s' if count != 1 else ''} the data feed "
        f"of flow {config.flow.name} (id {config.flow.id}, segment {config.flow.segment}) "
        f"delivered to {_target(config)} in a feedlab session, each with its control file, "
        "in their real layout. The contacts are simulated."
    )
    bundle = _Bundle(config, about, (), screenshot_svg, max(stamps))
    return bundle.write(Path(out), mine, ())


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _target(config: FeedConfig) -> str:
    kind = "an S3 bucket" if config.feed.target == "s3" else "an SFTP server"
    return f"{kind}, {config.feed.host}"


_ADDRESS_RE = re.compile(r"[^\s@,;\"'<>]+@[^\s@,;\"'<>]+\.[A-Za-z]{2,}")
_HASH_RE = re.compile(r"[0-9a-f]{64}")


def _refuse_addresses(config: FeedConfig, member: str, data: bytes) -> None:
    """FS-2.5: a hashed feed's bundle never shows a raw address."""
    base = member.rpartition("/")[2]
    if not naming.DATA_NAME_RE.fullmatch(base):
        return
    for row in read_rows(Member(member, data), config.feed.format):
        hashed = _HASH_RE.fullmatch(row[0] or "") is not None
        if not hashed or any(v is not None and _ADDRESS_RE.search(v) for v in row):
            raise FeedError(
                f"{base} holds a raw address: it was exported before hash_identity was "
                "switched on (FS-2.5); clear the mock servers and export again"
            )


@dataclass(frozen=True)
class _Bundle:
    """What goes around the feed's files: the page, README, schema, poller, screenshot."""

    config: FeedConfig
    about: str
    gaps: tuple[str, ...]
    screenshot_svg: str | None
    at: datetime

    def write(
        self, out: Path, files: list[tuple[str, bytes]], results: tuple[BatchResult, ...]
    ) -> DemoBundle:
        # By folder (so by day), each data file before its control file.
        files = sorted(files, key=lambda item: _order(item[0]))
        rows = _rows_by_data_member(files)
        members = [Member(name, data, rows.get(name)) for name, data in files]
        extras = [README_NAME]
        if self.screenshot_svg is not None:
            extras.append(SCREENSHOT_NAME)
        extras += [INDEX_NAME, SCHEMA_NAME, SCRIPT_NAME]
        listing = [(m.name, len(m.data), m.rows) for m in members]
        page = index_html(
            self.config,
            members,
            about=self.about,
            gaps=self.gaps,
            extras=[name for name in extras if name != INDEX_NAME],
        )
        contents = {
            README_NAME: readme(self.config, listing, about=self.about, gaps=self.gaps),
            SCREENSHOT_NAME: self.screenshot_svg or "",
            INDEX_NAME: page,
            SCHEMA_NAME: dumps_schema(),
            SCRIPT_NAME: poller_script(self.config),
        }
        entries = [(name, contents[name].encode("utf-8")) for name in extras]
        entries += [(m.name, m.data) for m in members]
        try:
            _write_zip(out, entries, self.at)
        except OSError as exc:
            raise FeedError(
                f"cannot write the demo bundle {out.name}: {exc.strerror or exc}"
            ) from exc
        return DemoBundle(out, tuple(name for name, _ in entries), results)


def _order(member: str) -> tuple[str, bool, str]:
    folder, _, name = member.rpartition("/")
    return folder, name.startswith("control_"), name


def _rows_by_data_member(files: list[tuple[str, bytes]]) -> dict[str, int]:
    """Rows of each data file, as its control file states them (FS-5.1)."""
    found: dict[str, int] = {}
    for name, data in files:
        if naming.data_stem_of_control(name.rpartition("/")[2]) is None:
            continue
        try:
            entry = json.loads(data)["files"][0]
            rows = int(entry["rows"])
            data_name = str(entry["file"]).rpartition("/")[2]
        except (ValueError, KeyError, IndexError, TypeError):
            continue  # not this bundle's business to judge: feedlab verify does
        found[f"{name.rpartition('/')[0]}/{data_name}"] = rows
    return found


def _write_zip(path: Path, entries: Iterable[tuple[str, bytes]], at: datetime) -> None:
    stamp = (at.year, at.month, at.day, at.hour, at.minute, at.second)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in entries:
            info = zipfile.ZipInfo(member, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    os.replace(tmp, path)
