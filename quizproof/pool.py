"""Bounded work on every core: a pool of warm forked workers, each task under its own time bound.

The parent prepares everything a task needs (the claims read, the
derivations done) and then forks its workers, so each starts warm, with
SymPy imported and every derivation in memory; the parent sends only a task's
index.  A task that runs past its bound is abandoned: its worker is killed
and replaced, and the task's result is the caller's ``on_timeout``.  A worker
that dies without an answer gives ``on_crash``.  With a bound of zero or less
(or no ``fork`` on the platform) the tasks run one by one in this process,
unbounded.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

Task = Callable[[], Any]


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker when its parent dies, even by SIGKILL.

    A worker busy in a task (SymPy summing a series, say) never reads its pipe, so
    without this it would outlive a killed parent and keep a core busy.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipe still ends an idle worker
        return


def _serve(conn: Connection, tasks: Sequence[Task], on_error: Callable[[BaseException], Any]):
    """A worker: run the tasks whose indices arrive, send back (index, result)."""
    _die_with_parent()  # pragma: no cover - runs in the child
    while True:  # pragma: no cover - runs in the child
        try:
            n = conn.recv()
        except (EOFError, OSError):
            return
        if n is None:
            return
        try:
            result = tasks[n]()
        except Exception as err:  # noqa: BLE001 - report any failure, never hang the parent
            result = on_error(err)
        try:
            conn.send((n, result))
        except Exception as err:  # noqa: BLE001 - a result that cannot travel back
            conn.send((n, on_error(err)))


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    task: int | None = None
    deadline: float = 0.0


def workers_for(count: int) -> int:
    """How many workers ``count`` tasks get: one per core, never more than there are tasks."""
    return max(1, min(count, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))  # fmt: skip


def run_bounded(
    tasks: Sequence[Task],
    timeout: float,
    on_timeout: Callable[[int], Any],
    on_crash: Callable[[int], Any],
    on_error: Callable[[BaseException], Any],
    workers: int | None = None,
    on_result: Callable[[int], None] | None = None,
) -> list[Any]:
    """Run every task, each within ``timeout`` seconds, on up to ``workers`` forked workers.

    ``on_result(n)`` is called in this process as task ``n`` finishes (a progress bar).
    """
    done = on_result or (lambda n: None)
    if not tasks:
        return []
    if timeout <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for n, task in enumerate(tasks):
            try:
                out.append(task())
            except Exception as err:  # noqa: BLE001 - the same contract as in a worker
                out.append(on_error(err))
            done(n)
        return out
    mp = multiprocessing.get_context("fork")
    gc.freeze()  # the parent's objects stay out of the children's collections: fewer copied pages
    results: list[Any] = [None] * len(tasks)
    pending = deque(range(len(tasks)))
    pool: list[_Worker] = []

    def spawn() -> _Worker:
        parent, child = mp.Pipe(duplex=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            proc = mp.Process(target=_serve, args=(child, tasks, on_error), daemon=True)
            proc.start()
        child.close()
        return _Worker(proc, parent)

    def retire(w: _Worker) -> None:
        w.conn.close()
        if w.proc.is_alive():
            w.proc.kill()
        w.proc.join()

    try:
        pool = [spawn() for _ in range(workers or workers_for(len(tasks)))]
        while True:
            for k, w in enumerate(pool):
                if w.task is None and pending:
                    n = pending.popleft()
                    try:
                        w.conn.send(n)
                    except (BrokenPipeError, OSError):
                        retire(w)
                        pool[k] = w = spawn()
                        w.conn.send(n)
                    w.task, w.deadline = n, time.monotonic() + timeout
            busy = [w for w in pool if w.task is not None]
            if not busy:
                break
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy], timeout=wait_for))
            now = time.monotonic()
            for w in busy:
                if w.conn in ready:
                    try:
                        n, result = w.conn.recv()
                        results[n] = result
                        w.task = None
                        done(n)
                        continue
                    except (EOFError, OSError):
                        results[w.task] = on_crash(w.task)
                elif now >= w.deadline:
                    results[w.task] = on_timeout(w.task)
                else:
                    continue
                done(w.task)
                retire(w)  # killed or dead: a fresh worker takes its place if work is left
                pool.remove(w)
                if pending:
                    pool.append(spawn())
        return results
    finally:
        for w in pool:  # idle or abandoned: either way done
            retire(w)
        gc.unfreeze()


class _Expired(BaseException):
    """The alarm of :func:`time_bound`: a BaseException, so that no ``except Exception`` in
    the code under the bound (SymPy has many) swallows it."""


#: After the bound, the alarm rings again at this interval until the block ends, should a
#: bare ``except:`` have swallowed one ring.
RING_AGAIN = 0.5


@contextlib.contextmanager
def time_bound(seconds: float, error: Callable[[], Exception]):
    """Raise ``error()`` if the block runs past ``seconds`` (in a main thread; elsewhere no bound).

    For pure-Python work that may not end (SymPy evaluating a divergent series) inside
    a task whose own bound is much longer.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum, frame):
        raise _Expired

    def unraisable(what) -> None:
        # A ring in a finalizer cannot be raised (Python would print it and go on); the
        # next ring follows, so it is dropped here, and nothing else is.
        if not isinstance(what.exc_value, _Expired):
            old_hook(what)

    old_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds, RING_AGAIN)
    try:
        yield
    except _Expired:
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise error() from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        sys.unraisablehook = old_hook
