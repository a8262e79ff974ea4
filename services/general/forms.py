"""Leaving a form: 「やめる」 or 「キャンセル」 ends whatever procedure is under way and forgets its answers, and
「戻る」 at a form's only (or first) question goes back to before the form.

「やめる」 reaches the rule for general_cancel because the form slots' free-text mappings exclude that intent
(`not_intent: general_cancel` in domain.yml), so no form ever matches it against its data. 「戻る」 is not
general_cancel (that would end the form): inside a form the free-text mappings take it like any answer and the
form's validator recognises it (`is_back`) before reading the message as an answer, whatever the NLU read. Its own
intent, general_back, only serves outside a form, where a rule (`active_loop: null`) says, as for 「やめる」, that
there is no procedure to leave."""

from __future__ import annotations

import re
import unicodedata
from abc import abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.questions import reads_as_question, reads_as_request
from services.common import previous_turn_events

# 「やめる」 in words the NLU did not read as general_cancel (「申し込みをやめる」), and 「もう大丈夫です」「終わり」
# (read as a goodbye): inside a procedure they stop it, still never an answer.
_QUIT = re.compile(
    r"やめ|中止|キャンセル|最初から|取り?消|もう(大丈夫|だいじょうぶ|いい|結構|けっこう|いらない|十分)"
    r"|^(終わり|おわり|終了|しゅうりょう|リセット)(です|します|にします|で|で(いい|お願い)です?)?[。!！]*$"
)
_BACK = re.compile(r"^(一つ前|ひとつ前|前の質問)|戻る|戻って|戻りたい|戻します|もどる|もどって|前に戻")
MAX_COMMAND_CHARS = 20  # longer messages are answers or questions, not commands
OUT_OF_SCOPE = "general_out_of_scope"
QUIT_BUTTON = "utter_quit_button"


def _command(text: Any) -> str:
    """The text of a message short enough to be a command, else ""."""
    t = unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else ""
    return t if len(t) <= MAX_COMMAND_CHARS and not t.startswith("/") else ""


def is_back(text: Any) -> bool:
    """「戻る」「前に戻って」「ひとつ前」: a short message asking for the previous question."""
    return bool(_BACK.search(_command(text)))


def declined_out_of_scope(tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
    """At a form's question, a typed question or request the NLU reads as another city service's
    (「パスポートを作りたい」「図書館は何時まで開いていますか」) gets the polite decline with the city's contact, as
    outside a form, instead of "that is no date/area". Names and places read as out of scope too, so only what is
    worded as a question or a request counts; the form then asks its question again. True when declined."""
    message = tracker.latest_message or {}
    text = message.get("text")
    if (message.get("intent") or {}).get("name") != OUT_OF_SCOPE or not isinstance(text, str) or text.startswith("/"):
        return False
    if not (reads_as_question(text) or reads_as_request(text)):
        return False
    dispatcher.utter_message(response="utter_out_of_scope")
    return True


def is_quit(text: Any) -> bool:
    """「やめる」「中止」「キャンセル」「最初から」: a short message asking to stop the procedure."""
    return bool(_QUIT.search(_command(text)))


def cancelled_response(domain: DomainDict, loop: str) -> str:
    """What the bot says when `loop` is stopped: the form's own `utter_cancelled_<form>` where stopping needs saying
    more (stopping a booking's cancellation keeps the booking), else utter_cancelled."""
    own = f"utter_cancelled_{loop}"
    return own if own in (domain.get("responses") or {}) else "utter_cancelled"


def quit_events(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, loop: str) -> list[EventType]:
    """A quit the NLU missed, at one of `loop`'s questions: the form ends as action_cancel_form ends it; else []."""
    if not tracker.get_slot("requested_slot") or not is_quit((tracker.latest_message or {}).get("text")):
        return []
    dispatcher.utter_message(response=cancelled_response(domain, loop))
    return leave_form(domain, loop)


def quit_buttons(domain: DomainDict) -> list[dict[str, Any]]:
    """The やめる button (domain.yml `utter_quit_button`), for a question whose action offers choices of its own:
    Rasa puts a response's buttons before the action's, and やめる belongs after the choices."""
    variations = (domain.get("responses") or {}).get(QUIT_BUTTON) or []
    return [dict(b) for v in variations[:1] for b in v.get("buttons") or []]


YES_NO = ("general_affirm", "general_deny")


def _answered_by_yes_or_no(slot: dict[str, Any]) -> bool:
    """Whether a yes or a no fills the slot (a form's confirmation: 「この内容で申し込む」「はい、取り消す」)."""
    return any(m.get("type") == "from_intent" and m.get("intent") in YES_NO for m in slot.get("mappings") or [])


def just_finished(tracker: Tracker, domain: DomainDict) -> bool:
    """Whether the turn before the latest message finished a procedure: a form's yes-or-no question was answered,
    the form ended, and the action that closes it ran (the booking made, the cancellation done). Stopping a form
    (やめる, 戻る) runs no closing action, and a form that ends on another kind of answer asks no yes or no."""
    forms = set(domain.get("forms") or {})
    yes_no = {name for name, slot in (domain.get("slots") or {}).items() if _answered_by_yes_or_no(slot)}
    stage = 0  # 1: a form ran; 2: a yes or no filled its question; 3: the form ended
    for event in previous_turn_events(tracker):
        kind, name = event.get("event"), event.get("name")
        if kind == "action" and name in forms:
            stage = 1
        elif stage == 1 and kind == "slot" and name in yes_no and event.get("value") is not None:
            stage = 2
        elif stage == 2 and kind in ("active_loop", "form") and not name:
            stage = 3
        elif stage == 3 and kind == "action" and name != "action_listen":
            return True
    return False


def leave_form(domain: DomainDict, loop: str) -> list[EventType]:
    """The events that end `loop` and forget its answers."""
    required = ((domain.get("forms") or {}).get(loop) or {}).get("required_slots") or []
    return [ActiveLoop(None), SlotSet("requested_slot", None), *(SlotSet(s, None) for s in required)]


class LeavesOnBack(FormValidationAction):
    """A form validator whose form has no going back of its own (the booking form has: services/booking):
    「戻る」 leaves the form (utter_form_left), back to where the citizen was before it, and a quit the NLU missed
    cancels it."""

    @abstractmethod
    def name(self) -> str:
        """validate_<form>, as every FormValidationAction (abstract here, so rasa_sdk registers only subclasses)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        quit_form = quit_events(dispatcher, tracker, domain, self.form_name())
        if quit_form:
            return quit_form
        text = (tracker.latest_message or {}).get("text")
        if tracker.get_slot("requested_slot") and is_back(text):
            dispatcher.utter_message(response="utter_form_left")
            return leave_form(domain, self.form_name())
        return await super().run(dispatcher, tracker, domain)


class ActionCancelForm(Action):
    def name(self) -> str:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        loop = (tracker.active_loop or {}).get("name")
        if not loop:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
            return []
        dispatcher.utter_message(response=cancelled_response(domain, loop))
        return leave_form(domain, loop)


class ActionInformOutOfContext(Action):
    """A button no open question takes: an old one from a procedure already over, or, inside a form, one of an
    earlier question (the form then asks its own question again)."""

    def name(self) -> str:
        return "action_inform_out_of_context"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        in_form = bool((tracker.active_loop or {}).get("name"))
        dispatcher.utter_message(
            response="utter_inform_not_this_question" if in_form else "utter_inform_out_of_context"
        )
        return []
