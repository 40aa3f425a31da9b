"""Heavy work off the event loop, bounded: :class:`WorkerPool` (forked processes, a queue limit
and a time budget; see the package docstring)."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..._results import fmt_sig
from ...errors import EquipoiseError
from .settings import QUEUE, TIME_BUDGET, WORKERS
from .status import OverBudget, ServerBusy, _Remote, status_for

__all__ = ["WorkerPool"]

log = logging.getLogger("equipoise.web")


def _can_fork() -> bool:
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


class WorkerPool:
    """Heavy work off the event loop, bounded.

    At most ``workers`` jobs run at once, each in a forked process (so CPU-bound Python does not
    hold the server's GIL, and a job over the time budget is killed); at most ``queue`` more wait
    for a worker. A request beyond that is refused at once with :class:`ServerBusy` (503 with
    ``Retry-After``); a job waits at most ``budget`` seconds for a worker (then 503 too) and runs
    at most ``budget`` seconds (then its process is killed and the request answered 503,
    :class:`OverBudget`). Results are memoised per ``key`` (the last ``memo`` keys).

    Where ``fork`` is not available (Windows) or with ``processes=False`` jobs run in the waiting
    thread: bounded in number, but a job over the budget cannot be stopped (its request still
    gets its 503, the worker slot stays taken until the job ends).
    """

    def __init__(self, workers: int = WORKERS, queue: int = QUEUE, budget: float = TIME_BUDGET,
                 *, processes: bool | None = None, after_fork: Callable[[], None] | None = None,
                 memo: int = 64):
        self.workers = max(1, int(workers))
        self.queue = max(0, int(queue))
        self.budget = float(budget)
        self.processes = _can_fork() if processes is None else bool(processes)
        self._after_fork = after_fork
        self._slots = threading.BoundedSemaphore(self.workers)
        self._lock = threading.Lock()
        self._pending = 0
        self._memo: OrderedDict[tuple, Any] = OrderedDict()
        self._memo_size = memo
        self.counts = {"run": 0, "busy": 0, "over_budget": 0}

    @property
    def pending(self) -> int:
        """Jobs running or waiting."""
        return self._pending

    async def run(self, fn: Callable[..., Any], *args, key: tuple | None = None, **kwargs) -> Any:
        """``fn(*args, **kwargs)`` in a worker; its errors are raised here."""
        import anyio.to_thread

        if key is not None:
            with self._lock:
                if key in self._memo:
                    self._memo.move_to_end(key)
                    return self._memo[key]
        with self._lock:
            if self._pending >= self.workers + self.queue:
                self.counts["busy"] += 1
                raise ServerBusy(f"the dashboard is busy: {self._pending} heavy requests are "
                                 f"running or waiting (at most {self.workers} run at once and "
                                 f"{self.queue} wait); try again in a few seconds")
            self._pending += 1
        try:
            value = await anyio.to_thread.run_sync(self._run, fn, args, kwargs)
        finally:
            with self._lock:
                self._pending -= 1
        if key is not None:
            with self._lock:
                self._memo[key] = value
                while len(self._memo) > self._memo_size:
                    self._memo.popitem(last=False)
        return value

    def _run(self, fn, args, kwargs):
        if not self._slots.acquire(timeout=self.budget):
            self.counts["busy"] += 1
            raise ServerBusy(f"the dashboard is busy: no worker came free within "
                             f"{fmt_sig(self.budget, 6, thousands=False)} s; try again later")
        self.counts["run"] += 1
        if not self.processes:
            return self._in_thread(fn, args, kwargs)
        try:
            return self._in_child(fn, args, kwargs)
        finally:
            self._slots.release()

    def _over_budget(self, extra: str = "") -> OverBudget:
        self.counts["over_budget"] += 1
        return OverBudget(f"the request took longer than the time budget of {fmt_sig(self.budget, 6, thousands=False)} s "
                          f"and was stopped{extra}; ask for less (a smaller file, fewer changes "
                          "or runs)")

    def _in_thread(self, fn, args, kwargs):
        """Run in a thread of its own; the slot is freed when the job ends, which may be after
        its request was answered 503 (a thread cannot be stopped)."""
        box: dict[str, Any] = {}

        def job():
            try:
                box["value"] = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the waiting request
                box["error"] = exc
            finally:
                self._slots.release()

        th = threading.Thread(target=job, daemon=True, name="equipoise-job")
        th.start()
        th.join(self.budget)
        if th.is_alive():
            raise self._over_budget(" (it still runs to its end in the background)")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _in_child(self, fn, args, kwargs):
        import multiprocessing as mp

        mpc = mp.get_context("fork")
        recv, send = mpc.Pipe(duplex=False)
        proc = mpc.Process(target=_child_main, args=(send, fn, args, kwargs, self._after_fork),
                           daemon=True, name="equipoise-worker")
        proc.start()
        send.close()
        try:
            if not recv.poll(self.budget):
                raise self._over_budget()
            try:
                msg = recv.recv()
            except (EOFError, OSError) as exc:
                proc.join(5)
                raise RuntimeError(f"a worker process ended without an answer (exit code "
                                   f"{proc.exitcode})") from exc
        finally:
            recv.close()
            if proc.is_alive():
                proc.kill()
            proc.join(5)
        if msg[0] == "ok":
            return msg[1]
        if msg[0] == "error":
            raise _Remote(msg[2], msg[1])
        raise RuntimeError("unexpected error in a worker process (logged there)")


def _child_main(conn, fn, args, kwargs, after_fork) -> None:
    """A forked worker: run ``fn``, send ``("ok", value)``, ``("error", status, message)`` or
    ``("crash",)`` back."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; it kills us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the server's handler (inherited)
    with contextlib.suppress(AttributeError, OSError):
        os.nice(10)  # the server answering comes first
    try:
        if after_fork is not None:
            after_fork()
        msg: tuple = ("ok", fn(*args, **kwargs))
    except EquipoiseError as exc:
        msg = ("error", status_for(exc), str(exc))
    except Exception:
        log.exception("unexpected error in a dashboard worker process")
        msg = ("crash",)
    try:
        conn.send(msg)
    except Exception:
        log.exception("a dashboard worker could not send its result")
        conn.send(("crash",))
    conn.close()
