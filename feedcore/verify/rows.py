"""Row contents (FS-2), independent of the encoding the rows came in.

The format parsers (:mod:`feedcore.verify.datafile`) hand every record here as
a tuple of ``str | None`` in column order. The checker keeps only the current
contact group (FS-2.2) and a few constants, so memory stays flat however long
the file is. Problems go to a :class:`~feedcore.verify.findings.Tally`, which
folds repeats; messages name line numbers and never echo an identifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from feedcore import naming, rules
from feedcore.config import FeedConfig
from feedcore.identity import hash_email
from feedcore.naming import DataName
from feedcore.rules import DATA_FEED_ACTION, STANDARD_COLUMNS
from feedcore.verify.findings import Finding, Tally, show

HASHED_ID_RE = re.compile(r"[0-9a-f]{64}")
#: Address-like tokens in free text (generous: a false candidate only costs a hash).
_ADDRESS_RE = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
_TIMESTAMP_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")

Values = tuple[str | None, ...]

# Column positions of FS-2.1.
IDENTIFIER, TIMESTAMP, SEGMENT, FLOW_NAME, ACTION, VARIANT, OPERATION = range(7)


def check_columns(key: str, found: Sequence[str], config: FeedConfig | None) -> list[Finding]:
    """FS-2.1: the configured columns exactly; without a config, the standard ones first
    and then valid, distinct context names."""
    if config is not None:
        expected = list(config.columns)
        if list(found) == expected:
            return []
        return [
            Finding(
                "FS-2.1",
                key,
                f"columns are {_names(found)}, expected {_names(expected)}",
            )
        ]
    if tuple(found[:7]) != STANDARD_COLUMNS:
        return [
            Finding(
                "FS-2.1",
                key,
                f"columns start {_names(found[:7])}, expected {_names(STANDARD_COLUMNS)}",
            )
        ]
    findings: list[Finding] = []
    seen: set[str] = set()
    for name in found[7:]:
        try:
            rules.check_context_name(name)
        except ValueError:
            findings.append(
                Finding("FS-2.1", key, f"column {show(name)} is not a valid context name (FS-1)")
            )
        if name in seen:
            findings.append(Finding("FS-2.1", key, f"column {show(name)} appears twice"))
        seen.add(name)
    return findings


def _names(columns: Sequence[str]) -> str:
    return "[" + ", ".join(show(c) for c in columns) + "]"


@dataclass
class _Group:
    """The contact group being read: one contact's ``data_feed`` row and its action rows."""

    line: int
    #: Its identifier, variant and contexts: every row of the group repeats them (FS-2.2).
    shared: Values
    #: The configured actions after ``data_feed`` (None: no config, or unknown variant).
    expected: tuple[str, ...] | None
    actions: int = 0


class RowChecker:
    """Checks one data file's records against its name and, if given, its config.

    Every file is self-contained: **[decision, feedcore.writer]** a split export
    (``max_rows_per_file``, FS-5.2) never splits one contact's rows over two
    files, so each file starts with a ``data_feed`` row and ends a group.
    """

    def __init__(
        self, name: DataName, tally: Tally, config: FeedConfig | None, columns: Sequence[str]
    ) -> None:
        self.name = name
        self.columns = tuple(columns)
        self.tally = tally
        self.config = config
        self.timestamp = naming.row_timestamp(name.at)
        #: The file's flow name as its first row states it (for the control file).
        self.flow_name: str | None = None
        self._segment: str | None = None
        self._rows = 0
        self._group: _Group | None = None
        self._lost = False
        #: Configured actions by variant (None: no variant); empty without a config.
        self._actions: dict[str | None, tuple[str, ...]] = {}
        if config is not None:
            self._actions[None] = config.flow.actions
            self._actions.update((v.name, v.actions) for v in config.flow.variants)

    def check(self, line: int, row: Values) -> None:
        """One record, in column order (FS-2.1), numbered by the line it starts on."""
        self._identifier(line, row[IDENTIFIER])
        self._leaks(line, row)
        self._constants(line, row)
        self._variant(line, row[VARIANT])
        self._action(line, row)
        self._rows += 1

    def finish(self) -> None:
        """End of file: the last contact group must be complete too."""
        self._close_group()

    def _problem(self, rule: str, kind: str, line: int, message: str) -> None:
        self.tally.add(rule, kind, line, message)

    def _identifier(self, line: int, value: str | None) -> None:
        if not value:
            self._problem("FS-2.5", "id-empty", line, "identifier is empty")
            return
        if self.config is not None and self.config.feed.hash_identity:
            if not HASHED_ID_RE.fullmatch(value):
                self._problem(
                    "FS-2.5",
                    "id-unhashed",
                    line,
                    "identifier is not a SHA-256 of 64 lowercase hex characters, "
                    "but the config hashes identities (value not shown)",
                )
            return
        if value != value.strip():
            self._problem(
                "FS-2.5", "id-untrimmed", line, "identifier has leading or trailing whitespace"
            )
        if self.config is not None and "@" not in value:
            self._problem(
                "FS-2.5",
                "id-not-address",
                line,
                "identifier is not an email address, but the config does not hash identities",
            )

    def _leaks(self, line: int, row: Values) -> None:
        """FS-2.5: in a hashed row, no context may hold the address the identifier hashes.

        The address is unknown, but its hash is the identifier: any address-like
        text in a context whose normalised SHA-256 equals it is the raw address.
        """
        identifier = row[IDENTIFIER]
        if not identifier or not HASHED_ID_RE.fullmatch(identifier):
            return
        for column, value in zip(self.columns[7:], row[7:], strict=False):
            if value is None or "@" not in value:
                continue
            tokens = _ADDRESS_RE.findall(value)
            if any(hash_email(t.rstrip(".!?")) == identifier for t in tokens):
                self._problem(
                    "FS-2.5",
                    f"leak-{column}",
                    line,
                    f"column {show(column)} holds the contact's raw address (its SHA-256 is "
                    "the row's identifier): a hashed feed must not carry it anywhere",
                )

    def _constants(self, line: int, row: Values) -> None:
        stamp = row[TIMESTAMP]
        if stamp != self.timestamp:
            shape = "" if stamp and _TIMESTAMP_RE.fullmatch(stamp) else " (not YYYY-MM-DD HH:MM:SS)"
            self._problem(
                "FS-2.4",
                "timestamp",
                line,
                f"timestamp is {show(stamp)}{shape}, expected {self.timestamp!r}, "
                "the time in the file name",
            )
        operation = row[OPERATION]
        if operation != self.name.operation:
            self._problem(
                "FS-2.3",
                "operation",
                line,
                f"operation is {show(operation)}, expected {self.name.operation!r} "
                "as the file name says",
            )
        segment, flow_name = row[SEGMENT], row[FLOW_NAME]
        if self._rows == 0:
            self.flow_name, self._segment = flow_name, segment
        expected_segment: str | None
        expected_flow: str | None
        if self.config is not None:
            expected_segment, expected_flow = self.config.flow.segment, self.config.flow.name
            what = "the configured"
        else:
            expected_segment, expected_flow = self._segment, self.flow_name
            what = "the first row's"
        for column, value, expected in (
            ("segment_name", segment, expected_segment),
            ("flow_name", flow_name, expected_flow),
        ):
            if not value:
                self._problem("FS-2.1", f"{column}-empty", line, f"{column} is empty")
            elif value != expected:
                self._problem(
                    "FS-2.1",
                    column,
                    line,
                    f"{column} is {show(value)}, expected {what} {show(expected)}",
                )

    def _variant(self, line: int, variant: str | None) -> None:
        if variant is None:
            return
        if variant == "":
            self._problem("FS-2.7", "variant-empty", line, "variant is an empty string, not null")
        elif self.config is not None and variant not in self._actions:
            configured = ", ".join(repr(v.name) for v in self.config.flow.variants) or "none"
            self._problem(
                "FS-2.2",
                "variant-unknown",
                line,
                f"variant {show(variant)} is not configured (configured: {configured})",
            )

    def _expected_actions(self, variant: str | None) -> tuple[str, ...] | None:
        """The actions after ``data_feed`` (None: no config, or an unknown variant)."""
        return self._actions.get(variant)

    def skip(self) -> None:
        """A record that could not be read: the contact group it was in is unknown."""
        self._group = None
        self._lost = True

    def _action(self, line: int, row: Values) -> None:
        action = row[ACTION]
        # What the rows of one contact share; the file's constants are checked apart.
        shared = (row[IDENTIFIER], row[VARIANT], *row[OPERATION + 1 :])
        if action == DATA_FEED_ACTION:
            self._close_group()
            self._lost = False
            self._group = _Group(line, shared, self._expected_actions(row[VARIANT]))
            return
        if not action:
            self._problem("FS-2.2", "action-empty", line, "action is empty")
        group = self._group
        if group is None and self._lost:
            return  # its data_feed row may be the unreadable record: already reported
        if group is None or shared != group.shared:
            self._problem(
                "FS-2.2",
                "action-orphan",
                line,
                f"action {show(action)} does not follow a {DATA_FEED_ACTION!r} row of the "
                "same contact (a contact's rows start with one, then share identifier, "
                "variant and contexts)",
            )
            return
        position = group.actions
        group.actions += 1
        if group.expected is None:
            return
        if position >= len(group.expected) or group.expected[position] != action:
            wanted = (
                repr(group.expected[position]) if position < len(group.expected) else "no more rows"
            )
            self._problem(
                "FS-2.2",
                "action-order",
                line,
                f"action {show(action)} in the contact group starting at line "
                f"{group.line}, expected {wanted} (the configured actions, in order)",
            )

    def _close_group(self) -> None:
        group, self._group = self._group, None
        if group is None or group.expected is None:
            return
        expected = group.expected
        if group.actions < len(expected):
            self._problem(
                "FS-2.2",
                "action-missing",
                group.line,
                f"contact group has {group.actions} of its {len(expected)} configured actions; "
                f"missing {', '.join(map(repr, expected[group.actions :]))}",
            )
