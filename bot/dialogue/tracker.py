"""Conversation state built from Rasa-format events; serialisable as one JSON document."""

from __future__ import annotations

import time
from typing import Any

from ..domain import REQUESTED_SLOT, Domain

# Events kept in the stored state: rules look back one turn, analysts read the turns table.
MAX_EVENTS = 30


class Tracker:
    def __init__(
        self,
        sender_id: str,
        slots: dict[str, Any],
        events: list[dict[str, Any]] | None = None,
        active_loop: str | None = None,
        latest_message: dict[str, Any] | None = None,
        latest_action_name: str | None = None,
        followup_action: str | None = None,
        session_id: int = 1,
        paused_loops: list[str] | None = None,
    ) -> None:
        self.sender_id = sender_id
        self.slots = slots
        self.events: list[dict[str, Any]] = events or []
        self.active_loop = active_loop
        self.latest_message: dict[str, Any] = latest_message or {}
        self.latest_action_name = latest_action_name
        self.followup_action = followup_action
        self.session_id = session_id
        # Forms whose question an answer interrupted by starting another form: each asks again when that one ends.
        self.paused_loops: list[str] = paused_loops or []

    @classmethod
    def new(cls, sender_id: str, domain: Domain, session_id: int = 1) -> Tracker:
        return cls(sender_id, domain.initial_slots(), session_id=session_id)

    @classmethod
    def from_state(cls, state: dict[str, Any], domain: Domain) -> Tracker:
        slots = domain.initial_slots()
        slots.update({k: v for k, v in (state.get("slots") or {}).items() if k in slots})
        return cls(
            state["sender_id"],
            slots,
            state.get("events") or [],
            state.get("active_loop"),
            state.get("latest_message") or {},
            state.get("latest_action_name"),
            state.get("followup_action"),
            state.get("session_id", 1),
            list(state.get("paused_loops") or []),
        )

    def to_state(self) -> dict[str, Any]:
        return {
            "sender_id": self.sender_id,
            "slots": self.slots,
            "events": self.events[-MAX_EVENTS:],
            "active_loop": self.active_loop,
            "latest_message": self.latest_message,
            "latest_action_name": self.latest_action_name,
            "followup_action": self.followup_action,
            "session_id": self.session_id,
            "paused_loops": self.paused_loops,
        }

    def as_sdk_dict(self) -> dict[str, Any]:
        """The tracker as rasa_sdk's Tracker.from_dict expects it."""
        return {
            "sender_id": self.sender_id,
            "slots": dict(self.slots),
            "latest_message": self.latest_message,
            "events": list(self.events),
            "paused": False,
            "followup_action": self.followup_action,
            "active_loop": {"name": self.active_loop} if self.active_loop else {},
            "latest_action_name": self.latest_action_name,
        }

    # -- events -----------------------------------------------------------------------------------
    def apply(self, event: dict[str, Any]) -> None:
        """Apply one Rasa event (as dict) to the state and remember it."""
        event = dict(event)
        event.setdefault("timestamp", time.time())
        kind = event.get("event")
        if kind == "user":
            self.latest_message = event.get("parse_data") or {"text": event.get("text")}
        elif kind == "action":
            self.latest_action_name = event.get("name")
        elif kind == "slot":
            self.slots[event["name"]] = event.get("value")
        elif kind in ("active_loop", "form"):
            self.active_loop = event.get("name") or None
            if not self.active_loop:
                self.slots[REQUESTED_SLOT] = None
        elif kind == "followup":
            self.followup_action = event.get("name")
        elif kind in ("restart", "reset_slots"):
            for name in self.slots:
                self.slots[name] = None
            self.active_loop = None
            self.paused_loops = []
        elif kind == "session_started":
            pass
        self.events.append(event)

    def apply_all(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.apply(event)

    def latest_intent(self) -> str | None:
        name: str | None = (self.latest_message.get("intent") or {}).get("name")
        return name

    def latest_entities(self) -> list[dict[str, Any]]:
        entities: list[dict[str, Any]] = self.latest_message.get("entities") or []
        return entities

    def turn_events(self) -> list[dict[str, Any]]:
        """Events since the latest user message (exclusive)."""
        for i in range(len(self.events) - 1, -1, -1):
            if self.events[i].get("event") == "user":
                return self.events[i + 1 :]
        return list(self.events)

    def previous_turn_actions(self) -> list[str]:
        """Actions the bot ran in the turn before the latest user message."""
        user_idx = [i for i, e in enumerate(self.events) if e.get("event") == "user"]
        if not user_idx:
            return []
        end = user_idx[-1]
        start = user_idx[-2] + 1 if len(user_idx) > 1 else 0
        return [
            e["name"] for e in self.events[start:end] if e.get("event") == "action" and e["name"] != "action_listen"
        ]

    def user_turns(self) -> int:
        return sum(1 for e in self.events if e.get("event") == "user")
