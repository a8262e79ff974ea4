"""Rasa 3 slot mappings: from_entity, from_text, from_intent and from_trigger_intent, with conditions."""

from __future__ import annotations

from typing import Any

from ..domain import REQUESTED_SLOT, Domain
from .tracker import Tracker


def intent_allowed(mapping: dict[str, Any], intent: str | None) -> bool:
    wanted = mapping.get("intent")
    unwanted = mapping.get("not_intent")
    wanted = [wanted] if isinstance(wanted, str) else wanted
    unwanted = [unwanted] if isinstance(unwanted, str) else unwanted
    if wanted and intent not in wanted:
        return False
    return not (unwanted and intent in unwanted)


def conditions_match(mapping: dict[str, Any], active_loop: str | None, requested: str | None) -> bool:
    conditions = mapping.get("conditions")
    if not conditions:
        return True
    for cond in conditions:
        if cond.get("active_loop") != active_loop:
            continue
        if "requested_slot" in cond and cond["requested_slot"] != requested:
            continue
        return True
    return False


def _entity_value(mapping: dict[str, Any], entities: list[dict[str, Any]], slot_type: str) -> Any:
    found = [
        e
        for e in entities
        if e.get("entity") == mapping.get("entity")
        and ("role" not in mapping or e.get("role") == mapping["role"])
        and ("group" not in mapping or e.get("group") == mapping["group"])
    ]
    if not found:
        return None
    if slot_type == "list":
        return [e.get("value") for e in found]
    return found[0].get("value")


def extract(
    tracker: Tracker, domain: Domain, activating: str | None = None, sources: dict[str, str] | None = None
) -> dict[str, Any]:
    """Slot values the latest user message provides, as Rasa's action_extract_slots would find them.

    `activating` names a form being activated this turn, for from_trigger_intent. `sources`, when given, receives
    the mapping type each value came from (the processor tells free text from entities and buttons).
    """
    message = tracker.latest_message
    intent = (message.get("intent") or {}).get("name")
    text = message.get("text") or ""
    entities = message.get("entities") or []
    loop = tracker.active_loop
    requested = tracker.slots.get(REQUESTED_SLOT)
    form_slots = {s for slots in domain.forms.values() for s in slots}
    found: dict[str, Any] = {}
    for slot in domain.slots.values():
        for mapping in slot.mappings:
            kind = mapping.get("type")
            if kind == "custom" or not intent_allowed(mapping, intent):
                continue
            if not conditions_match(mapping, loop, requested):
                continue
            value = None
            if kind == "from_entity":
                value = _entity_value(mapping, entities, slot.type)
            elif kind in ("from_text", "from_intent"):
                # Form slots take free text only when the form asked for exactly that slot.
                if slot.name in form_slots and not (loop and requested == slot.name):
                    continue
                if kind == "from_text":
                    value = text if text and not text.startswith("/") else None
                else:
                    value = mapping.get("value")
            elif kind == "from_trigger_intent" and activating and slot.name in domain.forms.get(activating, []):
                value = mapping.get("value")
            if value is not None:
                found[slot.name] = value
                if sources is not None:
                    sources[slot.name] = str(kind)
                break
    return found
