"""domain.yml: intents, entities, slots with mappings, responses, forms, actions and session config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .training_data import read_yaml, strip_lines

# Actions every Rasa assistant has without declaring them.
DEFAULT_ACTIONS = {
    "action_listen",
    "action_restart",
    "action_session_start",
    "action_default_fallback",
    "action_deactivate_loop",
    "action_revert_fallback_events",
    "action_default_ask_affirmation",
    "action_default_ask_rephrase",
    "action_two_stage_fallback",
    "action_back",
    "action_unlikely_intent",
    "action_extract_slots",
}
REQUESTED_SLOT = "requested_slot"


@dataclass
class Slot:
    name: str
    type: str
    initial_value: Any = None
    mappings: list[dict[str, Any]] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    influence_conversation: bool = True


@dataclass
class Domain:
    intents: list[str]
    entities: list[str]
    slots: dict[str, Slot]
    responses: dict[str, list[dict[str, Any]]]
    forms: dict[str, list[str]]  # form name -> required slots
    actions: list[str]
    session_expiration_minutes: float = 60
    carry_over_slots: bool = False
    raw: dict[str, Any] = field(default_factory=dict)  # domain.yml as parsed
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # (section, name) -> line, for validation messages

    @classmethod
    def load(cls, path: Path) -> Domain:
        if not Path(path).exists():
            raise ConfigError(f"The domain file {path} is missing.")
        doc = read_yaml(path, with_lines=True) or {}
        raw = strip_lines(doc)
        lines: dict[tuple[str, str], int] = {}
        for section in ("responses", "slots", "forms"):
            for name, value in (doc.get(section) or {}).items():
                if isinstance(value, (dict, list)) and name != "__line__":
                    first = value[0] if isinstance(value, list) and value else value
                    lines[(section, name)] = first.get("__line__", 0) if isinstance(first, dict) else 0
        return cls.from_raw(raw, lines)

    @classmethod
    def from_raw(cls, raw: dict[str, Any], lines: dict[tuple[str, str], int] | None = None) -> Domain:
        """The domain from domain.yml's parsed content (`raw`); `lines` only serve validation messages."""
        intents = [next(iter(item)) if isinstance(item, dict) else str(item) for item in raw.get("intents") or []]
        slots = {}
        for name, spec in (raw.get("slots") or {}).items():
            spec = spec or {}
            slots[name] = Slot(
                name,
                spec.get("type", "any"),
                spec.get("initial_value"),
                spec.get("mappings") or [],
                spec.get("values") or [],
                spec.get("influence_conversation", True),
            )
        if REQUESTED_SLOT not in slots:
            slots[REQUESTED_SLOT] = Slot(REQUESTED_SLOT, "any", None, [], [], False)
        forms = {
            name: list((spec or {}).get("required_slots") or []) for name, spec in (raw.get("forms") or {}).items()
        }
        session = raw.get("session_config") or {}
        return cls(
            intents=intents,
            entities=[next(iter(e)) if isinstance(e, dict) else str(e) for e in raw.get("entities") or []],
            slots=slots,
            responses=raw.get("responses") or {},
            forms=forms,
            actions=list(raw.get("actions") or []),
            session_expiration_minutes=float(session.get("session_expiration_time", 60)),
            carry_over_slots=bool(session.get("carry_over_slots_to_new_session", False)),
            raw=raw,
            lines=lines or {},
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) that `from_dict` rebuilds an equal Domain from: what domain.yml said."""
        return {"raw": self.raw, "lines": [[section, name, line] for (section, name), line in self.lines.items()]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Domain:
        return cls.from_raw(data["raw"], {(section, name): line for section, name, line in data["lines"]})

    def initial_slots(self) -> dict[str, Any]:
        return {name: slot.initial_value for name, slot in self.slots.items()}

    def is_form(self, name: str) -> bool:
        return name in self.forms

    def known_action(self, name: str) -> bool:
        return name in self.actions or name in self.responses or name in self.forms or name in DEFAULT_ACTIONS

    def as_sdk_dict(self) -> dict[str, Any]:
        """The domain as rasa_sdk actions receive it (forms carry their required_slots)."""
        out = dict(self.raw)
        out["slots"] = {
            n: {"type": s.type, "initial_value": s.initial_value, "mappings": s.mappings} for n, s in self.slots.items()
        }
        out["forms"] = {n: {"required_slots": r} for n, r in self.forms.items()}
        return out
