"""Rasa rule semantics: a rule matches the tail of the conversation and predicts the actions that follow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..training_data import Rule
from .tracker import Tracker

ACTION_LISTEN = "action_listen"


@dataclass
class CompiledRule:
    name: str
    intents: set[str] | None  # None: the rule has no user step
    entities: list[str | dict[str, Any]] = field(default_factory=list)  # names, or {name: value}
    prefix: list[str] = field(default_factory=list)  # actions before the user step
    actions: list[str] = field(default_factory=list)  # actions after it
    loop_condition: tuple[bool, str | None] = (False, None)  # (given, value)
    slot_conditions: list[str | dict[str, Any]] = field(default_factory=list)  # set, or {name: value}
    conversation_start: bool = False
    completes_loop: str | None = None  # rules that start with `action: form` + `active_loop: null`
    order: int = 0

    @property
    def score(self) -> int:
        return (
            10 * len(self.prefix)
            + 5 * (self.loop_condition[0] + len(self.slot_conditions))
            + 3 * len(self.entities)
            + 2 * self.conversation_start
        )


def _step_intents(step: dict[str, Any]) -> set[str] | None:
    if "intent" in step:
        return {step["intent"]}
    if "or" in step:
        return {s["intent"] for s in step["or"] if "intent" in s}
    return None


def compile_rule(rule: Rule, order: int) -> CompiledRule:
    compiled = CompiledRule(rule.name, None, conversation_start=rule.conversation_start, order=order)
    for cond in rule.condition:
        if "active_loop" in cond:
            compiled.loop_condition = (True, cond["active_loop"])
        elif "slot_was_set" in cond:
            compiled.slot_conditions.extend(cond["slot_was_set"] or [])
    steps = list(rule.steps)
    user_index = next((i for i, s in enumerate(steps) if _step_intents(s) is not None), None)
    if user_index is None:
        if len(steps) >= 2 and "action" in steps[0] and "active_loop" in steps[1] and steps[1]["active_loop"] is None:
            compiled.completes_loop = steps[0]["action"]
            steps = steps[2:]
        compiled.actions = [s["action"] for s in steps if "action" in s and s["action"] != ACTION_LISTEN]
        return compiled
    compiled.intents = _step_intents(steps[user_index])
    compiled.entities = steps[user_index].get("entities") or []
    compiled.prefix = [s["action"] for s in steps[:user_index] if "action" in s and s["action"] != ACTION_LISTEN]
    compiled.actions = [s["action"] for s in steps[user_index + 1 :] if "action" in s and s["action"] != ACTION_LISTEN]
    return compiled


def _slot_matches(cond: str | dict[str, Any], slots: Mapping[str, Any]) -> bool:
    if isinstance(cond, str):
        return slots.get(cond) is not None
    return all(
        slots.get(name) == value if value is not None else slots.get(name) is None for name, value in cond.items()
    )


def _entities_match(required: list[str | dict[str, Any]], entities: list[dict[str, Any]]) -> bool:
    for req in required:
        if isinstance(req, str):
            if not any(e.get("entity") == req for e in entities):
                return False
        else:
            for name, value in req.items():
                if not any(e.get("entity") == name and e.get("value") == value for e in entities):
                    return False
    return True


class RulePolicy:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = [compile_rule(r, i) for i, r in enumerate(rules)]

    def _conditions_hold(self, rule: CompiledRule, tracker: Tracker, loop_must_match: bool) -> bool:
        given, value = rule.loop_condition
        if given and tracker.active_loop != value:
            return False
        if loop_must_match and not given:
            return False
        return all(_slot_matches(c, tracker.slots) for c in rule.slot_conditions)

    def predict_user_turn(self, tracker: Tracker, loop_rules_only: bool = False) -> CompiledRule | None:
        """The most specific rule whose user step matches the latest message."""
        intent = tracker.latest_intent()
        entities = tracker.latest_entities()
        previous = tracker.previous_turn_actions()
        best = None
        for rule in self.rules:
            if rule.intents is None or intent not in rule.intents:
                continue
            if not self._conditions_hold(rule, tracker, loop_rules_only):
                continue
            if rule.conversation_start and tracker.user_turns() != 1:
                continue
            if rule.prefix and previous[-len(rule.prefix) :] != rule.prefix:
                continue
            if not _entities_match(rule.entities, entities):
                continue
            if best is None or rule.score > best.score:
                best = rule
        return best

    def after_loop(self, form: str, tracker: Tracker) -> list[str]:
        """Actions a rule runs once `form` has finished."""
        best = None
        for rule in self.rules:
            if (
                rule.completes_loop == form
                and all(_slot_matches(c, tracker.slots) for c in rule.slot_conditions)
                and (best is None or rule.score > best.score)
            ):
                best = rule
        return best.actions if best else []

    def known_intents(self) -> set[str]:
        return set().union(*(r.intents for r in self.rules if r.intents)) if self.rules else set()
