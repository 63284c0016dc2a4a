"""LoopThread: the one "asyncio loop on a private daemon thread" the sinks and mocks share."""

from __future__ import annotations

import asyncio
import gc
import threading
import time

import pytest

from feedcore.loopthread import LoopThread


async def _thread_name() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def _wait_until_dead(thread: threading.Thread, timeout: float = 5.0) -> None:
    thread.join(timeout)
    assert not thread.is_alive()


def test_starts_lazily_on_a_named_daemon_thread_and_stops() -> None:
    runner = LoopThread("test-loop")
    assert not runner.running
    assert runner.run(_thread_name(), timeout=5) == "test-loop"
    assert runner.running
    thread = runner._thread
    assert thread is not None and thread.daemon
    loop = runner._loop
    assert runner.stop(5) is True
    assert not runner.running and not thread.is_alive()
    assert loop is not None and loop.is_closed()
    assert runner.stop(5) is False  # idempotent


def test_restarts_after_stop_with_a_fresh_loop() -> None:
    runner = LoopThread("test-restart")
    first = runner.start()
    assert runner.start() is first  # idempotent while running
    runner.stop(5)
    second = runner.start()
    try:
        assert second is not first and not second.is_closed()
        assert runner.run(_thread_name(), timeout=5) == "test-restart"
    finally:
        runner.stop(5)


def test_submit_returns_a_future_and_errors_propagate() -> None:
    runner = LoopThread("test-submit")

    async def boom() -> None:
        raise ValueError("boom")

    try:
        assert runner.submit(_thread_name()).result(5) == "test-submit"
        with pytest.raises(ValueError, match="boom"):
            runner.run(boom(), timeout=5)
    finally:
        runner.stop(5)


def test_run_from_the_loop_thread_refuses_instead_of_deadlocking() -> None:
    runner = LoopThread("test-inside")

    async def nested() -> str:
        assert runner.in_loop_thread()
        try:
            runner.run(_thread_name())
        except RuntimeError as exc:
            return str(exc)
        return "no error"

    try:
        assert not runner.in_loop_thread()
        assert "would block its own loop thread" in runner.run(nested(), timeout=5)
    finally:
        runner.stop(5)


def test_stop_runs_shutdown_on_the_loop_first() -> None:
    runner = LoopThread("test-shutdown")
    seen: list[str] = []

    async def shutdown() -> None:
        seen.append(threading.current_thread().name)
        assert runner.in_loop_thread()  # still "running" while it shuts down

    runner.start()
    assert runner.stop(5, shutdown=shutdown, shutdown_timeout=5)
    assert seen == ["test-shutdown"]


def test_a_failing_or_slow_shutdown_propagates_after_the_loop_is_stopped() -> None:
    runner = LoopThread("test-shutdown-fails")

    async def fails() -> None:
        raise OSError("cannot")

    async def hangs() -> None:
        await asyncio.sleep(60)

    runner.start()
    thread = runner._thread
    with pytest.raises(OSError, match="cannot"):
        runner.stop(5, shutdown=fails)
    assert not runner.running and thread is not None and not thread.is_alive()
    runner.start()
    thread = runner._thread
    with pytest.raises(TimeoutError):
        runner.stop(5, shutdown=hangs, shutdown_timeout=0.1)
    assert not runner.running and thread is not None and not thread.is_alive()


def test_stop_from_the_loop_thread_does_not_block() -> None:
    runner = LoopThread("test-self-stop")
    seen: list[str] = []

    async def shutdown() -> None:
        seen.append("shutdown")

    async def stop_myself() -> bool:
        return runner.stop(5, shutdown=shutdown, shutdown_timeout=5)

    loop = runner.start()
    thread = runner._thread
    assert thread is not None
    assert runner.submit(stop_myself()).result(5) is True
    _wait_until_dead(thread)
    assert seen == ["shutdown"] and loop.is_closed() and not runner.running


def test_start_with_returns_setup_result_or_stops_and_raises() -> None:
    runner = LoopThread("test-start-with")

    async def setup() -> int:
        return 42

    async def refuse() -> int:
        raise OSError("address in use")

    assert runner.start_with(setup, timeout=5) == 42
    with pytest.raises(RuntimeError, match="stopped loop thread"):
        runner.start_with(setup, timeout=5)
    runner.stop(5)
    with pytest.raises(OSError, match="address in use"):
        runner.start_with(refuse, timeout=5)
    assert not runner.running
    assert not any(t.name == "test-start-with" and t.is_alive() for t in threading.enumerate())


def test_a_dropped_loop_thread_stops_its_thread() -> None:
    runner = LoopThread("test-dropped")
    loop = runner.start()
    thread = runner._thread
    assert thread is not None
    del runner
    gc.collect()
    _wait_until_dead(thread)
    deadline = time.monotonic() + 5
    while not loop.is_closed() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert loop.is_closed()
