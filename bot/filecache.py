"""Values built from files, re-read when any of those files changes, so staff edits apply without a restart.

One mechanism for every such cache (city profile, FAQ, booking rules and fees, garbage config): a call costs
one stat() per file; the value is rebuilt only when a file's modification time or size changed, or a file came
or went, or the caller's own `version` (e.g. a database revision the value also depends on) moved on.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")
# The longest a caller waits for another's rebuild of the same value before building it itself.
WAIT_S = 2.0


def stamps(files: Iterable[str | Path]) -> tuple[tuple[Any, ...], ...]:
    """What says a file changed: (path, mtime, size) each, None for a missing file."""
    out: list[tuple[Any, ...]] = []
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            out.append((str(f), None))
        else:
            out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


class FileCache(Generic[T]):
    """`load(*args)` cached per `args`, rebuilt when any of the files named at the call changes.

    Only the latest value per `args` is kept, for at most `maxsize` different `args`. A file changed while it
    is being read is read again on the next call (its stamp is taken before reading). One rebuild at a time per
    `args`: the callers that find the same change wait for it instead of each reading the files again (after a
    console publish, every busy request thread would otherwise rebuild the FAQ index at once), while a rebuild for
    other `args` (another city, another database) never waits behind it."""

    def __init__(self, load: Callable[..., T], maxsize: int = 8):
        self._load = load
        self._maxsize = maxsize
        self._entries: OrderedDict[tuple, tuple[tuple, T]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.RLock] = {}

    def get(self, files: Iterable[str | Path], *args: Hashable, version: Hashable = None) -> T:
        stamp = (stamps(files), version)
        fresh = self._fresh(args, stamp)
        if fresh is not None:
            return fresh[0]
        with self._lock:
            building = self._building.setdefault(args, threading.RLock())
        # A bounded wait: a load may need what its waiter holds (a database connection or row lock taken before
        # the call), and a lock that waited forever for it would hang both. Past the bound, load as if alone.
        waited = building.acquire(timeout=WAIT_S)
        try:
            fresh = self._fresh(args, stamp)  # another caller rebuilt it while this one waited
            if fresh is not None:
                return fresh[0]
            value = self._load(*args)
            with self._lock:
                self._entries[args] = (stamp, value)
                self._entries.move_to_end(args)
                while len(self._entries) > self._maxsize:
                    dropped, _ = self._entries.popitem(last=False)
                    self._building.pop(dropped, None)
        finally:
            if waited:
                building.release()
        return value

    def _fresh(self, args: tuple, stamp: tuple) -> tuple[T] | None:
        """The cached value of `args` in a 1-tuple when it was built from files with `stamp`; None otherwise."""
        with self._lock:
            entry = self._entries.get(args)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(args)
                return (entry[1],)
        return None
