"""One user turn: extract slots, let the active form or a rule pick actions, run them, collect replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..domain import REQUESTED_SLOT, Domain
from ..nlu.fallback import FALLBACK_INTENT
from . import slots as slot_mapping
from .executor import ActionRejected, ActionResult, Executor
from .responses import Responder
from .rules import CompiledRule, RulePolicy
from .tracker import Tracker

log = logging.getLogger(__name__)

MAX_ACTIONS_PER_TURN = 20
# A turn whose last action is one of these told the citizen "I don't know": the analysts' queue.
NOT_ANSWERING_ACTIONS = {"action_nlu_fallback", "action_out_of_scope", "utter_out_of_scope", "action_default_fallback"}
# What a dispatcher message carries to the channel besides buttons (Rasa's output channels send these);
# its other values only fill the response's {variables}.
MESSAGE_FIELDS = ("text", "image", "attachment", "elements", "quick_replies", "custom")


@dataclass
class TurnResult:
    channel: str = "rest"  # per turn, since one Processor serves many threads at once
    messages: list[dict[str, Any]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    unanswered: bool = False


class Processor:
    def __init__(
        self, domain: Domain, rules: RulePolicy, executor: Executor, responder: Responder, fallback_action: str
    ) -> None:
        self.domain = domain
        self.rules = rules
        self.executor = executor
        self.responder = responder
        self.fallback_action = fallback_action

    # -- entry point ---------------------------------------------------------------------------------
    def handle(
        self, tracker: Tracker, parse_data: dict[str, Any], channel: str, metadata: dict[str, Any] | None = None
    ) -> TurnResult:
        turn = TurnResult(channel=channel)
        # The stored event keeps the decision, not the whole ranking (latest_message keeps that).
        event_parse = {k: v for k, v in parse_data.items() if k != "intent_ranking"}
        tracker.apply(
            {
                "event": "user",
                "text": parse_data.get("text"),
                "parse_data": event_parse,
                "input_channel": channel,
                "metadata": metadata or {},
            }
        )
        tracker.latest_message = parse_data
        sources: dict[str, str] = {}
        candidates = slot_mapping.extract(tracker, self.domain, sources=sources)
        loop = tracker.active_loop
        if loop:
            self._in_loop(tracker, loop, candidates, sources, turn)
        else:
            self._set_slots(tracker, candidates)
            rule = self.rules.predict_user_turn(tracker)
            self._run_sequence(tracker, rule.actions if rule else [self.fallback_action], turn)
        self._resume_paused(tracker, turn)
        if not turn.actions or turn.actions[-1] in NOT_ANSWERING_ACTIONS:
            turn.unanswered = True
        self._run(tracker, "action_listen", turn, record=False)
        return turn

    # -- forms ---------------------------------------------------------------------------------------
    def _in_loop(
        self, tracker: Tracker, loop: str, candidates: dict[str, Any], sources: dict[str, str], turn: TurnResult
    ) -> None:
        """Rasa's form semantics: the form takes the message when it extracts a value for one of its slots;
        otherwise it rejects, a rule answers the message, and the form asks its pending question again (once).

        A value typed as free text (`from_text`) for a message that digresses (`_other_question`) is the form's only
        when its validator accepts it: an address, area or item list that matches the city's data is an answer,
        a question the validator cannot place is a question. The validator's replies to a rejected value are not
        sent then: the citizen asked something else."""
        required = self.domain.forms[loop]
        self._set_slots(tracker, {k: v for k, v in candidates.items() if k not in required})
        form_values = {k: v for k, v in candidates.items() if k in required}
        # A rule written for this loop (e.g. cancelling it) comes before the form itself.
        loop_rule = self.rules.predict_user_turn(tracker, loop_rules_only=True)
        if loop_rule:
            self._run_sequence(tracker, loop_rule.actions, turn)
            if tracker.active_loop == loop:
                self._run_form(tracker, loop, turn, activating=False, candidates={})
            return
        digression, switch = self._other_question(tracker, loop)
        excluded = self._excluded_answer(tracker, loop) if digression and not form_values else {}
        if excluded:  # 「やっぱり浅野2丁目3-4です」 reads as stopping: an answer still, if the validator keeps it
            validated = self._probe(tracker, loop, excluded)
            if validated is not None and self._form_took(validated, excluded, tracker, ending_counts=False):
                self._run_form(tracker, loop, turn, activating=False, candidates=excluded, validated=validated)
                return
        if form_values or (self._validator(loop) and self._validator_wants_every_message(loop)):
            if (digression or switch) is None or any(sources.get(s) != "from_text" for s in form_values):
                self._run_form(tracker, loop, turn, activating=False, candidates=form_values)
                return
            validated = self._probe(tracker, loop, form_values)
            if validated is not None and self._form_took(validated, form_values, tracker):
                self._run_form(tracker, loop, turn, activating=False, candidates=form_values, validated=validated)
                return
        if switch is not None:  # this form waits, and asks again once the other one is done or left
            tracker.paused_loops.append(loop)
            tracker.apply({"event": "active_loop", "name": None})
            self._run_sequence(tracker, switch.actions, turn)
            return
        # The form could not use this message: another rule may answer it, then the form asks again.
        rule = digression or self.rules.predict_user_turn(tracker)
        if rule and not any(self.domain.is_form(a) for a in rule.actions):
            self._run_sequence(tracker, rule.actions, turn)
        if tracker.active_loop == loop:
            self._run_form(tracker, loop, turn, activating=False, candidates={})
        elif tracker.active_loop and digression is not None:  # its answer asks a question of its own first
            tracker.paused_loops.append(loop)

    def _resume_paused(self, tracker: Tracker, turn: TurnResult) -> None:
        """A form that another form interrupted asks its question again once that form is done or left (やめる,
        戻る stop the procedure asked about last; the answers of the one before are kept, and its own やめる button
        stops it), after its `utter_resume_<form>` if the domain has one."""
        if tracker.active_loop is None and tracker.paused_loops:
            form = tracker.paused_loops.pop()
            if form in self.domain.forms:
                if self.responder.has(f"utter_resume_{form}"):
                    self._run(tracker, f"utter_resume_{form}", turn)
                tracker.apply({"event": "active_loop", "name": form})
                self._run_form(tracker, form, turn, activating=False, candidates={})

    def _other_question(self, tracker: Tracker, loop: str) -> tuple[CompiledRule | None, CompiledRule | None]:
        """The rule for the latest message as a question of its own while `loop` waits for an answer, as
        (digression, switch): at most one of them is set.

        The message is another question when the NLU read it with confidence (its intent is not FALLBACK_INTENT,
        which the FallbackClassifier gives below its threshold or between two close intents), as an intent that no
        slot mapping of the form names for this prompt (`_answer_intents`: those are answers). Its rule is a
        digression when it starts no form and its last action is not one that only says the bot cannot answer
        (NOT_ANSWERING_ACTIONS): names, addresses and phone numbers often read as out of scope, and are answers
        after all. It is a switch when it starts another form (「粗大ごみを予約したい」 at the collection-area
        question)."""
        intent = tracker.latest_intent()
        answers = self._answer_intents(loop, tracker.slots.get(REQUESTED_SLOT))
        if not intent or intent == FALLBACK_INTENT or intent in answers:
            return None, None
        rule = self.rules.predict_user_turn(tracker)
        if rule is None or not rule.actions:
            return None, None
        forms = [a for a in rule.actions if self.domain.is_form(a)]
        if forms:
            return None, (rule if loop not in forms else None)
        return (None if rule.actions[-1] in NOT_ANSWERING_ACTIONS else rule), None

    def _answer_intents(self, loop: str, requested: str | None) -> set[str]:
        """Intents that answer the question asked: those named (`intent:`) by the form's slot mappings that apply at
        this prompt, e.g. a button's general_inform, yes and no at a confirmation, or the garbage questions an item
        name reads as where the items are asked."""
        named: set[str] = set()
        for slot in self.domain.forms[loop]:
            for mapping in self.domain.slots[slot].mappings if slot in self.domain.slots else []:
                if slot_mapping.conditions_match(mapping, loop, requested):
                    wanted = mapping.get("intent") or []
                    named.update([wanted] if isinstance(wanted, str) else wanted)
        return named

    def _probe(self, tracker: Tracker, form: str, candidates: dict[str, Any]) -> ActionResult | None:
        """The validator's verdict on `candidates`, without sending its replies; None without a validator, or when
        it declines or fails (the message is then not taken as an answer)."""
        validator = self._validator(form)
        if not validator:
            return None
        try:
            return self._call_validator(tracker, validator, self._slot_events(candidates))
        except Exception:
            log.exception("validator %s could not judge a digressing message", validator)
            return None

    def _excluded_answer(self, tracker: Tracker, loop: str) -> dict[str, Any]:
        """The free text of a message that the question's free-text mapping turns away only for its intent
        (`not_intent`: general_cancel, so that 「やめる」 is never matched against data), as that slot's candidate
        value; {} otherwise. The NLU reads 「やっぱり」 as stopping, yet 「やっぱり12月4日で」 answers the question."""
        requested = tracker.slots.get(REQUESTED_SLOT)
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not requested or requested not in self.domain.slots or not text or text.startswith("/"):
            return {}
        for mapping in self.domain.slots[requested].mappings:
            excluded = mapping.get("type") == "from_text" and not slot_mapping.intent_allowed(mapping, intent)
            if excluded and slot_mapping.conditions_match(mapping, loop, requested):
                return {requested: text}
        return {}

    @staticmethod
    def _form_took(
        result: ActionResult, candidates: dict[str, Any], tracker: Tracker, ending_counts: bool = True
    ) -> bool:
        """Whether the validator kept a value for the slot asked, or took charge of the form itself (chose the next
        question or, unless `ending_counts` is False, ended the form, as its 「戻る」 does)."""
        requested = tracker.slots.get(REQUESTED_SLOT)
        values = dict(candidates)
        for event in result.events:
            kind = event.get("event") if isinstance(event, dict) else None
            if kind in ("active_loop", "form"):
                return ending_counts
            if kind == "slot" and event.get("name") == REQUESTED_SLOT:
                return True
            if kind == "slot":
                values[event["name"]] = event.get("value")
        return requested is not None and values.get(requested) is not None

    def _validator(self, form: str) -> str | None:
        name = f"validate_{form}"
        return name if name in self.executor.names() else None

    def _validator_wants_every_message(self, form: str) -> bool:
        """Validators with extract_<slot> methods read every message themselves (rasa_sdk custom slot mappings)."""
        slots = [self.domain.slots[s] for s in self.domain.forms[form] if s in self.domain.slots]
        return any(slot.mappings and all(m.get("type") == "custom" for m in slot.mappings) for slot in slots)

    @staticmethod
    def _slot_events(values: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"event": "slot", "name": k, "value": v} for k, v in values.items()]

    def _call_validator(self, tracker: Tracker, validator: str, slot_events: list[dict[str, Any]]) -> ActionResult:
        """Run the form's validator on a copy of the tracker that has the candidate values set."""
        probe = Tracker.from_state(tracker.to_state(), self.domain)
        probe.events = list(tracker.events)
        probe.apply_all(slot_events)
        return self.executor.run(validator, probe.as_sdk_dict(), self.domain.as_sdk_dict())

    def _validate(
        self,
        tracker: Tracker,
        form: str,
        candidates: dict[str, Any],
        turn: TurnResult,
        validated: ActionResult | None = None,
    ) -> list[dict[str, Any]]:
        """The events that fill the form's slots; `validated` is the validator's result when already known."""
        slot_events = self._slot_events(candidates)
        validator = self._validator(form)
        if not validator:
            return slot_events
        result = validated
        if result is None:
            try:
                result = self._call_validator(tracker, validator, slot_events)
            except ActionRejected:
                return slot_events
            except Exception:
                log.exception("validator %s failed", validator)
                turn.unanswered = True
                self._emit(tracker, self.responder.render("utter_error", tracker.slots, turn.channel), turn)
                return []
        self._emit_sdk(tracker, result.responses, turn)
        return slot_events + list(result.events)

    def _run_form(
        self,
        tracker: Tracker,
        form: str,
        turn: TurnResult,
        activating: bool,
        candidates: dict[str, Any],
        validated: ActionResult | None = None,
    ) -> None:
        turn.actions.append(form)
        tracker.apply({"event": "action", "name": form})
        if activating:
            tracker.apply({"event": "active_loop", "name": form})
            prefilled = {s: tracker.slots.get(s) for s in self.domain.forms[form] if tracker.slots.get(s) is not None}
            candidates = {**prefilled, **slot_mapping.extract(tracker, self.domain, activating=form), **candidates}
            candidates = {k: v for k, v in candidates.items() if k in self.domain.forms[form]}
        validate = candidates or activating or self._validator_wants_every_message(form)
        events = self._validate(tracker, form, candidates, turn, validated) if validate else []
        tracker.apply_all(events)
        if tracker.active_loop != form:  # the validator itself ended the form
            return
        asked = [e for e in events if e.get("event") == "slot" and e.get("name") == REQUESTED_SLOT]
        if asked:
            next_slot = asked[-1].get("value")
        else:
            next_slot = next((s for s in self.domain.forms[form] if tracker.slots.get(s) is None), None)
        if next_slot:
            tracker.apply({"event": "slot", "name": REQUESTED_SLOT, "value": next_slot})
            self._ask(tracker, form, next_slot, turn)
            return
        tracker.apply({"event": "active_loop", "name": None})
        self._run_sequence(tracker, self.rules.after_loop(form, tracker), turn)
        self._resume_paused(tracker, turn)

    def ask_again(self, tracker: Tracker, channel: str) -> TurnResult:
        """The active form's pending question, asked again after a message the engine could not read at all (an
        emoji, a sticker's text): the citizen sees what the form still waits for. Nothing when no form is active."""
        turn = TurnResult(channel=channel)
        loop, slot = tracker.active_loop, tracker.slots.get(REQUESTED_SLOT)
        if loop and slot:
            self._ask(tracker, loop, slot, turn)
        return turn

    def _ask(self, tracker: Tracker, form: str, slot: str, turn: TurnResult) -> None:
        for name in (f"action_ask_{form}_{slot}", f"action_ask_{slot}"):
            if name in self.executor.names():
                self._run(tracker, name, turn)
                return
        for name in (f"utter_ask_{form}_{slot}", f"utter_ask_{slot}"):
            if self.responder.has(name):
                self._run(tracker, name, turn)
                return
        log.error("form %s has no question for slot %s (add utter_ask_%s)", form, slot, slot)

    @staticmethod
    def _set_slots(tracker: Tracker, values: dict[str, Any]) -> None:
        tracker.apply_all([{"event": "slot", "name": k, "value": v} for k, v in values.items()])

    # -- actions -------------------------------------------------------------------------------------
    def _run_sequence(self, tracker: Tracker, actions: list[str], turn: TurnResult) -> None:
        for name in actions:
            if len(turn.actions) >= MAX_ACTIONS_PER_TURN:
                log.error("more than %d actions in one turn; stopping", MAX_ACTIONS_PER_TURN)
                return
            if self.domain.is_form(name):
                if tracker.active_loop != name:
                    self._run_form(tracker, name, turn, activating=True, candidates={})
                continue
            loop_before = tracker.active_loop
            self._run(tracker, name, turn)
            if tracker.active_loop and tracker.active_loop != loop_before:
                # an action activated a form: the form asks its first question now
                self._run_form(
                    tracker,
                    tracker.active_loop,
                    turn,
                    activating=False,
                    candidates={
                        s: tracker.slots[s]
                        for s in self.domain.forms[tracker.active_loop]
                        if tracker.slots.get(s) is not None
                    },
                )
            followup = tracker.followup_action
            if followup:
                tracker.followup_action = None
                self._run_sequence(tracker, [followup], turn)

    def _run(self, tracker: Tracker, name: str, turn: TurnResult, record: bool = True) -> None:
        if record:
            turn.actions.append(name)
        tracker.apply({"event": "action", "name": name})
        if name == "action_listen":
            return
        if name == "action_deactivate_loop":
            tracker.apply({"event": "active_loop", "name": None})
            return
        if name == "action_restart":
            tracker.apply({"event": "restart"})
            return
        if self.responder.has(name):
            self._emit(tracker, self.responder.render(name, tracker.slots, turn.channel), turn)
            return
        try:
            result = self.executor.run(name, tracker.as_sdk_dict(), self.domain.as_sdk_dict())
        except ActionRejected:
            return
        except Exception:
            log.exception("custom action %s failed", name)
            turn.unanswered = True
            self._emit(tracker, self.responder.render("utter_error", tracker.slots, turn.channel), turn)
            return
        self._emit_sdk(tracker, result.responses, turn)
        tracker.apply_all([e for e in result.events if isinstance(e, dict) and e.get("event")])

    # -- messages ------------------------------------------------------------------------------------
    def _emit(self, tracker: Tracker, message: dict[str, Any] | None, turn: TurnResult) -> None:
        if not message:
            return
        turn.messages.append(message)
        tracker.apply(
            {
                "event": "bot",
                "text": message.get("text"),
                "data": {k: v for k, v in message.items() if k not in ("text", "response")},
                "metadata": {"utter_action": message.get("response")},
            }
        )

    def _emit_sdk(self, tracker: Tracker, responses: list[dict[str, Any]], turn: TurnResult) -> None:
        """rasa_sdk dispatcher messages, uttered as Rasa does. A named response is rendered with the message's
        values as its variables (`utter_message(response=..., **kwargs)`); the message's buttons are added to the
        response's and its non-empty MESSAGE_FIELDS replace the response's (`json_message` is `custom`). A message
        without a response passes through as the action built it."""
        for r in responses:
            values = {k: v for k, v in r.items() if k not in ("response", "template") and v is not None}
            if "json_message" in values:
                values["custom"] = values.pop("json_message")
            data = {k: v for k, v in values.items() if v not in ([], {}, "")}
            name = r.get("response") or r.get("template")
            if not name:
                self._emit(tracker, data, turn)
                continue
            message = self.responder.render(name, tracker.slots, turn.channel, values)
            if message is None:
                continue
            if data.get("buttons"):
                message["buttons"] = (message.get("buttons") or []) + list(data["buttons"])
            message.update({k: data[k] for k in MESSAGE_FIELDS if k in data})
            self._emit(tracker, message, turn)
