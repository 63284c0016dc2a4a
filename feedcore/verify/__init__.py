"""The conformance checker behind ``feedlab verify`` (FS-8).

It holds a feed location to FEED_SPEC, file by file: names and folders (FS-4),
encodings (FS-3), rows (FS-2), control files against their data files (FS-5),
and the delivery protocol (FS-6); with a config, also every value the config
fixes. It is library code so the TUI and tests get the same verdict as the
command line: findings come back as values, nothing is printed.

Modules: :mod:`~feedcore.verify.findings` (the result type),
:mod:`~feedcore.verify.layout` (names and folders), :mod:`~feedcore.verify.rows`
(row contents), :mod:`~feedcore.verify.datafile` (encodings),
:mod:`~feedcore.verify.controlfile` and :mod:`~feedcore.verify.location` (the walk).
"""

from feedcore.verify.controlfile import check_control_file
from feedcore.verify.datafile import DataFileReport, check_data_file
from feedcore.verify.findings import Finding
from feedcore.verify.location import (
    DeliveryReport,
    Location,
    LocationReport,
    check_delivery,
    verify_control,
    verify_location,
    walk_location,
)

__all__ = [
    "DataFileReport",
    "DeliveryReport",
    "Finding",
    "Location",
    "LocationReport",
    "check_control_file",
    "check_data_file",
    "check_delivery",
    "verify_control",
    "verify_location",
    "walk_location",
]
