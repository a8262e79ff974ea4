"""A ceiling on the stored conversation state: its oldest events go first (the turns table keeps the history).

The tracker already keeps a fixed number of events; this bounds their bytes too, whatever a client managed to put
in them. Rules look back one turn, so the events since the user's previous message always stay.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import BotError


class StateTooLarge(BotError):
    """Even without its older events the state is over the limit; the turn fails and the old state stays."""


def _size(value: Any) -> int:
    """Bytes of `value` as the JSON columns store it (json.dumps' defaults: ASCII with \\u escapes)."""
    return len(json.dumps(value))


def fit(state: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    """`state`, without as many of its oldest events as it takes to be at most `max_bytes` of JSON."""
    if _size(state) <= max_bytes:
        return state
    events = state["events"]
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    keep_from = users[-2] if len(users) > 1 else (users[0] if users else 0)
    room = max_bytes - _size({**state, "events": []})
    sizes = [_size(event) + 2 for event in events]  # with the ", " between events
    start, total = 0, sum(sizes)
    while total > room and start < keep_from:
        total -= sizes[start]
        start += 1
    fitted = {**state, "events": events[start:]}
    if _size(fitted) > max_bytes:
        raise StateTooLarge(f"the conversation state is {_size(fitted)} bytes even without its older events")
    return fitted
