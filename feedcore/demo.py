"""Client demo bundles (``feedlab demo CONFIG --out FILE.zip``, and F8 in the app).

A bundle is a zip a client can open without feedlab:

* a sample export in its real layout, ``{bucket or hostname}/{path}/YYYY/MM/DD/...``
  (FS-4.3), written by the real :class:`~feedcore.writer.FeedWriter` through a
  :class:`~feedcore.sinks.local.LocalSink`: an "add" batch of simulated contacts
  (FS-7.1) on day one and a "remove" batch of some of them the next day, each data
  file followed by its control file;
* ``README.md``: the folders, file names, columns (with this config's personalized
  content) and the control protocol, for this config;
* ``screenshot.svg``: the feedlab app after exporting the same first batch.

Everything is fixed by the seed and the export time, so a bundle is reproducible
byte for byte. Nothing secret goes in: a feed config holds no credentials
(FS-1.2), and no endpoint, port, password or local path is written. feedcore
imports no front end: the screenshot is drawn by a renderer the caller passes in
(``feedlab demo`` passes the app's, ``tui.screenshot.render``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feedcore import naming, rules
from feedcore.config import FeedConfig
from feedcore.control import FILE_KEYS
from feedcore.errors import FeedError
from feedcore.events import Event
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
    """Write the demo zip to ``out`` (atomically) and say what is in it.

    ``screenshot_svg`` is used as the screenshot when given (the app passes its own
    screen); otherwise ``screenshot``, when given, renders one headless; with
    neither the bundle has no screenshot.
    """
    out_path = Path(out)
    if screenshot_svg is None and screenshot is not None:
        screenshot_svg = render_screenshot(
            screenshot, config, name=name, seed=seed, at=at, contacts=contacts
        )
    work = Path(tempfile.mkdtemp(prefix="feedlab-demo-"))
    try:
        results = export_sample(config, work, seed=seed, at=at, contacts=contacts, exits=exits)
        # By folder (so by day), each data file before its control file.
        files = sorted(
            (p for p in work.rglob("*") if p.is_file()),
            key=lambda p: (p.parent.as_posix(), p.name.startswith("control_"), p.name),
        )
        members = [p.relative_to(work).as_posix() for p in files]
        listing = [
            (member, path.stat().st_size) for member, path in zip(members, files, strict=True)
        ]
        text = readme(config, results, listing, seed=seed, contacts=contacts, exits=exits)
        entries: list[tuple[str, bytes]] = [(README_NAME, text.encode("utf-8"))]
        if screenshot_svg is not None:
            entries.append((SCREENSHOT_NAME, screenshot_svg.encode("utf-8")))
        entries += [
            (member, path.read_bytes()) for member, path in zip(members, files, strict=True)
        ]
        _write_zip(out_path, entries, naming.as_utc(at))
    except OSError as exc:
        raise FeedError(
            f"cannot write the demo bundle {out_path.name}: {exc.strerror or exc}"
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return DemoBundle(out_path, tuple(name for name, _ in entries), tuple(results))


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


# -- the README -------------------------------------------------------------------------

_COLUMN_DOCS = {
    "identifier": "the contact's email address, trimmed",
    "timestamp": "time of export, UTC, `YYYY-MM-DD HH:MM:SS`; the same for every row of a file",
    "segment_name": "name of the segment",
    "flow_name": "name of the flow",
    "action": "`data_feed` for the contact's own row, then one row per flow action",
    "variant": "experiment variant (null when the contact is in no experiment)",
    "operation": "`add` (entered the flow) or `remove` (exited); one operation per file",
}


def readme(
    config: FeedConfig,
    results: list[BatchResult],
    listing: list[tuple[str, int]],
    *,
    seed: int,
    contacts: int,
    exits: int,
) -> str:
    feed, flow = config.feed, config.flow
    location = feed.hostname
    target = "an S3 bucket" if feed.target == "s3" else "an SFTP server"
    ext = feed.format
    root = f"{feed.path}/" if feed.path else ""
    lines = [
        f"# Data feed sample: {config.client}, flow {flow.id} ({flow.name})",
        "",
        f"This bundle shows the files the data feed of flow **{flow.name}** (id {flow.id}, "
        f"segment *{flow.segment}*) delivers to {target}, `{feed.host}`. The sample holds "
        f"{contacts} simulated contacts entering the flow and {exits} of them exiting a day "
        f"later (seed {seed}); real exports have the same layout, names and columns. About "
        "one contact in twenty carries awkward but legal text in its names or city (commas, "
        "quotes, tabs, line breaks, emoji, right-to-left text), so a loader that reads this "
        "sample correctly reads real exports too.",
        "",
        "## Folders",
        "",
        _where(config, root)
        + f" the configured path (`{feed.path or '(none)'}`), then the UTC date of the export."
        f" In this zip the top folder `{location}/` stands for the "
        + ("bucket." if feed.target == "s3" else "SFTP login's root folder.")
        + " Folders are created as needed.",
        "",
        "## File names",
        "",
        f"Data files: `{config.client}_{flow.id}_{{operation}}_{{random}}_{{YmdHMS}}.{ext}` — "
        "`operation` is `add` or `remove`, `random` is 8 hex characters, `YmdHMS` is the "
        "export time (UTC).",
        "",
        "Control files: `control_` + the data file's name, with `.json` for its extension, "
        "in the same folder.",
        "",
        "## Files in this sample",
        "",
        "| File | Rows | Bytes |",
        "|---|---:|---:|",
    ]
    rows = {f.data_key: f.rows for r in results for f in r.files}
    for member, size in listing:
        count = rows.get(member.partition("/")[2])
        lines.append(f"| `{member}` | {'' if count is None else count} | {size} |")
    lines += ["", *_format_section(config), "", *_columns_section(config), "", *_protocol(config)]
    return "\n".join(lines) + "\n"


def _where(config: FeedConfig, root: str) -> str:
    if config.feed.target == "s3":
        return f"Files are written to `{_url_prefix(config)}/{root}YYYY/MM/DD/`:"
    return (
        f"Files are written to `/{root}YYYY/MM/DD/` under the SFTP login's root on "
        f"`{config.feed.host}` (file URLs: `{_url_prefix(config)}/{root}YYYY/MM/DD/...`):"
    )


def _url_prefix(config: FeedConfig) -> str:
    return f"{config.feed.target}://{config.feed.host}"


def _format_section(config: FeedConfig) -> list[str]:
    fmt = config.feed.format
    body = {
        "csv": "CSV (RFC 4180): a header row, `,` between fields, `\\r\\n` line ends; fields "
        'holding `,`, `"` or a line break are quoted with `"` (quotes doubled). A null is an '
        "empty field.",
        "tsv": 'TSV: as CSV with a tab between fields; fields holding a tab, `"` or a line '
        "break are quoted. A null is an empty field.",
        "jsonl": "JSON Lines: one JSON object per line (`\\n`), keys in column order, values "
        "strings or null; no header.",
    }[fmt]
    return ["## Format", "", f"UTF-8 without BOM. {body}"]


def _columns_section(config: FeedConfig) -> list[str]:
    lines = ["## Columns", "", "| # | Column | Meaning |", "|---:|---|---|"]
    for number, column in enumerate(rules.STANDARD_COLUMNS, start=1):
        meaning = _COLUMN_DOCS[column]
        if column == "identifier" and config.feed.hash_identity:
            meaning = (
                "SHA-256 (lowercase hex) of the contact's email address, trimmed and "
                "lowercased; the address itself appears nowhere"
            )
        lines.append(f"| {number} | `{column}` | {meaning} |")
    offset = len(rules.STANDARD_COLUMNS)
    for number, context in enumerate(config.feed.contexts, start=offset + 1):
        template = context.value.replace("|", "\\|")
        lines.append(
            f"| {number} | `{context.name}` | personalized content: `{template}` "
            "(null when the contact has no such value) |"
        )
    flow = config.flow
    lines += ["", "Rows per contact: one `data_feed` row, then one row per action of the flow"]
    if flow.variants:
        lines[-1] += " for the contact's variant:"
        for variant in flow.variants:
            acts = ", ".join(f"`{a}`" for a in variant.actions) or "no actions"
            lines.append(f"- variant `{variant.name}` (weight {variant.weight:g}): {acts}")
        if flow.actions:
            acts = ", ".join(f"`{a}`" for a in flow.actions)
            lines.append(f"- contacts in no variant: {acts}")
    else:
        acts = ", ".join(f"`{a}`" for a in flow.actions) or "none"
        lines[-1] += f": {acts}."
    if config.feed.condition:
        lines += ["", f"Only contacts for which `{config.feed.condition}` holds are exported."]
    return lines


def _protocol(config: FeedConfig) -> list[str]:
    feed = config.feed
    example = {
        "bucket": feed.host,
        "path": feed.path,
        "file_type": feed.format,
        "file": f"{_url_prefix(config)}/{feed.path + '/' if feed.path else ''}YYYY/MM/DD/"
        f"{config.client}_{config.flow.id}_add_0123abcd_YYYYMMDDHHMMSS.{feed.format}",
        "rows": 123,
        "flow_ID": config.flow.id,
        "flow_name": config.flow.name,
    }
    entry = ",\n".join(f'      "{k}": {_json(example[k])}' for k in FILE_KEYS)
    if feed.target == "s3":
        delivery = (
            "Each data file is uploaded in one PUT (or a multipart upload for large files), "
            "so it appears under its name only when complete."
        )
    else:
        delivery = (
            "Each data file is written to a hidden temporary name in the same folder "
            "(`.NAME.partial`) and renamed when complete, so it appears under its name only "
            "when complete; ignore dot-files."
        )
    return [
        "## Control protocol",
        "",
        delivery,
        "",
        "**Only after** the data file is complete is its control file written. A control "
        "file therefore means its data file is complete and can be loaded: poll for "
        "`control_*.json`, read it, then load the file its `file` URL names.",
        "",
        "A control file is one JSON object:",
        "",
        "```json",
        "{",
        '  "delta": true,',
        '  "file_count": 1,',
        '  "files": [',
        "    {",
        entry,
        "    }",
        "  ]",
        "}",
        "```",
        "",
        "`rows` counts data records (not the header). `delta` is always true and "
        "`file_count` always 1 (reserved for future use). An export with no rows for an "
        "operation writes no file at all.",
    ]


def _json(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
