"""FS-6.1 / FS-6.3 under random sequences of exports, faults, kills, retries and restarts.

A Hypothesis state machine drives one target at a time (the SFTP mock, or the
S3 mock behind a TCP proxy): it exports new batches, injects faults of every
kind, kills an upload half way (a connection that drops on every attempt, after
which the client is abandoned without cleaning up, as a killed process would
be), retries the last failed batch from a new client, and restarts the server.
After every step the target must satisfy the delivery protocol:

* every visible control file passes ``verify_control`` (its data file exists,
  is complete and has the rows the control file states);
* every file under a final name is byte-identical to what its batch writes
  fault-free, so no partial file ever carries a final name, and no file of an
  unknown batch (a duplicate under new names) exists;
* every finished batch is delivered whole, each contact exactly once;
* leftovers (``.partial`` files, incomplete multipart uploads) belong only to
  batches that are not finished yet.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from reliability_support import (
    FaultMatrix,
    S3Target,
    SFTPTarget,
    audit,
    batch_time,
    contacts_in,
    expected_contacts,
    make_events,
    reference_files,
    writer,
)

from feedcore.errors import SinkError
from feedcore.events import Event
from feedcore.naming import PARTIAL_RE
from feedcore.sinks.memory import MemorySink
from feedcore.verify import verify_control
from feedcore.verify.layout import classify
from mock_targets.faults import DenyRename, DropConnection, NoSpace, S3Fail, Stall
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

SETTINGS = settings(
    max_examples=15,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Batch:
    number: int
    events: list[Event]
    at: datetime
    reference: dict[str, bytes]
    done: bool = False


@dataclass
class Totals:
    """What all examples of one machine did, for the fault matrix."""

    steps: int = 0
    batches: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    fired: int = 0
    kills: int = 0
    restarts: int = 0
    retries: int = 0
    final: list[Any] = field(default_factory=list)


class DeliveryMachine(RuleBasedStateMachine):
    """Shared rules; subclasses bind a target and its fault strategies."""

    target: SFTPTarget | S3Target
    totals: Totals

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[Batch] = []
        self.restarts = 0
        self.sink = self.target.sink()

    # -- helpers -------------------------------------------------------------

    def _new_batch(self, enters: int, exits: int) -> Batch:
        number = len(self.batches)
        events = make_events(batch=1000 + number, enters=enters, exits=exits)
        at = batch_time(number)
        batch = Batch(number, events, at, reference_files(self.target.config, events, number, at))
        self.batches.append(batch)
        self.totals.batches += 1
        return batch

    def _export(self, batch: Batch, sink: Any) -> None:
        try:
            writer(self.target.config, sink, seed=batch.number).export(batch.events, at=batch.at)
        except SinkError:
            return
        batch.done = True

    def _record(self, name: str, fault: Any) -> None:
        self.totals.faults[name] += 1
        self.faults.append(fault)

    def teardown(self) -> None:
        """The end state: with faults gone, reruns finish every batch, nothing lost or doubled."""
        self.totals.fired += sum(getattr(f, "fired", 0) for f in self.faults)
        self.target.faults.clear()
        self._heal()
        self.sink.close()
        for batch in self.batches:
            if not batch.done:
                sink = self._patient_sink()
                try:
                    self._export(batch, sink)
                finally:
                    sink.close()
                assert batch.done, f"batch {batch.number} could not be finished by a rerun"
        expected: dict[str, Counter[str]] = {"add": Counter(), "remove": Counter()}
        for batch in self.batches:
            for op, contacts in expected_contacts(batch.events).items():
                expected[op].update(contacts)
        files = self.target.files()
        final = audit(files, self.target.config, expected, self.target.pending_uploads())
        assert final.clean, final
        self.totals.final.append(final)

    @property
    def faults(self) -> list[Any]:
        if not hasattr(self, "_faults"):
            self._faults: list[Any] = []
        return self._faults

    # -- rules ---------------------------------------------------------------

    @rule(enters=st.integers(1, 5), exits=st.integers(0, 2))
    def export_new_batch(self, enters: int, exits: int) -> None:
        self.totals.steps += 1
        self._export(self._new_batch(enters, exits), self.sink)

    @rule(enters=st.integers(4, 6))
    def kill_mid_upload(self, enters: int) -> None:
        """The connection drops on every attempt; the client is then abandoned, not closed."""
        self.totals.steps += 1
        self.totals.kills += 1
        disarm = self._arm_kill()
        try:
            batch = self._new_batch(enters, 0)
            self._export(batch, self.target.sink())  # never closed: a killed process
        finally:
            disarm()
        assert not batch.done

    @precondition(lambda self: any(not b.done for b in self.batches))
    @rule()
    def retry_last_failed_batch(self) -> None:
        """What the batch journal makes a rerun do: same time, same random parts."""
        self.totals.steps += 1
        self.totals.retries += 1
        batch = [b for b in self.batches if not b.done][-1]
        sink = self.target.sink()
        try:
            self._export(batch, sink)
        finally:
            sink.close()

    @precondition(lambda self: self.batches and self.restarts < 2)
    @rule()
    def restart_server(self) -> None:
        """At most twice per example, once there is something to lose."""
        self.totals.steps += 1
        self.totals.restarts += 1
        self.restarts += 1
        self._restart()

    # -- target-specific ---------------------------------------------------------

    def _arm_kill(self) -> Callable[[], None]:
        raise NotImplementedError

    def _restart(self) -> None:
        raise NotImplementedError

    def _heal(self) -> None:
        """Undo faults that live outside the fault plan."""

    def _patient_sink(self) -> Any:
        """A client for the final reruns: no short timeouts (a loaded machine is not a fault)."""
        return self.target.sink()

    # -- invariants ------------------------------------------------------------

    @invariant()
    def protocol_holds(self) -> None:
        files = self.target.files()
        known = {key: (b, data) for b in self.batches for key, data in b.reference.items()}
        unfinished = {b.number for b in self.batches if not b.done}
        view = MemorySink()
        view.objects = {k: v for k, v in files.items() if classify(k) != "partial"}
        for key, data in files.items():
            kind = classify(key)
            if kind == "partial":
                match = PARTIAL_RE.fullmatch(key.rpartition("/")[2])
                assert match is not None
                final = f"{key.rpartition('/')[0]}/{match['name']}"
                assert final in known, f"partial of an unknown file: {key}"
                assert known[final][0].number in unfinished, f"leftover of a finished batch: {key}"
                continue
            assert key in known, f"a file no batch writes (a duplicate?): {key}"
            assert data == known[key][1], f"{key} is not complete under its final name (FS-6.1)"
            if kind == "control":
                assert verify_control(view, key, self.target.config) == []
        for key in self.target.pending_uploads():
            assert known[key][0].number in unfinished, f"multipart upload left for {key}"
        found = contacts_in(view.objects, self.target.config)
        for batch in self.batches:
            if batch.done:
                assert all(key in files for key in batch.reference), "a finished batch lost a file"
            expected = expected_contacts(batch.events)
            for op, contacts in expected.items():
                for contact in contacts:
                    count = found[op][contact]
                    assert count <= 1, f"{contact} delivered {count} times (FS-6.3)"
                    assert count == 1 or not batch.done


# -- SFTP --------------------------------------------------------------------------------


@st.composite
def sftp_faults(draw: st.DrawFn) -> tuple[str, Any]:
    files = draw(st.sampled_from(["data", "control"]))
    times = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["drop", "no-space", "deny-rename", "stall"]))
    at = draw(st.integers(0, 1500))
    if kind == "drop":
        return kind, DropConnection(after_bytes=at, times=times, files=files)
    if kind == "no-space":
        return kind, NoSpace(at_bytes=at, times=times, files=files)
    if kind == "deny-rename":
        return kind, DenyRename(times=times, files=files)
    op = "write" if files == "data" else "open"
    return kind, Stall(op, at_bytes=draw(st.integers(0, 1000)), seconds=30, files=files, times=1)


class SFTPMachine(DeliveryMachine):
    target: SFTPTarget

    @rule(fault=sftp_faults())
    def inject_fault(self, fault: tuple[str, Any]) -> None:
        self.totals.steps += 1
        self._record(fault[0], self.target.faults.add(fault[1]))

    def _arm_kill(self) -> Callable[[], None]:
        mode = self.target.faults.add(DropConnection(after_bytes=512, times=None))
        self._record("kill (drop every attempt)", mode)
        return lambda: self.target.faults.remove(mode)

    def _restart(self) -> None:
        self.target.faults.clear()  # held requests belong to the old server loop
        self.target.restart()

    def _patient_sink(self) -> Any:
        return self.target.sink(timeout=30.0)


# -- S3 ------------------------------------------------------------------------------------

_S3_OPS = ["PutObject", "UploadPart", "CreateMultipartUpload", "CompleteMultipartUpload"]


@st.composite
def s3_faults(draw: st.DrawFn) -> tuple[str, Any]:
    times = draw(st.integers(1, 3))
    if draw(st.integers(0, 4)) == 0:
        return "tcp-reset", ("cut", draw(st.integers(600, 2500)), times)
    op = draw(st.sampled_from(_S3_OPS))
    error = draw(st.sampled_from(["500", "503", "throttling"]))
    files = draw(st.sampled_from(["data", "control"]))
    return f"{op} {error}", S3Fail([op], error, times=times, files=files)


class S3Machine(DeliveryMachine):
    target: S3Target

    @rule(fault=s3_faults())
    def inject_fault(self, fault: tuple[str, Any]) -> None:
        self.totals.steps += 1
        name, spec = fault
        if isinstance(spec, tuple):
            _, after, times = spec
            self.target.proxy.cut_after(after, times=times)
            self.totals.faults[name] += 1
            self.totals.fired += 0  # counted from the proxy at the end
            return
        self._record(name, self.target.faults.add(spec))

    def _arm_kill(self) -> Callable[[], None]:
        self.totals.faults["kill (reset every upload)"] += 1
        self.target.proxy.cut_after(1100, times=10**6)
        return self.target.proxy.heal

    def _restart(self) -> None:
        self.target.server.stop()
        self.target.server.start()

    def _heal(self) -> None:
        self.target.proxy.heal()


# -- the tests -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def stateful_sftp(tmp_path: Path) -> Iterator[SFTPTarget]:
    with MockSFTPServer(root=tmp_path / "root", workdir=tmp_path / "keys") as server:
        target = SFTPTarget(server, fmt="tsv")
        yield target
        target.close()


@pytest.fixture
def stateful_s3() -> Iterator[S3Target]:
    with MockS3Server(port=_free_port()) as server:
        server.create_bucket("feedlab-stateful")
        target = S3Target(server, "feedlab-stateful")
        yield target
        target.close()
        server.reset()


def test_fs6_stateful_sftp_exports_faults_kills_retries_restarts(
    stateful_sftp: SFTPTarget, fault_matrix: FaultMatrix, request: pytest.FixtureRequest
) -> None:
    totals = Totals()

    class Machine(SFTPMachine):
        target = stateful_sftp

        def __init__(self) -> None:
            self.totals = totals
            stateful_sftp.faults.clear()
            stateful_sftp.server.reset()
            super().__init__()

    Machine.target.sink = _with_timeout(stateful_sftp.sink, 1.0)  # type: ignore[method-assign]
    run_state_machine_as_test(Machine, settings=SETTINGS)
    _summarise(fault_matrix, "sftp", totals, stateful_sftp, request.node.name)


def test_fs6_stateful_s3_exports_faults_kills_retries_restarts(
    stateful_s3: S3Target, fault_matrix: FaultMatrix, request: pytest.FixtureRequest
) -> None:
    totals = Totals()

    class Machine(S3Machine):
        target = stateful_s3

        def __init__(self) -> None:
            self.totals = totals
            stateful_s3.faults.clear()
            stateful_s3.proxy.heal()
            stateful_s3.empty()
            super().__init__()

    cuts_before = stateful_s3.proxy.cuts
    run_state_machine_as_test(Machine, settings=SETTINGS)
    totals.fired += stateful_s3.proxy.cuts - cuts_before
    _summarise(fault_matrix, "s3", totals, stateful_s3, request.node.name)


def _with_timeout(make: Callable[..., Any], timeout: float) -> Callable[..., Any]:
    def sink(**overrides: Any) -> Any:
        return make(**{"timeout": timeout, **overrides})

    return sink


def _summarise(
    matrix: FaultMatrix, name: str, totals: Totals, target: SFTPTarget | S3Target, test: str
) -> None:
    assert totals.batches > 0 and sum(totals.faults.values()) > 0
    kinds = ", ".join(f"{kind} x{n}" for kind, n in sorted(totals.faults.items()))
    matrix.record(
        target=name,
        fault=f"random sequences (Hypothesis state machine): {kinds}",
        injected=totals.fired,
        outcome=(
            f"{totals.steps} steps, {totals.batches} batches, {totals.kills} kills, "
            f"{totals.retries} reruns, {totals.restarts} restarts; invariants held after each"
        ),
        audit=_worst(totals.final),
        test=test,
    )


def _worst(audits: list[Any]) -> Any:
    """The end-of-example audits summed (all zero when every invariant held)."""
    from reliability_support import Audit

    total = Audit()
    for a in audits:
        total.lost += a.lost
        total.duplicated += a.duplicated
        total.orphan_controls += a.orphan_controls
        total.partials += a.partials
        total.pending_uploads += a.pending_uploads
    return total
