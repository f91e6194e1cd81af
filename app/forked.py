"""Work split over processes forked from this one: how `depstats export --static` bakes on
every core (app/bake.py). A forked child starts with this process's memory (the app built,
its routes and caches warm) and none of its threads; what it returns comes back pickled
through a pipe. Fork, not spawn: a spawned child would import and build the app again, which
costs more than baking the article's data."""

import ctypes
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, TypeVar

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
Part = TypeVar("Part")
Result = TypeVar("Result")


def fork_map(
    work: Callable[[Part], Result], parts: Sequence[Part], after_fork: Callable[[], None]
) -> list[Result]:
    """`work(part)` for each part, in order: the first in this process, each other in a child
    forked for it, which calls `after_fork` first. Raises RuntimeError if a child fails (with
    its traceback) or dies."""
    context = multiprocessing.get_context("fork")
    children: list[tuple[Any, Connection]] = []
    try:
        for part in parts[1:]:
            receiving, sending = context.Pipe(duplex=False)
            child = context.Process(
                target=_child, args=(work, part, after_fork, sending), daemon=True
            )
            child.start()
            sending.close()
            children.append((child, receiving))
        results = [work(parts[0])] if parts else []
        for child, receiving in children:
            try:
                done, value = receiving.recv()
            except EOFError:
                done, value = False, "it died"
            child.join()
            if not done:
                raise RuntimeError(f"a forked process failed ({child.exitcode}): {value}")
            results.append(value)
        return results
    finally:
        for child, receiving in children:
            receiving.close()
            if child.is_alive():
                child.terminate()
                child.join()


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity: a container's share, not the host's)."""
    return len(os.sched_getaffinity(0)) or 1


def die_with_parent(how: signal.Signals = signal.SIGKILL) -> None:
    """In a child: be sent `how` when the parent dies, so that none outlives it."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, how)


def _child(
    work: Callable[[Any], Any], part: Any, after_fork: Callable[[], None], sending: Connection
) -> None:
    try:
        die_with_parent()  # a baker killed takes its children (and their hold on the lock)
        after_fork()
        result = (True, work(part))
    except BaseException:  # told to the parent, which raises
        result = (False, traceback.format_exc())
    sending.send(result)
    sending.close()


def app_after_fork(app: Any) -> None:
    """What a child forked from a process holding `app` must not share with its parent: the
    database connections (the pool's and the dataset version's own, left to the parent, never
    closed here) and the thread pool for reads (its threads stayed in the parent)."""
    app.state.engine.dispose(close=False)
    app.state.dataset_version.forget()
    settings = app.state.settings
    app.state.reads = ThreadPoolExecutor(settings.read_threads, thread_name_prefix="reads")
