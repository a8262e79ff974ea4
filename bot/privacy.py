"""Personal data kept out of what is stored for analysis: the turns (text, entities, reply) and the conversation state.

Citizens type phone numbers, e-mail addresses and My Numbers (個人番号) anywhere, and their name and address when a
form asks for them. On save the store masks (1) those patterns wherever they appear, in any width and format,
(2) the values of the slots that domain.yml lists under `personal_slots`, wherever they are echoed, and (3) the
whole message that answered a question for such a slot. An open form still needs its answers until it submits them
(the booking keeps them for staff in its own table), so those slots keep their values in the conversation state
while their form is active, and lose them once it is not. Retention (`privacy.retention_days` in city.yml) and
`python -m bot purge` blank what is left after that many days.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import ConfigError

if TYPE_CHECKING:
    from .domain import Domain

# A top-level key of domain.yml, not a Rasa one: Rasa's domain schema admits extra top-level keys and ignores them
# (a key inside a slot would reach Rasa's Slot() as an unknown argument).
PERSONAL_SLOTS_KEY = "personal_slots"
REQUESTED_SLOT = "requested_slot"

# What analysts read in place of the value: the kind of data, never the data.
PHONE = "[PHONE]"
EMAIL = "[EMAIL]"
MY_NUMBER = "[MY_NUMBER]"
PERSONAL = "[PERSONAL]"

# Full-width ASCII (０-９, ＋, －, ＠, ａ-ｚ ...), the ideographic space and the dashes people type between digits,
# mapped one character to one, so a match in the mapped text is at the same place in the original.
_ASCII = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)},
    0x3000: ord(" "),
    **dict.fromkeys(map(ord, "‐‑‒–—―−ーｰ﹣⁃"), ord("-")),
}
# Between two digits of one number: nothing, a dash or dot (with spaces around), a bracket, or one or two spaces.
_SEP = r"(?:[ \t]*[-.()][ \t]*|[ \t]{1,2})?"
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
# 個人番号: twelve digits, usually written 4-4-4
_MY_NUMBER = rf"(?<![0-9])[0-9]{{4}}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}(?![0-9])"
# +81 90-1234-5678, +81 (0)3 1234 5678, 0081-...: the national number without its 0 (9 or 10 digits)
_PHONE_INTL = rf"(?:\+|(?<![0-9])00)[ \t]*81{_SEP}(?:\(0\){_SEP}|0{_SEP})?[1-9](?:{_SEP}[0-9]){{7,9}}(?![0-9])"
# 090-1234-5678, 03(1234)5678, 0120 123 456: ten or eleven digits from a 0
_PHONE = rf"(?<![0-9])0(?:{_SEP}[0-9]){{9,10}}(?![0-9])"
_PATTERNS = re.compile(
    rf"(?P<email>{_EMAIL})|(?P<my_number>{_MY_NUMBER})|(?P<phone_intl>{_PHONE_INTL})|(?P<phone>{_PHONE})"
)
_MASKS = {"email": EMAIL, "my_number": MY_NUMBER, "phone_intl": PHONE, "phone": PHONE}
# No digit and no @: nothing to mask (most strings), decided without mapping the text.
_CANDIDATE = re.compile(r"[0-9０-９@＠]")
# A reply that repeats this many characters of a personal answer in a row (or all of a shorter one) echoes it.
ECHO_CHARS = 4


def mask_echo(text: str, answer: str) -> str:
    """`text` with every stretch it repeats from `answer` masked: the bot quotes a personal answer it could not use
    (「〇〇」がどの地区か分かりません) after normalising it, so the answer is matched as typed and normalised."""
    forms = {form.strip() for form in (answer, unicodedata.normalize("NFKC", answer), answer.translate(_ASCII))}
    best = None
    for form in forms:
        if len(form) < 2:
            continue
        found = SequenceMatcher(None, text, form, autojunk=False).find_longest_match()
        if found.size >= min(ECHO_CHARS, len(form)) and (best is None or found.size > best.size):
            best = found
    if best is None:
        return text
    end = best.a + best.size
    return mask_echo(text[: best.a], answer) + PERSONAL + mask_echo(text[end:], answer)


def mask_text(text: str, values: Iterable[str] = (), answer: str = "") -> str:
    """`text` with the personal `values` (longest first), the echoes of a personal `answer`, and every phone number,
    e-mail address and My Number replaced by a mark of its kind."""
    if answer:
        text = mask_echo(text, answer)
    for value in values:
        if value in text:
            text = text.replace(value, PERSONAL)
    if not _CANDIDATE.search(text):
        return text
    mapped = text.translate(_ASCII)
    out, end = [], 0
    for match in _PATTERNS.finditer(mapped):
        out += [text[end : match.start()], _MASKS[match.lastgroup or "phone"]]
        end = match.end()
    return "".join([*out, text[end:]]) if out else text


# Identifiers the store keeps in their own columns (a LINE user id may hold ten digits from a 0).
_IDENTIFIERS = frozenset({"recipient_id", "sender_id"})


@dataclass(frozen=True)
class _Scrub:
    """Masks every string inside a value (dict values and list items; not dict keys, not identifiers)."""

    values: tuple[str, ...] = ()
    answer: str = ""

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return mask_text(value, self.values, self.answer)
        if isinstance(value, Mapping):
            return {k: v if k in _IDENTIFIERS else self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


class MaskedTurn(NamedTuple):
    text: str
    entities: list[Any] | None
    reply: list[dict[str, Any]]
    state: dict[str, Any]


@dataclass(frozen=True)
class Masker:
    """What one turn stores for analysis, with the personal data masked. Built once per model (`from_domain`), then
    per message (`answering`); without a domain it masks the patterns only."""

    personal_slots: frozenset[str] = frozenset()
    forms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # the bot had asked for a personal slot: the whole message is the citizen's data
    whole_text: bool = False

    @classmethod
    def from_domain(cls, domain: Domain) -> Masker:
        listed = domain.raw.get(PERSONAL_SLOTS_KEY) or []
        if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
            raise ConfigError(f"domain.yml: `{PERSONAL_SLOTS_KEY}` must be a list of slot names.")
        unknown = sorted(set(listed) - set(domain.slots))
        if unknown:
            raise ConfigError(f"domain.yml: `{PERSONAL_SLOTS_KEY}` names slots that are not declared: {unknown}.")
        return cls(frozenset(listed), {name: tuple(slots) for name, slots in domain.forms.items()})

    def answering(self, slots: Mapping[str, Any], active_loop: str | None) -> Masker:
        """This masker for a message that answers the conversation as it stood (`slots`, `active_loop`)."""
        return replace(self, whole_text=bool(active_loop) and slots.get(REQUESTED_SLOT) in self.personal_slots)

    def answering_state(self, state: Any) -> Masker:
        """`answering` the stored conversation state (None or a damaged one: patterns only)."""
        if not isinstance(state, Mapping) or not isinstance(state.get("slots"), Mapping):
            return replace(self, whole_text=False)
        return self.answering(state["slots"], state.get("active_loop"))

    def text(self, text: str) -> str:
        """The citizen's message as stored."""
        return PERSONAL if self.whole_text and text else mask_text(text)

    def turn(
        self, text: str, entities: list[Any] | None, reply: list[dict[str, Any]], state: dict[str, Any]
    ) -> MaskedTurn:
        """The turn's message, entities, reply and the new conversation state as stored. Personal slot values are
        masked wherever the bot echoed them (summaries, confirmations), and so is a personal answer it quoted."""
        scrub = _Scrub(self._values(state), text if self.whole_text else "")
        return MaskedTurn(self.text(text), self._entities(entities), scrub(reply), self._state(state, scrub))

    # -- helpers ----------------------------------------------------------------------------------------------------
    def _values(self, state: dict[str, Any]) -> tuple[str, ...]:
        """Personal slot values this turn may echo: the current ones and those set during the turn; longest first,
        so a whole address is masked before a part of it."""
        found = {v for k, v in (state.get("slots") or {}).items() if k in self.personal_slots}
        found |= {
            e.get("value")
            for e in state.get("events") or []
            if e.get("event") == "slot" and e.get("name") in self.personal_slots
        }
        strings = {v.strip() for v in found if isinstance(v, str)} - {"", PERSONAL}
        return tuple(sorted(strings, key=len, reverse=True))

    def _entities(self, entities: list[Any] | None) -> list[Any] | None:
        if entities is None or not self.whole_text:
            result: list[Any] | None = _Scrub()(entities)
            return result
        return [
            {k: PERSONAL if k in ("value", "text") else v for k, v in e.items()} if isinstance(e, Mapping) else e
            for e in entities
        ]

    def _state(self, state: dict[str, Any], scrub: _Scrub) -> dict[str, Any]:
        """The state with the personal slots that no open form needs emptied and its history masked. A form paused
        behind another (a question asked mid-form that started a form of its own) is still open: it resumes."""
        out = dict(state)
        open_forms = [state.get("active_loop") or "", *(state.get("paused_loops") or [])]
        active = {slot for form in open_forms for slot in self.forms.get(form, ())}
        out["slots"] = {
            k: None if k in self.personal_slots and k not in active else v
            for k, v in (state.get("slots") or {}).items()
        }
        events = state.get("events") or []
        # The events before this turn's message were masked when they were stored (only slot events can be new
        # there, carried into a new session); masking them again would cost a millisecond a turn for nothing.
        start = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=0)
        out["events"] = [self._event(e, scrub) if i >= start else self._slot(e) for i, e in enumerate(events)]
        if "latest_message" in state:
            out["latest_message"] = self._message(state["latest_message"] or {})
        return out

    def _slot(self, event: dict[str, Any]) -> dict[str, Any]:
        personal = event.get("event") == "slot" and event.get("name") in self.personal_slots
        return {**event, "value": PERSONAL} if personal and event.get("value") is not None else event

    def _event(self, event: dict[str, Any], scrub: _Scrub) -> dict[str, Any]:
        kind = event.get("event")
        if kind == "user":
            return {
                **event,
                "text": self.text(event["text"]) if isinstance(event.get("text"), str) else event.get("text"),
                "parse_data": self._message(event.get("parse_data") or {}),
                "metadata": scrub(event.get("metadata")),
            }
        if kind == "bot":
            return {k: scrub(v) if k in ("text", "data") else v for k, v in event.items()}
        return self._slot(event)

    def _message(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """A parse result (latest_message, a user event's parse_data) with its text and entities masked."""
        out = dict(message)
        if isinstance(out.get("text"), str):
            out["text"] = self.text(out["text"])
        if "entities" in out:
            out["entities"] = self._entities(out["entities"])
        return out


class MaskingFormatter(logging.Formatter):
    """Log lines, tracebacks included, with phone numbers, e-mail addresses and My Numbers masked: no log call of
    ours formats what a citizen typed, but an exception's own message may quote a value it could not use."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


# Patterns only, for callers without a domain (the store's default).
PATTERNS_ONLY = Masker()


def retention_days(profile: Mapping[str, Any]) -> int:
    """`privacy.retention_days` of city.yml: how many days conversations keep their text (a whole number ≥ 1)."""
    days = (profile.get("privacy") or {}).get("retention_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigError(
            f"city.yml: `privacy.retention_days` must be a whole number of days (at least 1), not {days!r}."
        )
    return days
