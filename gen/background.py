"""A second process for the work that can overlap the main capture: the catalog of all variants and the plots.

Used only when a build captures something and may use more than one process (`jobs`).  Model
Snapshots are always captured in the main process, so their numbers never depend on how many
processes ran beside them.  Log records of the second process reach MkDocs' own loggers, so a
warning there still fails `mkdocs build --strict`; an error there is raised again here.  When the main
process dies (even by SIGKILL), the second one exits at once and writes nothing more.
"""
from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from gen.errors import CaptureError

log = logging.getLogger(f"mkdocs.plugins.{__name__}")


class _Sender(logging.handlers.QueueHandler):
    """Writes each record to the pipe at once (a SimpleQueue has no feeder thread), so that every record a
    job logs is in the pipe before the job's result is."""

    def enqueue(self, record: logging.LogRecord) -> None:
        self.queue.put(record)


class _Receiver(logging.handlers.QueueListener):
    def dequeue(self, block: bool) -> logging.LogRecord | None:
        return self.queue.get()

    def enqueue_sentinel(self) -> None:
        self.queue.put(self._sentinel)


def _exit_with_parent() -> None:
    """In the second process: exit at once when the main process is gone (killed, say), whatever this process is
    doing (even blocked writing to a full pipe), and publish no cache file once it is gone."""
    from gen import store

    parent = multiprocessing.parent_process()
    if parent is None:  # not started by multiprocessing: nothing to watch
        return
    ppid = os.getppid()

    def watch() -> None:
        parent.join()  # returns when the main process's end of the spawn pipe closes: it has exited
        os._exit(1)

    def publish_only_for_a_live_parent() -> None:
        if os.getppid() != ppid:
            os._exit(1)

    threading.Thread(target=watch, name="watch-main-process", daemon=True).start()
    store.before_publish = publish_only_for_a_live_parent


def _start_worker(queue, level: int) -> None:
    """In the second process: watch the main process, and send every record back to it."""
    _exit_with_parent()
    root = logging.getLogger()
    root.handlers[:] = [_Sender(queue)]
    root.setLevel(level)
    os.nice(10)  # the main process's capture goes first; this one takes the cycles it leaves


class _Relay(logging.Handler):
    """In the main process: hand a record from the second process to the logger of the same name."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


ROOT = str(Path(__file__).resolve().parent.parent)


class Background:
    def __init__(self):
        if ROOT not in sys.path:  # MkDocs restores sys.path after loading hooks; the new process must find `gen`
            sys.path.insert(0, ROOT)
        # torch's idle OpenMP threads would otherwise spin through the capture's Python stretches, on the core
        # this second process needs (read when torch is first imported; it changes no result, only waiting)
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or torch state copied
        self._queue = context.SimpleQueue()
        self._listener = _Receiver(self._queue, _Relay())
        self._listener.start()
        level = log.getEffectiveLevel()
        self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=_start_worker, initargs=(self._queue, level))

    def submit(self, fn, *args) -> Future:
        try:
            return self._pool.submit(fn, *args)
        except BrokenProcessPool:
            raise self._died() from None

    def result(self, job: Future):
        """The job's result; its error, raised again; or a CaptureError if the process died."""
        try:
            return job.result()
        except BrokenProcessPool:
            raise self._died() from None

    @staticmethod
    def _died() -> CaptureError:
        return CaptureError("The second build process stopped unexpectedly (its own error is printed above, or it "
                            "ran out of memory); build with `jobs: 1` under extra.clip_docs (or CLIP_DOCS_JOBS=1) "
                            "to do all work in one process.")

    def close(self) -> None:
        """Stop taking work.  The process exits on its own (freeing a loaded torch takes a moment) while
        MkDocs goes on; Python waits for it at exit at the latest."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._listener.stop()
