"""``index.html`` of a demo bundle: one page a client opens offline.

Self-contained: styles inline, no script, no font, no image, no request to any
host; links only to files inside the bundle. Every value that comes from the
config or the data is passed through :func:`html.escape` (a flow name or a
contact's city may hold ``<``, ``&`` or quotes). The page shows the folder tree,
the field dictionary (types and nullability), a sample table, a control file
with its JSON Schema, loader snippets for Snowflake, BigQuery and Postgres, and
the poller that waits for control files.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape

from feedcore import loaders, naming
from feedcore.config import FeedConfig
from feedcore.control_schema import dumps_schema
from feedcore.demo_sample import is_awkward
from feedcore.poller import SCRIPT_NAME

#: Rows the sample table shows at most.
MAX_SAMPLE_ROWS = 30
#: Rows taken from the top of the first data file before picking examples of the rest.
HEAD_ROWS = 12
SCHEMA_NAME = "control.schema.json"

Row = tuple[str | None, ...]

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1d232a; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
code, pre { font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; }
pre { background: #f4f6f8; padding: .8rem; overflow-x: auto; border-radius: 4px; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f4f6f8; }
td.v { white-space: pre-wrap; unicode-bidi: isolate; max-width: 24rem; }
.null { color: #8c959f; font-style: italic; }
.gap { color: #9a6700; }
ul.tree { list-style: none; padding-left: 1.2rem; } ul.tree li { margin: .1rem 0; }
.note { color: #57606a; }
"""


@dataclass(frozen=True)
class Member:
    """A file of the bundle: its path in the zip, bytes, and rows (data files)."""

    name: str
    data: bytes
    rows: int | None = None

    @property
    def base(self) -> str:
        return self.name.rpartition("/")[2]

    @property
    def is_data(self) -> bool:
        return naming.DATA_NAME_RE.fullmatch(self.base) is not None

    @property
    def is_control(self) -> bool:
        return naming.CONTROL_NAME_RE.fullmatch(self.base) is not None


def read_rows(member: Member, fmt: str) -> Iterator[Row]:
    """The records of a data file (nulls as None), read with the standard library."""
    text = member.data.decode("utf-8")
    if fmt == "jsonl":
        for line in text.split("\n"):
            if line:
                obj = json.loads(line)
                yield tuple(None if v is None else str(v) for v in obj.values())
        return
    dialect = "excel-tab" if fmt == "tsv" else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    next(reader, None)  # the header
    for record in reader:
        yield tuple(value if value != "" else None for value in record)


@dataclass(frozen=True)
class Coverage:
    """What the bundle's rows show: variants, operations, and the awkward rows."""

    variants: tuple[str | None, ...]
    operations: tuple[str, ...]
    awkward_rows: int
    rows: int


def sample_rows(config: FeedConfig, members: Sequence[Member]) -> tuple[list[Row], Coverage]:
    """Rows for the sample table (the head, then one per unseen group, an awkward one) and
    what all rows cover."""
    columns = config.columns
    v_at, op_at = columns.index("variant"), columns.index("operation")
    shown: list[Row] = []
    seen_groups: set[tuple[str | None, str | None]] = set()
    variants: dict[str | None, None] = {}
    operations: dict[str, None] = {}
    awkward = total = 0
    have_awkward = False
    for number, member in enumerate(m for m in members if m.is_data):
        for index, row in enumerate(read_rows(member, config.feed.format)):
            total += 1
            group = (row[v_at], row[op_at])
            variants.setdefault(row[v_at], None)
            operations.setdefault(row[op_at] or "", None)
            odd = any(value is not None and is_awkward(value) for value in row)
            awkward += odd
            wanted = (
                (number == 0 and index < HEAD_ROWS)
                or group not in seen_groups
                or (odd and not have_awkward)
            )
            if wanted and len(shown) < MAX_SAMPLE_ROWS:
                shown.append(row)
                seen_groups.add(group)
                have_awkward = have_awkward or odd
    coverage = Coverage(tuple(variants), tuple(operations), awkward, total)
    return shown, coverage


def index_html(
    config: FeedConfig,
    members: Sequence[Member],
    *,
    about: str,
    gaps: Sequence[str] = (),
    extras: Sequence[str] = (),
) -> str:
    """The page; ``members`` are the feed's files, ``extras`` the other files of the bundle."""
    flow = config.flow
    title = f"Data feed sample: {config.client}, flow {flow.id} ({flow.name})"
    rows, coverage = sample_rows(config, members)
    first_data = next((m for m in members if m.is_data), None)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{_md(about)}</p>",
        *_coverage(config, coverage, gaps),
        "<h2>Folders and files</h2>",
        _tree([m.name for m in members], {m.name: m for m in members}),
        *_extras(extras),
        "<h2>Fields</h2>",
        *_dictionary(config),
        "<h2>Sample rows</h2>",
        *_sample(config, rows, coverage),
        "<h2>Control files</h2>",
        *_control(members),
        "<h2>Loading the files</h2>",
        *_loaders(config, first_data),
        "<h2>Waiting for control files</h2>",
        *_poller(config),
        '<p class="note">Generated by feedlab (FEED_SPEC v1; rule ids FS-x.y).</p>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


_CODE_RE = re.compile(r"`([^`]+)`")


def _md(text: str) -> str:
    """Escape, then show `code` spans (the README's notation) as <code>."""
    return _CODE_RE.sub(r"<code>\1</code>", escape(text))


def _coverage(config: FeedConfig, coverage: Coverage, gaps: Sequence[str]) -> list[str]:
    variants = ", ".join(v if v is not None else "none (no variant)" for v in coverage.variants)
    items = [
        f"{coverage.rows} rows",
        f"operations: {', '.join(coverage.operations) or 'none'}",
        f"variants: {variants or 'none'}",
        f"rows with awkward text (quote, comma, tab, line break or emoji): {coverage.awkward_rows}",
    ]
    out = ["<ul>", *(f"<li>{escape(item)}</li>" for item in items)]
    out += [f'<li class="gap">not covered: {escape(gap)}</li>' for gap in gaps]
    out.append("</ul>")
    if config.feed.condition:
        out.append(
            f"<p>Only contacts for which <code>{escape(config.feed.condition)}</code> holds "
            "are exported.</p>"
        )
    return out


def _tree(names: list[str], members: dict[str, Member]) -> str:
    """Nested lists of the folders, each file with its size and rows."""
    root: dict[str, object] = {}
    for name in names:
        node = root
        *folders, leaf = name.split("/")
        for folder in folders:
            child = node.setdefault(folder + "/", {})
            assert isinstance(child, dict)
            node = child
        node[leaf] = members[name]

    def render(node: dict[str, object]) -> str:
        items = []
        for key, value in node.items():
            if isinstance(value, Member):
                facts = f"{len(value.data)} bytes"
                if value.rows is not None:
                    facts += f", {value.rows} rows"
                link = f'<a href="{escape(value.name)}"><code>{escape(key)}</code></a>'
                items.append(f"<li>{link} <span class=note>({facts})</span></li>")
            else:
                assert isinstance(value, dict)
                items.append(f"<li><code>{escape(key)}</code>{render(value)}</li>")
        return '<ul class="tree">' + "".join(items) + "</ul>"

    return render(root)


def _extras(extras: Sequence[str]) -> list[str]:
    about = {
        "README.md": "the same description as text",
        "screenshot.svg": "the feedlab app right after exporting the first batch of these files",
        SCHEMA_NAME: "the JSON Schema of a control file",
        SCRIPT_NAME: "the poller below",
    }
    items = [
        f'<li><a href="{escape(name)}"><code>{escape(name)}</code></a>: '
        f"{escape(about.get(name, ''))}</li>"
        for name in extras
    ]
    return ["<p>Also in this bundle:</p>", '<ul class="tree">', *items, "</ul>"] if items else []


def _dictionary(config: FeedConfig) -> list[str]:
    out = [
        "<table><tr><th>#</th><th>Column</th><th>Type</th><th>Nullable</th>"
        "<th>JSON</th><th>Meaning</th></tr>"
    ]
    for number, f in enumerate(loaders.fields(config), start=1):
        out.append(
            f"<tr><td>{number}</td><td><code>{escape(f.name)}</code></td><td>{f.kind}</td>"
            f"<td>{'yes' if f.nullable else 'no'}</td><td>{f.json_type}</td>"
            f"<td>{_md(f.meaning)}</td></tr>"
        )
    out.append("</table>")
    fmt = config.feed.format
    null = "<code>null</code>" if fmt == "jsonl" else "an empty field"
    out.append(
        f"<p>Every value is text (UTF-8, no BOM); a null is {null}. "
        "<code>timestamp</code> is UTC.</p>"
    )
    out += _rows_per_contact(config)
    return out


def _rows_per_contact(config: FeedConfig) -> list[str]:
    flow = config.flow
    out = ["<p>Rows per contact: one <code>data_feed</code> row, then one per action:</p>", "<ul>"]
    for variant in flow.variants:
        acts = ", ".join(variant.actions) or "no actions"
        out.append(f"<li>variant <code>{escape(variant.name)}</code>: {escape(acts)}</li>")
    if flow.actions or not flow.variants:
        who = "contacts in no variant" if flow.variants else "every contact"
        out.append(f"<li>{who}: {escape(', '.join(flow.actions) or 'no actions')}</li>")
    out.append("</ul>")
    return out


def _cell(value: str | None) -> str:
    return (
        '<td class="v"><span class="null">null</span></td>'
        if value is None
        else (f'<td class="v">{escape(value)}</td>')
    )


def _sample(config: FeedConfig, rows: list[Row], coverage: Coverage) -> list[str]:
    head = "".join(f"<th>{escape(c)}</th>" for c in config.columns)
    body = ["<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows]
    return [
        f"<p>{len(rows)} of the {coverage.rows} rows: the first rows, then one of each "
        "variant and operation, and one with awkward text. Values are shown as they are, "
        "line breaks and tabs included.</p>",
        f'<div style="overflow-x:auto"><table><tr>{head}</tr>',
        *body,
        "</table></div>",
    ]


def _control(members: Sequence[Member]) -> list[str]:
    control = next((m for m in members if m.is_control), None)
    out = [
        "<p>Each data file is followed, once complete, by a control file of the same name "
        "with <code>control_</code> in front and <code>.json</code> for its extension. "
        "A control file therefore means its data file can be loaded.</p>",
    ]
    if control is not None:
        out += [
            f"<p><code>{escape(control.base)}</code>:</p>",
            f"<pre>{escape(control.data.decode('utf-8'))}</pre>",
        ]
    out += [
        f'<p>Its JSON Schema (<a href="{SCHEMA_NAME}"><code>{SCHEMA_NAME}</code></a>; '
        "<code>bytes</code> and <code>sha256</code> appear only when the feed enables "
        "checksums):</p>",
        f"<pre>{escape(dumps_schema())}</pre>",
    ]
    return out


def _loaders(config: FeedConfig, first_data: Member | None) -> list[str]:
    data_file = first_data.name if first_data is not None else None
    out = [
        "<p>Load the file a control file names (the loads below use this bundle's first "
        "data file, so they can be tried on the sample as it is).</p>"
    ]
    for title, text in loaders.snippets(config, data_file).items():
        out += [f"<h3>{escape(title)}</h3>", f"<pre><code>{escape(text)}</code></pre>"]
    return out


def _poller(config: FeedConfig) -> list[str]:
    feed = config.feed
    if feed.target == "s3":
        live = f"python3 {SCRIPT_NAME} --s3          # uses your aws CLI credentials"
    else:
        live = (
            f"python3 {SCRIPT_NAME} --sftp {feed.hostname} --port {feed.port or 22} "
            "--user USER --key KEY --known-hosts KNOWN_HOSTS"
        )
    local = f"python3 {SCRIPT_NAME} --local {feed.hostname} --since YYYY-MM-DD --once"
    return [
        f'<p><a href="{SCRIPT_NAME}"><code>{SCRIPT_NAME}</code></a> (Python 3, standard '
        "library only) lists the feed's date folders for new control files, downloads the "
        "data file each one names to <code>./incoming</code>, checks its row count and "
        "prints <code>ready: FILE (N rows)</code>. It remembers what it handled.</p>",
        f"<pre>{escape(live)}\n# try it on this bundle:\n{escape(local)}</pre>",
    ]
