"""The pool of bounded workers: each task within its bound, no worker outliving its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quizproof.pool import run_bounded, time_bound
from tests.conftest import ROOT


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait long for a reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def test_each_task_gets_its_bound_and_the_others_their_results():
    def slow():
        time.sleep(30)

    out = run_bounded(
        [lambda: 1, slow, lambda: 1 / 0, lambda: 3],
        2.0,
        on_timeout=lambda n: ("timeout", n),
        on_crash=lambda n: ("crash", n),
        on_error=lambda err: type(err).__name__,
    )
    assert out == [1, ("timeout", 1), "ZeroDivisionError", 3]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_busy_worker_dies_with_a_killed_parent(tmp_path):
    """A task that never reads its pipe (SymPy in a series, say) must not keep a core busy."""
    pidfile = tmp_path / "worker.pid"
    script = (
        "import os, sys, time\n"
        "from quizproof.pool import run_bounded\n"
        "def task():\n"
        "    open(sys.argv[1], 'w').write(str(os.getpid()))\n"
        "    while True:\n"
        "        pass\n"
        "run_bounded([task], 600, lambda n: None, lambda n: None, lambda e: None, workers=1)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script, str(pidfile)], cwd=ROOT)
    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = int(pidfile.read_text())
    parent.kill()  # SIGKILL: nothing in the parent can clean up
    parent.wait()
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    survived = _running(worker)
    if survived:
        os.kill(worker, signal.SIGKILL)  # leave no spinning process behind
    assert not survived


def test_time_bound_stops_pure_python_work():
    def spin():
        with time_bound(0.2, lambda: TimeoutError("too long")):
            while True:
                pass

    with pytest.raises(TimeoutError, match="too long"):
        spin()


def test_time_bound_holds_through_code_that_catches_every_exception():
    """SymPy catches ``Exception`` in many places: the alarm must not end in one of them
    (it did, and a divergent series held a test run for 15 minutes)."""

    def spin():
        with time_bound(0.2, lambda: TimeoutError("too long")):
            while True:
                try:
                    while True:
                        pass
                except Exception as swallowed:  # noqa: BLE001 - as the code under the bound may
                    del swallowed

    with pytest.raises(TimeoutError, match="too long"):
        spin()


def test_time_bound_rings_again_after_a_bare_except():
    rings = []

    def spin():
        with time_bound(0.1, lambda: TimeoutError("too long")):
            while True:
                try:
                    while True:
                        pass
                except BaseException as ring:  # swallows the first ring
                    if rings:
                        raise
                    rings.append(ring)

    with pytest.raises(TimeoutError, match="too long"):
        spin()
    assert len(rings) == 1


def test_a_ring_in_a_finalizer_is_not_printed_and_the_bound_holds(capsys):
    """A ring that lands in a ``__del__`` cannot be raised: Python would print "Exception
    ignored in" and go on.  The bound drops that one ring and the next one ends the block."""

    class Slow:
        def __del__(self):
            end = time.monotonic() + 0.3
            while time.monotonic() < end:
                pass

    def spin():
        with time_bound(0.1, lambda: TimeoutError("too long")):
            Slow()  # the first ring lands in its finalizer
            while True:
                pass

    with pytest.raises(TimeoutError, match="too long"):
        spin()
    assert "Exception ignored" not in capsys.readouterr().err
