"""Work off the webhook's request path: a bounded thread pool that runs each chat's jobs in arrival order.

The webhook must answer LINE within a second, so it only queues. Jobs of one chat run one after another,
in the order LINE sent them (a citizen's "粗大ごみ" must be handled before the date they pick next); jobs of
different chats run in parallel.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class ChatQueues:
    def __init__(self, workers: int, capacity: int):
        self.capacity = capacity
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="line-worker")
        self._queues: dict[str, deque[Callable[[], object]]] = {}
        self._pending = 0
        self._changed = threading.Condition()

    def has_room(self, jobs: int) -> bool:
        """Whether `jobs` more fit in the backlog; when not, the webhook asks LINE to redeliver later."""
        with self._changed:
            return self._pending + jobs <= self.capacity

    def submit(self, chat: str, job: Callable[[], object]) -> None:
        with self._changed:
            self._pending += 1
            queue = self._queues.get(chat)
            if queue is not None:  # a worker is draining this chat: it will run the job after the others
                queue.append(job)
                return
            self._queues[chat] = deque([job])
        self._executor.submit(self._drain, chat)

    def _drain(self, chat: str) -> None:
        while True:
            with self._changed:
                queue = self._queues[chat]
                if not queue:
                    del self._queues[chat]
                    return
                job = queue.popleft()
            try:
                job()
            except Exception:  # one failed job must not stop the chat's next ones
                log.exception("LINE job failed")
            finally:
                with self._changed:
                    self._pending -= 1
                    self._changed.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every queued job has run (tests, benchmarks, shutdown); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
