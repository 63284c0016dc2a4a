"""What the numbers mean: the hand-written half of ``docs/performance.md``.

The doc generator fills in the measured numbers and profiles; what a case
measures, what bounds a missed target and what was tried are written here,
from investigation (November 2026, on the 2-core machine of the doc), and kept
true by whoever changes the code they describe. A candidate change is measured
as ``PYTHONPATH=<patched checkout> python -m benchmarks --json``; saved as
``benchmarks/proposals/patched.json`` it is shown beside the current run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    bounds: str
    tried: str
    best: str


METHOD = """\
Each case runs feedlab and its peer alternately (ABBA order, after one
discarded warm-up round where noted) and reports medians. `ratio` is feedlab
over the peer in the case's unit: for rates (rows/s, MiB/s, files/s) higher is
better and the target reads `>= x`; for wall time (s) lower is better and the
target reads `<= x`. Absolute cases (MB, ms) judge the feedlab value. Mock
servers run in a process of their own and every client in a fresh one, so no
two contenders share a GIL. The machine is shared and noisy: only ratios from
one run mean anything; every sample is in `python -m benchmarks --json`, and
`PYTHONPATH=/path/to/patched/checkout python -m benchmarks` measures a patched
feedcore against the same peers."""

WHAT: dict[str, str] = {
    "encode-csv-stdlib": "The writer's generated contact encoder (`Engine.encode_contacts`, "
    "feedcore.engine) over 500k ready-made contact groups (1M rows) against "
    "`csv.writer.writerows` over the same rows as tuples.",
    "encode-tsv-stdlib": "As encode-csv-stdlib, excel-tab dialect.",
    "encode-jsonl-stdlib": "The same encoder against `json.dumps` per row (dicts ready-made).",
    "fused-csv-stdlib": "Informative: the writer's whole raw-line path (the generated `run` "
    "loop of feedcore.engine) from raw JSON lines, one process.",
    "fused-tsv-stdlib": "Informative: as fused-csv-stdlib, TSV.",
    "fused-jsonl-stdlib": "Informative: as fused-csv-stdlib, JSONL.",
    "startup-publish": "`feedlab publish` of a one-event file to a folder (config, journal, "
    "data and control file included) against the stdlib script on the same one-line file, "
    "each a whole process: what every cron-driven small export pays before any work.",
    "startup-validate": "`feedlab validate` of the same config against the same script.",
    "e2e-publish-wall": "`feedlab publish --to-dir` of 500k events against a stdlib script "
    "(`benchmarks/stdlib_publish.py`), both as processes.",
    "e2e-publish-rss": "Peak RSS of that publish run.",
    "e2e-500k-csv-wall": "`feedlab publish --to-dir` of 500k events (10% exits) to the add and "
    "remove CSV files against DuckDB (`read_json` into a table, one `COPY (SELECT ...) TO ... "
    "(HEADER, NEW_LINE '\\r\\n')` per file) and polars (`read_ndjson`, expressions, "
    "`write_csv`), each a whole process (`benchmarks/columnar_publish.py`): feedlab against "
    "the faster peer.",
    "e2e-500k-csv-rss": "Peak RSS of those runs against the smaller peer's.",
    "e2e-500k-jsonl-wall": "As e2e-500k-csv-wall to JSON Lines (DuckDB `FORMAT json`, polars "
    "`write_ndjson`).",
    "e2e-500k-jsonl-rss": "Peak RSS of those runs against the smaller peer's.",
    "e2e-5m-csv-wall": "As e2e-500k-csv-wall with 5M events (a 0.97 GB events file, 1.2 GB of "
    "CSV).",
    "e2e-5m-csv-rss": "Peak RSS of those runs against the smaller peer's.",
    "e2e-5m-jsonl-wall": "As e2e-500k-jsonl-wall with 5M events (2.2 GB of JSON Lines).",
    "e2e-5m-jsonl-rss": "Peak RSS of those runs against the smaller peer's.",
    "s3-100mib-boto3": "`S3Sink.put` of a 100 MiB spooled file to the mock S3 against boto3 "
    "`upload_file` (default client and TransferConfig). Across runs on the doc's date since "
    "the current S3Sink: 0.97-1.12x (1.04-1.11x since 7 rounds per side).",
    "s3-100mib-awscli": "The same put against `aws s3 cp` of the same bytes. Across nine runs "
    "on the doc's date since the current S3Sink this ratio ranged 1.47-1.64x (median 1.55x, "
    "two runs under 1.5x): the target sits inside the machine's run-to-run noise.",
    "s3-small-exports": "1,000 FeedWriter exports of 3 contacts (a data and a control file "
    "each) against boto3 `put_object` of the same 2,000 files from a thread pool.",
    "sftp-100mib-openssh": "`SFTPSink.put` of 100 MiB to the mock SFTP server against OpenSSH "
    "`sftp -b` putting the same bytes.",
    "sftp-small-exports": "1,000 small exports against OpenSSH `sftp -b` putting the same "
    "2,000 files in one session.",
    "rss-5m-vs-100k": "Peak RSS of a 5M-contact export streamed from a generator against a "
    "100k one, each in its own process.",
    "tui-frame-gap": "Largest gap between 60 Hz ticks of the TUI while it exports 1M rows "
    "(`benchmarks/tui_frames.py`, owned by the TUI engineer), at 200x50.",
    "tui-frame-gap-80x24": "The same 1M-row export at 80x24 (the narrow layout: one panel, "
    "the files and their preview).",
    "tui-frame-gap-sftp": "The same 1M-row export at 80x24, to the SFTP mock (asyncssh in the "
    "servers' child process, the app's SFTP sink on its own loop thread).",
    "tui-start-first-frame": "Seconds from process start to the app's first painted frame "
    "(`benchmarks/tui_startup.py`, headless, 80x24) against Textual's minimal app (an `App` "
    "composing one `Static`) started the same way, ABBA in the same run.",
    "tui-start-servers-ready": "Seconds from process start until both mock servers accept "
    "connections (F5 can deliver), against the same minimal app's first frame.",
}

_ENCODE_BOUNDS = (
    "Python bytecode per contact. The encoder is generated per file (feedcore.engine, the "
    "one generator since issue 14; the raw-line loop shares its per-contact block): per "
    "contact one regex search over the identifier and contexts decides whether "
    "anything needs quoting, then one f-string joins the pre-encoded pieces of all its "
    "rows in a single allocation; about 0.23 us per row, against `csv.writer`'s C loop at "
    "about 1 us per row from ready-made tuples. What is left is attribute loads and the "
    "string building itself (see what was tried)."
)

_ENCODE_TRIED = (
    "(1) A `contact_lines` generated per file, like the former fused loop (no helper calls, one "
    "regex search per contact): 1.9x faster. (2) A batch entry point "
    "`FileEncoder.encode_contacts` called by the writer every 1,000 contacts, and a spool "
    "that encodes each batch to UTF-8 at once: about 3.1M rows/s, 3.4x the first encoder. "
    "(3) In the batch loop, the encoded actions looked up only when the contact's actions "
    "tuple is not the previous one (RowBuilder shares one tuple per variant): +6%. "
    "(4) `%`-template formatting per (variant, actions) instead of concatenation: slower "
    "(2.3 vs 3.1M rows/s). (5) One f-string per contact for all its rows, with the "
    "file's constant pieces as closure variables: 3.2 -> 4.2-4.4M rows/s (CSV), 3.3 -> "
    "4.0M (JSONL). (6) A batch encoder built only from C-level iteration "
    "(`map(template.__mod__, zip(...))`, `attrgetter`, quoting checks by `map(regex.search, "
    "...)` and per-contact fix-ups): byte-identical but slower (0.66 s against 0.56 s per "
    "1M rows). (7) Writing to disk in the timed rounds: the shared disk added +-40% noise to "
    "every side, so timed rounds write to /dev/null after a verified round. (1)-(3) and "
    "(5) are in the tree."
)

_COLUMNAR_500K_BOUNDS = (
    "Fixed costs that the peers do not have, on top of a loop that is already at the peers' "
    "speed per core: interpreter start-up and imports (~0.1 s, of which Jinja2 ~20 ms until "
    "feedcore.templating imports it lazily), the SHA-256 of the whole 97 MB events file for "
    "the batch-journal key (~0.06 s, before the export starts: a rerun must be recognised "
    "first), and after the two processes finish, the parent copying the helper's part into "
    "its spool (the second half of the output, serially). Since issue 14 the helper is a "
    "forkserver pool worker instead of a fork: it is ready ~0.3 s after it is started (a new "
    "interpreter importing feedcore; more on a loaded machine), started before the hashing "
    "read, and takes half of what is left when it is ready, so at 500k events it encodes "
    "~40% of the file rather than half. The fused loop itself (parse, "
    "build, encode, spool) runs at ~1M events/s per core (profile: the generated `run` "
    "function 53% own time, msgspec decoding 11%, the quoting regex 6%); DuckDB and polars "
    "spend about the same CPU (1.0-1.4 s) but on threads of one process. At this size "
    "DuckDB or polars wins by 5-10% when the shared machine is loaded and loses by 10-30% "
    "when it is quiet (same-session A/B at load ~1-3: feedlab 0.67 s CSV / 0.94 s JSONL, "
    "DuckDB 0.76 s / 1.12 s, polars 1.33 s JSONL). Across the three runs of the doc's "
    "date: CSV 0.80-1.08, JSONL 0.76-1.10."
)

_COLUMNAR_5M_BOUNDS = (
    "CPU in the fused loop, on the two processes of the split, and the kernel copying the "
    "output into the page cache once (perf, one worker, 5M events: CSV 8.2 s of CPU, 0.7 s "
    "of it in the kernel; JSONL 12.6 s, 3.2 s in the kernel, 19% of samples in the copy of "
    "2.2 GB into the spool file). In user space: the interpreter running the generated "
    "`run` (15-20%), UTF-8 encoding (7-8%), building and joining row text (9-12%), the CSV "
    "quoting regex or JSON escaping (3-6%), msgspec decoding (6-8%). Memory stays flat "
    "(45-55 MB) while both peers hold the whole table (1.3-2.1 GB) and slow down more than "
    "linearly. Across the three runs of the doc's date: CSV 0.84-0.87, JSONL 0.62-1.20 "
    "(the JSONL peers, holding 2 GB, vary most with the machine's load)."
)

_COLUMNAR_TRIED = (
    "In the tree: start-up cut from ~0.25 to ~0.1 s (Start-up); malloc told to keep freed "
    "memory (`feedcore.memory.keep_freed_memory`, since issue 14 also in the split's helper "
    "worker: the export's batch-sized strings no "
    "longer fault their pages in again, 150k page faults and ~0.4 s of kernel time per "
    "500k-event JSONL export gone: 2.1 -> 1.2 s with one worker); the local-folder sink "
    "hard-links the spool file instead of copying it (5M JSONL: CPU 18.8 -> 12.6 s, kernel "
    "time 9.0 -> 3.2 s). Issue 14's one engine (the split as a forkserver "
    "ProcessPoolExecutor worker, safe with threads): a cut fixed before the worker starts, "
    "biased by its expected start (3 and 15 MiB less than half), made two-worker runs "
    "slower than one on the loaded machine (1.9-3.0 s against 1.6-2.0 s at 500k events); "
    "in the tree instead: the cut made when the worker is ready (the rest halved, the "
    "caller's reader stopped there), the worker started before the hashing read and kept "
    "for later exports, the split only from 32 MiB, and the CLI's malloc setting applied in "
    "the worker too (a fresh interpreter inherits none; a forked child had it). Not done: "
    "parts delivered without the serial append (a data file must be one object), the "
    "journal's events fingerprint (a content hash, by design)."
)

_ENGINE_RUN = (
    "Issue 14's engine run (2026-12-02, a different, slower host: AMD EPYC, load average "
    "2-3.5 from other sessions throughout, every side about twice its earlier time): 500k "
    "CSV 1.10, JSONL 1.02; 5M CSV 1.10, JSONL 1.12. Same-session A/B of one 500k CSV publish "
    "with two workers, this tree against main before it (4 alternating rounds, load ~1.5): "
    "main 1.21-1.60 s (median 1.26), this tree 1.20-1.49 s (median 1.41): the forkserver "
    "worker's start (~0.3 s, a fresh interpreter importing feedcore) against a fork's ~0, "
    "paid once per process (a kept worker makes a service's later exports free of it). "
    "After that run the helper worker got the CLI's malloc setting too (a forkserver "
    "worker inherits none); the e2e cases alone then, same host, load 2.2-2.7: 500k CSV "
    "1.08 (1.89 s against DuckDB 1.75 s), 500k JSONL 0.81 (pass), 5M CSV 1.43 (9.0 s "
    "against DuckDB 6.3 s, which ran twice as fast as in the full run), 5M JSONL 0.97 "
    "(pass). The CSV cases remain missed on this host. The full run on the merged main "
    "(same host, idle: load 0.9 at start) passed 500k JSONL 0.94, 5M CSV 0.96 and 5M JSONL "
    "0.93, and missed 500k CSV at 1.18: at about a second in all, the forkserver worker's "
    "start is a quarter of the export, so the split gains less than the fork did (0.87 on "
    "the earlier host); from 5M events on it is amortised."
)

MISSED: dict[str, Finding] = {
    "e2e-500k-csv-wall": Finding(_COLUMNAR_500K_BOUNDS, _COLUMNAR_TRIED, _ENGINE_RUN),
    "e2e-500k-jsonl-wall": Finding(_COLUMNAR_500K_BOUNDS, _COLUMNAR_TRIED, _ENGINE_RUN),
    "e2e-5m-csv-wall": Finding(_COLUMNAR_5M_BOUNDS, _COLUMNAR_TRIED, _ENGINE_RUN),
    "e2e-5m-jsonl-wall": Finding(_COLUMNAR_5M_BOUNDS, _COLUMNAR_TRIED, _ENGINE_RUN),
    "encode-csv-stdlib": Finding(
        _ENCODE_BOUNDS,
        _ENCODE_TRIED,
        "3.02-3.14x before the f-string encoder, 4.12x after it (feedlab 4.2-4.4M rows/s, "
        "csv.writer 1.0-1.1M).",
    ),
    "encode-tsv-stdlib": Finding(
        _ENCODE_BOUNDS, _ENCODE_TRIED, "3.03-3.27x before the f-string encoder, 4.12x after it."
    ),
    "encode-jsonl-stdlib": Finding(
        _ENCODE_BOUNDS.replace("regex search", "`json` escape call").replace(
            "`csv.writer`'s C loop at about 1 us per row from ready-made tuples",
            "`json.dumps` walking a dict per row at about 2.5 us",
        ),
        _ENCODE_TRIED,
        "7.6-7.9x before the f-string encoder, 9.8x after it.",
    ),
    "e2e-publish-wall": Finding(
        "CPU: about 1.2 s against the script's 2.5 s, near the 0.5 line in one process, so "
        "the verdict rests on the two-process split of large files: it helps only when the "
        "shared machine lets the second core work. The parts: interpreter start-up and "
        "imports (~0.1 s since issue 14, ~0.23 s before: see Start-up); SHA-256 of the "
        "whole events file for the batch-journal key (60-130 ms for 97 MB); the fused loop "
        "(~0.9 s for 500k lines).",
        "Decoding only the attributes the contexts read (a per-config msgspec struct), "
        "encoding spool text in 1,000-contact pieces, `itertools.chain` instead of a "
        "generator for the BOM check (1.50 -> 1.18 s against the script's 2.71 s), then the "
        "two-process split.",
        "0.31-0.51 across full runs.",
    ),
    "s3-100mib-boto3": Finding(
        "The mock server: moto stores every part, MD5s it, and on completion reads the parts "
        "back twice to assemble the object and its composite checksum (0.19 s of the 0.5 s, "
        "the same for every client). What is left to a client is how cheaply it feeds the "
        "parts, on a machine where its CPU competes with the server's.",
        "In the tree: CRC32 declared on the upload (moto otherwise computes a CRC64NVME over "
        "the whole object: server CPU 0.7-1.0 s -> 0.5 s); parts streamed from the spool file "
        "(s3transfer's ReadFileChunk, as upload_file does) instead of read into memory "
        "(parts phase 0.33 -> 0.30 s, and 64 MiB less memory); the listing of uploads left by "
        "killed runs made beside the parts instead of before them (one round trip); request "
        "bodies to a loopback endpoint not SHA-256 signed (docs/decisions.md): 0.30 -> 0.28 s. "
        "The mock now remembers which moto backend serves a host (moto listed and stat'ed its "
        "~180 service folders under one lock on every request). Tried without gain: "
        "max_concurrency 4, 6 and 10; 13 and 16 MiB parts; keeping objects in memory on the "
        "server; each part's CRC32 computed from an mmap of the spool file and passed in, "
        "so botocore skips its own read of the part (0.470 s against 0.475 s).",
        "0.97-1.12x in full runs since those changes (1.04-1.06x with 7 rounds); "
        "isolated A/B runs of 8-12 rounds: 1.06-1.09x (0.475-0.489 s against 0.511-0.520 s).",
    ),
    "s3-100mib-awscli": Finding(
        "The same server-side bound as s3-100mib-boto3. `aws s3 cp` runs the same s3transfer "
        "engine as boto3 and its whole process costs that transfer plus about 0.25 s of "
        "interpreter start-up and set-up, so the ratio is (transfer + 0.25 s) / transfer: "
        "1.5x needs feedlab's transfer at or under 0.5 s, which is where the server puts "
        "it (0.28 s of parts, then 0.19 s of moto assembling the object, the same for every "
        "client).",
        "As for s3-100mib-boto3; besides, 4, 6 and 10 parts in flight (no change: the "
        "server is the bound) and no 100-continue on large parts (no change).",
        "1.47-1.64x across nine runs since those changes (median 1.55x).",
    ),
    "s3-small-exports": Finding(
        "Both sides saturate the two cores (client + moto CPU ~ 2 x wall), and both make the "
        "same two requests per export through the same botocore: werkzeug closes every "
        "connection after one request, so each request also pays a TCP connect on both "
        "sides. What separates them is the round trip botocore spends on `Expect: "
        "100-continue` before each body, which S3Sink skips for bodies under 2 MiB.",
        "In the tree: no HEAD of the control file when the batch's names were just drawn from "
        "the CSPRNG (nothing can exist under them; seeded and journal-resumed batches still "
        "check); small data files kept in memory (no spool folder at all): local cost per "
        "export 0.74 -> 0.10 ms; the mock's per-request host lookup cached (server CPU per "
        "1,000 exports 4.3 -> 2.3 s, for both sides); no 100-continue round trip for small "
        "bodies (server CPU 2.4 -> 2.05 s). Tried without gain: botocore's parameter "
        "validation off (-5% client CPU, within the noise).",
        "0.91-1.08x before the 100-continue change, 1.30x after it. 0.98-1.14x in the "
        "issue-14 runs at load average 3.5-6.8 (not touched by issue 14: small exports "
        "keep their files in memory, so the local-folder link does not apply).",
    ),
    "sftp-100mib-openssh": Finding(
        "The mock server's memory traffic: writes of 128 KiB and more make the Python "
        "server's buffers leave the heap for fresh mmap'd pages, and on this VM it then "
        "spends 0.15-0.19 s of kernel time per 100 MiB on page faults (56-77k minor "
        "faults per upload, against about 10k with 64 KiB writes); the same write size "
        "flips between fast and slow runs as the server's heap state changes.",
        "Transfer time (connect excluded): 256 KiB x 64: 0.69 s; 128 KiB x 64: 0.16-0.36 s "
        "(bimodal); 96 KiB x 85: 0.22-0.26 s; 64 KiB x 64: 0.16-0.21 s; 64 KiB x 128: "
        "0.16-0.22 s; 32 KiB x 256: 0.25-0.28 s. 64 KiB x 128 is in the tree, with the "
        "window kept by a semaphore (client CPU 0.18 -> 0.17 s).",
        "1.54-1.81x in full runs since then (whole-process ratio, feedlab's start-up "
        "included: 0.93-1.05x).",
    ),
    "sftp-small-exports": Finding(
        "Round trips, each costing Python CPU in asyncssh at both ends: the mock server's own "
        "CPU (2.2-3.1 s per 1,000 exports) bounds both sides, and FS-6.2's partial + rename "
        "costs feedlab one request per file that the peer (writing final names directly) "
        "does not make.",
        "In the tree: no control-file check for fresh names; no stat before a write-once "
        "upload (the plain SFTP rename already refuses to replace a file, and a refused "
        "rename is settled by comparing bytes); in-memory spooling: client CPU 4.7 -> 2.1 s. "
        "Dropping the post-upload size stat: no measurable gain, so not done.",
        "1.07-1.16x since those changes. 0.70-0.91x in the issue-14 runs at load average "
        "3.5-4.8; in alternating runs at that load the tree before issue 14 measured "
        "0.79-0.84x and this one 0.70-0.86x (feedlab 395-407 against 385-438 files/s): "
        "the server's CPU under load, not a regression.",
    ),
    "tui-frame-gap": Finding(
        "The app's own main-thread work when the export ends: the preview table's first "
        "paint (28 lines of 10 cells at 200x50) and a layout of the screen, 55-76 ms of CPU "
        "in one frame on a loaded host. The export itself (simulate, encode, upload on a "
        "worker thread) shares the GIL with the UI but hands it back every millisecond "
        "(`sys.setswitchinterval(0.001)` while the app runs).",
        "(1) The mock servers moved to a child process: moto completing the multipart upload "
        "held the GIL for 0.2-0.5 s (sampled stacks: `FakeMultipart.complete`). (2) The "
        "preview fills rows on demand and the footer updates in place: main-thread CPU after "
        "F5 0.7-1.3 s -> 0.18-0.34 s. (3) The benchmark waits for the servers before F5.",
        "200x50: 67-84 ms in the run of these figures (from 101-139 ms, and 150-470 ms on "
        "this host before the servers moved).",
    ),
    "tui-frame-gap-80x24": Finding(
        "As tui-frame-gap: the preview's first paint and a layout when the export ends.",
        "As tui-frame-gap.",
        "39-52 ms in the run of these figures (from 112-137 ms).",
    ),
    "tui-frame-gap-sftp": Finding(
        "As tui-frame-gap; the SFTP client's loop thread also takes turns at the GIL.",
        "As tui-frame-gap (asyncssh's server now runs in the servers' child process).",
        "53-56 ms at 80x24 in the run of these figures (from 120-139 ms).",
    ),
}

_STARTUP = """\
Measured with `python -X importtime` (median of 11 runs, load average ~3, so
absolute times are inflated; the ratios above are from the same harness for
both sides). Before: `main` as of issue 14; after: this tree. Top-level rows are
what the command imports directly, the indented ones part of them.

| `feedlab validate CONFIG` | before | after |
|---|---:|---:|
| all imports | 170 ms | 69 ms |
| `feedcore.config` (the config model) | 108-143 ms | 33-36 ms |
| - pydantic, and building the model's validators | 18 + ~70 ms | - |
| - `feedcore.templating` (Jinja2) | 18 ms | 21 ms |
| - msgspec (the frozen config structs; publish needs it anyway) | (elsewhere) | 8 ms |
| every other command's module (writer, verifier, simulator, demo) | 34 ms | - |
| - asyncio (imported by the writer for `export_async`) | 14 ms | - |
| `feedlab.cli` (logging, argparse, the error tree) | 17 ms | 17 ms |
| `site` (the venv; the stdlib peer pays the same) | 12 ms | 12 ms |

| one-event `feedlab publish --to-dir` | before | after |
|---|---:|---:|
| all imports | 169 ms | 82 ms |
| `feedcore.config` | 108 ms | 33 ms |
| the writer path (`feedcore.journal`, `feedcore.writer`, events, sinks) | 24 ms | 10 ms |
| - asyncio, multiprocessing | 15 ms | - |
| other commands' modules | 11 ms | - |

Whole-process wall time in the same harness (21 alternating rounds each):
publish 8.6x and validate 8.1x the stdlib script before, 4.3-5.2x and 3.4-3.9x
after across the day's runs (the spread is the shared machine's load; validate
now also lints the config, ~5 ms, which reads plain lookups without Jinja2).
What changed: the config model is frozen msgspec structs checked by
`feedcore.schema` (no pydantic; the same messages, pinned by
tests/unit/test_config*.py), the command line imports only the named command's
module, the writer imports asyncio, and `feedcore.parallel` concurrent.futures
and multiprocessing, only when used, and `dumps_config` imports tomli_w only when it writes.
tests/unit/test_startup_imports.py pins what validate and a one-event publish
load. Jinja2 (~20 ms) is the largest import left: feedcore.templating loads it
for every config, while a config of constants and plain `{{ contact.NAME }}`
lookups does not need it (its owner is making that import lazy; the pinning test
then also requires its absence).

Beyond imports the one-event publish does ~10-14 ms of work (cProfile): three
batch-journal saves with their fsyncs (~4 ms, the crash-safety guarantee, kept),
the config's template checks (~2 ms, Jinja2's lexer), building the argument
parser (~2 ms), generating the engine (~1 ms, feedcore.engine), writing the data
and control files. The two-process split is probed from the file's size and
starts no process below 32 MiB; nothing else there is specific to large inputs.\
"""

#: Sections of their own after the cases: title -> text.
NOTES: dict[str, str] = {
    "Two runs behind the table": "The `tui-*` rows are from `python -m benchmarks --cases "
    "tui` at 07:18Z on the same day and machine (load average 2.2), after the last change "
    "to the app; every other row is from the full run above. Nothing in `feedcore/` or `feedlab/` "
    "changed between them. Runs: tui-frame-gap 67.4, "
    "71.8, 84.1 ms; tui-frame-gap-80x24 51.5, 38.7, 44.4 ms; tui-frame-gap-sftp 56.2, "
    "54.7, 53.1 ms. The e2e and small-export rows that miss ran on code this session did "
    "not touch (the 5M CSV case passed at 0.96 in the issue-14 run).",
    "Start-up": _STARTUP,
    "What bounds the 5M-event throughput": "Profile of feedlab's side of "
    "`e2e-5m-*-wall` (perf record of a 5M-event publish with one worker, the split off "
    "so that every sample is in one process): "
    + _COLUMNAR_5M_BOUNDS
    + " The cProfile of the same path at 500k events (the generated `run` 53% own time, "
    "msgspec decoding 11%, the quoting regex 6%, the journal's SHA-256 3%) is in the "
    "missed 500k sections when they miss.",
}

CHANGES = """\
What made the current numbers, measured as same-session A/B runs on the doc's
date (each is in the tree, covered by the Hypothesis round-trip and golden
tests, which compare every byte):

1. **encoders.py** - `FileEncoder.contact_lines` and a batch entry point
   `encode_contacts(contacts)` generated per file (as fastpath does),
   compiled once per (format, context count), one f-string per contact:
   encoding 0.9M -> 4.2M rows/s (csv/tsv) and 0.8M -> 4.0M (jsonl).
2. **writer.py** - the general path encodes contacts 1,000 at a time; the
   spool encodes text to UTF-8 as it is added, 1,000 contacts at a time, so
   no megabyte string is ever built (fused path 0.77M -> 1.10M rows/s); a data
   file under 1 MiB stays in memory (8 MiB budget per export; never in the
   two-process helper, whose parts are files) and the spool folder is made
   only when a file outgrows that; `BatchNames.fresh` (CSPRNG names drawn by
   this batch) skips the control-file existence check, which stays for seeded
   and resumed batches. Local cost of a small export 0.74 -> 0.10 ms.
3. **sinks/sftp.py** - 64 KiB writes, 128 in flight (8 MiB, the mock's
   window), kept by a semaphore instead of `asyncio.wait` over the whole
   window after each write; no stat before a write-once upload: SFTP 100 MiB
   transfer 0.69 -> 0.16-0.21 s; small exports client CPU 4.7 -> 1.5 s.
4. **sinks/s3.py** - CRC32 declared on multipart uploads; parts streamed from
   the spool file; the leftover-upload listing beside the parts; unsigned
   bodies on loopback endpoints: 100 MiB 0.53 -> 0.48 s. No `Expect:
   100-continue` round trip for bodies under 2 MiB (docs/decisions.md): small
   exports 611 -> 794 files/s against boto3's 611 in one A/B run.
5. **events.py** - the BOM check returns `itertools.chain` instead of a
   generator that every line passed through.
6. **mock_targets/s3.py** - the host -> moto backend lookup cached: server CPU
   per request roughly halved, for every client alike.
7. **benchmarks/workers.py** - a harness fix: feedlab's sink module (boto3,
   asyncssh) was imported inside its timing while the peers' imports were
   not, which cost feedlab ~0.1 s per 100 MiB case (about 0.2 of the ratio).

Issue 14 (start-up and the end-to-end cases against DuckDB and polars):

8. **config.py / schema.py** - the config model without pydantic (see
   Start-up): `import feedcore.config` ~110-140 -> ~35 ms.
9. **feedlab/cli** - only the named command's module is imported; the writer
   and `parallel` import asyncio and multiprocessing on use: one-event publish
   8.6x -> 4.3-5.1x the stdlib script, validate 8.1x -> 3.4-3.7x.
10. **feedlab/cli/common.py** - `keep_freed_memory` (glibc `mallopt`) for the
    exporting commands: 500k-event JSONL 2.1 -> 1.2 s with one worker, page
    faults 168k -> 34k, peak RSS unchanged.
11. **sinks/local.py** - spool files are hard-linked into the folder instead
    of copied (the writer's spool payloads say they may be): 5M-event JSONL CPU
    18.8 -> 12.6 s.
12. **fastpath.py** - the fused JSONL loop inlines each value's JSON instead
    of calling `FileEncoder.field` per value (11% of the 5M JSONL profile):
    500k JSONL CPU 1.20 -> 1.13 s with one worker.

Issue 14, one encoding engine:

13. **encoders.py / engine.py / encode.py / parallel.py** - five encoders
    (`encode_rows`, `FileEncoder._pieces`, two generators in encoders.py, the
    fused loop of fastpath.py) became one reference (encoders.py, the tests'
    oracle) and one generator (engine.py, its source in `linecache`); the
    writer chooses its path by what the events offer, not their type; the
    split is a forkserver pool worker cut when ready (see the 500k cases).
    Encode cases unchanged within noise (the same generated block); the
    end-to-end wall of a two-process run pays the worker's ~0.3 s start
    where the fork paid ~0.

Issue 12, the app's frame gap during a 1M-row export:

14. **mock_targets/process.py** - the app's mock servers run in a child
    process, their reports over a pipe: moto's multipart completion (one C
    call joining every part) had held the app's GIL for 0.2-0.5 s at the end
    of the export. Launched on mount, so servers-ready improved too.
15. **tui/widgets/preview.py, footer.py, target_tree.py** - after F5 the
    preview table gets 60 rows, and more as the view nears them (each
    `add_row` invalidated the whole table's render: a dozen repaints after
    F5); the footer updates only the keys that changed (it recomposed three
    times); folders already open are not expanded again. Main-thread CPU
    after an export 0.7-1.3 s -> 0.18-0.34 s.
16. **tui/widgets/workbench.py, screens/main.py** - F5 from the form (narrow
    layout) switches to Files when the export starts, and the export's worker
    starts three frames after F5: a computing worker halves the UI's share of
    the GIL, and the panel's layout had stretched to 85-128 ms. 80x24: largest
    gap 36-69 ms in four runs after it."""
