"""Does a delivered control file tell the truth about its data file? (FS-5, FS-6.1)

The preview shows what ``feedlab verify`` says about the delivery, line by line:
:func:`feedcore.verify.check_delivery` checks the control file against the data
file it announces (and, when the form holds a valid config, against every value
the config fixes). There is no second set of rules here: the app reads the files
through the same sinks and shows the checker's findings.
"""

from __future__ import annotations

from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from feedcore.verify import check_delivery
from tui.services.preview import Check
from tui.services.targets import FileRef, MockTargets


def check_control(targets: MockTargets, ref: FileRef, config: FeedConfig | None) -> list[Check]:
    """The checker's verdict on the delivery ``ref`` (a control file) belongs to."""
    try:
        report = check_delivery(targets.location(ref), ref.key, config)
    except (FeedError, OSError, ValueError) as exc:
        return [Check(False, f"feedlab verify could not run: {exc}", "FS-8")]
    if report.findings:
        return [
            Check(
                False,
                f.message if f.key == ref.key else f"{f.key.rpartition('/')[2]}: {f.message}",
                f.rule,
            )
            for f in report.findings
        ]
    checks = []
    if report.data_key is not None and report.rows is not None:
        name = report.data_key.rpartition("/")[2]
        text = f"data file {name}: {report.rows:,} records, as the control file says"
        checks.append(Check(True, text, "FS-5.1"))
    against = "the config" if config is not None else "the spec (no valid config to compare)"
    return [*checks, Check(True, f"feedlab verify: conformant to {against}", "FS-8")]
