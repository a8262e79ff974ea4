"""A background thread that runs only while it has work: what sends the payment sandbox's callbacks.

Request threads never wait on that work: they record it durably and `wake()` the worker. The thread ends when
nothing is waiting, so an idle app holds no thread and a test's app leaves none behind; `wake()` starts it again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Worker:
    """Runs `step` in one daemon thread; `step` does what is due and returns the seconds until more is due, or
    None when nothing is waiting. A failing step stops the thread (the work stays recorded; the next wake, a
    restart or a CLI command takes it up again)."""

    def __init__(self, name: str, step: Callable[[], float | None]) -> None:
        self.name = name
        self.step = step
        self._lock = threading.Lock()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """There may be new work: run a step now (in the running thread, or a new one)."""
        with self._lock:
            self._woken.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._woken.clear()
            try:
                delay = self.step()
            except Exception:  # a database or programming error: logged, and the work stays queued
                log.exception("%s stopped; its work stays queued until the next wake or restart", self.name)
                delay = None
            with self._lock:
                if delay is None and not self._woken.is_set():
                    self._thread = None
                    return
            if delay is not None:
                self._woken.wait(delay)
