"""The engine behind every connector: one channel-neutral `handle_message` call per user message.

A conversation is the pair (channel, sender id): each channel names its users in its own namespace, so a LINE
user id sent to the REST webhook opens a REST conversation, never the LINE user's.
"""

from __future__ import annotations

import gc
import logging
import threading
import zlib
from datetime import datetime, timedelta
from typing import Any

import yaml

from . import city as city_profile
from . import outbox
from .clock import clock
from .dialogue.executor import make_executor
from .dialogue.processor import Processor
from .dialogue.responses import Responder
from .dialogue.rules import RulePolicy
from .dialogue.tracker import Tracker
from .errors import ConfigError
from .formats import load_formats
from .input import check_metadata, check_sender, clean, parse_payload
from .model import Model, ModelHolder
from .privacy import Masker
from .questions import split_questions, topic_domain
from .settings import Settings
from .store import state_size
from .store.db import wait_until_reachable
from .store.migrate import upgrade
from .store.tracker_store import ConcurrentUpdate, TrackerStore

log = logging.getLogger(__name__)
LOCK_STRIPES = 256
# Each question of a message asking several is answered on its own only when the NLU reads it at least this surely
# (chosen on the dev sets: below it, follow-ups such as 「予約いりますか」 read as other topics).
SEVERAL_QUESTIONS_CONFIDENCE = 0.85
APOLOGY = "utter_error"  # the domain's reply when a turn fails


class Agent:
    """Everything that depends on one trained model, swapped as a unit on reload."""

    def __init__(self, model: Model, executor, profile_loader):
        self.model = model
        self.domain = model.domain
        self.responder = Responder(model.domain.responses, profile_loader)
        fallback = (
            next(
                (
                    p.get("core_fallback_action_name")
                    for p in model.config.get("policies") or []
                    if p.get("name") == "RulePolicy"
                ),
                None,
            )
            or "action_default_fallback"
        )
        self.processor = Processor(model.domain, RulePolicy(model.rules), executor, self.responder, fallback)
        self.intents = set(model.domain.intents)
        self.masker = Masker.from_domain(model.domain)


def read_endpoints(settings: Settings) -> dict:
    if not settings.endpoints_file.exists():
        return {}
    try:
        return yaml.safe_load(settings.endpoints_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"Cannot read {settings.endpoints_file}: {exc}") from exc


class Engine:
    def __init__(self, settings: Settings, watch: bool = False):
        self.settings = settings
        self.now = clock(settings)
        self.profile = lambda: city_profile.load_city(settings.data_dir)
        self.now()  # fail at start-up, not on the first request: reads the city profile and its time zone
        load_formats(settings.data_dir)  # and the date and money patterns of its replies
        self.executor = make_executor(read_endpoints(settings))
        wait_until_reachable(settings.database_url, settings.db_startup_timeout)
        upgrade(settings.database_url)
        self.store = TrackerStore(settings.database_url)
        self.holder = ModelHolder(settings, on_load=self._swap)
        self._last_resort = self._startup_apology()
        if watch:
            self.holder.watch()
        # Striped locks: one conversation's messages are handled one at a time, in a bounded set of locks.
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def _swap(self, model: Model) -> None:
        self.agent = Agent(model, self.executor, self.profile)
        # The model is long-lived: move it out of the collector's sight, so full collections stay short and
        # no request stalls behind one (measured: 75-125 ms pauses down to 10-15 ms).
        gc.collect()
        gc.freeze()

    def reload_model(self) -> bool:
        """Swap in the model `models/current` names now, not at the watcher's next tick (say, right after a
        training the console started); requests in flight finish on the agent they took. True when swapped."""
        return self.holder.check()

    def _lock(self, channel: str, sender_id: str) -> threading.Lock:
        return self._locks[zlib.crc32(f"{channel}\0{sender_id}".encode()) % LOCK_STRIPES]

    # -- NLU -----------------------------------------------------------------------------------------
    def parse(self, text: str, agent: Agent | None = None) -> dict:
        agent = agent or self.agent
        payload = parse_payload(text, agent.intents)
        if payload:
            return payload
        return agent.model.pipeline.parse(text, self.now).as_parse_data()

    # -- dialogue ------------------------------------------------------------------------------------
    def _tracker(self, agent: Agent, sender_id: str, channel: str, now: datetime) -> tuple[Tracker, int]:
        state, last_active, version = self.store.load(sender_id, channel)
        if state is None:
            tracker = Tracker.new(sender_id, agent.domain)
            tracker.apply({"event": "session_started"})
            return tracker, version
        tracker = Tracker.from_state(state, agent.domain)
        expiry = timedelta(minutes=agent.domain.session_expiration_minutes)
        if agent.domain.session_expiration_minutes > 0 and last_active and now - _aware(last_active, now) > expiry:
            kept = dict(tracker.slots) if agent.domain.carry_over_slots else {}
            tracker = Tracker.new(sender_id, agent.domain, session_id=tracker.session_id + 1)
            tracker.apply({"event": "session_started"})
            for name, value in kept.items():
                if value is not None and name != "requested_slot":
                    tracker.apply({"event": "slot", "name": name, "value": value})
        return tracker, version

    def handle_message(
        self, sender_id: str, text: str, channel: str = "rest", metadata: dict | None = None
    ) -> list[dict]:
        """Process one message of the conversation (`channel`, `sender_id`) and return the bot's replies as Rasa REST
        messages (plus `turn_id`). A sender id or metadata that cannot be stored raises InputError."""
        check_sender(sender_id)
        metadata = check_metadata(metadata, self.settings.max_metadata_bytes, self.settings.max_metadata_depth)
        agent = self.agent
        cleaned = clean(text or "", self.settings.max_message_chars)
        now = self.now()
        with self._lock(channel, sender_id):
            for attempt in range(3):
                try:
                    return self._turn(agent, sender_id, cleaned, channel, metadata, now)
                except ConcurrentUpdate:
                    log.warning(
                        "conversation %s on %s changed underneath; retrying (attempt %d)",
                        sender_id,
                        channel,
                        attempt + 1,
                    )
                except Exception:
                    log.exception("turn failed for a message on channel %s", channel)
                    break
            # The conversation state stays as it was; the message and the apology are kept for analysts.
            apology = self._apology(agent)
            masker = agent.masker.answering_state(self.store.load(sender_id, channel)[0])
            turn_id = self.store.save_failed_turn(
                sender_id, channel, cleaned.text, cleaned.truncated, now, [apology], masker
            )
            return [self._rest_message(sender_id, apology, turn_id)]

    def _turn(self, agent: Agent, sender_id, cleaned, channel, metadata, now) -> list[dict]:
        tracker, version = self._tracker(agent, sender_id, channel, now)
        masker = agent.masker.answering(tracker.slots, tracker.active_loop)  # what the bot asked before this message
        prefix: list[dict | None] = []
        messages: list[dict | None]
        name = cleaned.unreadable_response
        if name:
            parse = {
                "text": cleaned.text,
                "intent": {"name": None, "confidence": 0.0},
                "intent_ranking": [],
                "entities": [],
            }
            reply = agent.responder.render(name, tracker.slots, channel)
            if reply is None:
                raise ConfigError(f"domain.yml has no response `{name}`")
            tracker.apply({"event": "user", "text": cleaned.text, "parse_data": parse, "input_channel": channel})
            tracker.apply({"event": "action", "name": name})
            tracker.apply({"event": "bot", "text": reply["text"]})
            again = agent.processor.ask_again(tracker, channel)
            messages = [reply, *again.messages]
            actions, unanswered = [name, *again.actions], True
            tracker.apply({"event": "action", "name": "action_listen"})
        else:
            if cleaned.truncated:
                prefix.append(
                    agent.responder.render(
                        "utter_message_truncated",
                        tracker.slots,
                        channel,
                        {"max_chars": self.settings.max_message_chars},
                    )
                )
            parse = self.parse(cleaned.text, agent)
            messages, actions, unanswered = [], [], False
            for one in self._questions(cleaned.text, parse, tracker, agent):
                result = agent.processor.handle(tracker, one, channel, metadata)
                messages += result.messages
                actions += result.actions
                unanswered = unanswered or result.unanswered
        replies = [m for m in [*prefix, *messages] if m]
        # One transaction stores the turn and the new state before anything is acknowledged.
        turn_id = self.store.save_turn(
            sender_id,
            channel,
            cleaned.text,
            cleaned.truncated,
            state_size.fit(tracker.to_state(), self.settings.max_state_bytes),
            version,
            now,
            parse,
            actions,
            [self._rest_message(sender_id, m, None) for m in replies],
            unanswered,
            masker,
        )
        return [self._rest_message(sender_id, m, turn_id) for m in replies]

    def _questions(self, text: str, parse: dict, tracker: Tracker, agent: Agent) -> list[dict]:
        """The parses to answer, in order: one per question when the message asks two or three things that the NLU
        reads, each on its own and with confidence, as topics of different domains (bot/questions.py); else the
        whole message's.
        Inside a form the message answers (or digresses from) its question as a whole."""
        parts = [] if tracker.active_loop else split_questions(text)
        parses = [self.parse(p, agent) for p in parts]
        domains = [topic_domain(p["intent"]["name"] or "") for p in parses]
        confident = all(p["intent"]["confidence"] >= SEVERAL_QUESTIONS_CONFIDENCE for p in parses)
        distinct = None not in domains and len(set(domains)) == len(domains)
        return parses if parses and confident and distinct else [parse]

    def _startup_apology(self) -> dict:
        """The domain's apology rendered once at start-up: a domain without it fails here, not on a failed turn."""
        message = self.agent.responder.render(APOLOGY, {}, "rest")
        if not message or not message.get("text"):
            raise ConfigError(
                f"{self.settings.domain_file} needs a text response `{APOLOGY}`: the reply when a turn fails."
            )
        return message

    def _apology(self, agent: Agent) -> dict:
        """The domain's apology as of now; when even that cannot be rendered (the city profile is unreadable
        mid-edit, a reloaded model's domain lacks it), the one rendered at start-up, so the citizen still gets a
        polite reply and no reply text sits in code."""
        try:
            message = agent.responder.render(APOLOGY, {}, "rest")
        except Exception:  # noqa: BLE001 - whatever failed the turn may fail this too: still answer politely
            message = None
        return message or self._last_resort

    @staticmethod
    def _rest_message(sender_id: str, message: dict, turn_id: int | None) -> dict:
        out: dict[str, Any] = {"recipient_id": sender_id}
        out.update({k: v for k, v in message.items() if k != "response"})
        if turn_id is not None:
            out["turn_id"] = turn_id
        return out

    def record_feedback(self, sender_id: str, turn_id: int, value: str, channel: str = "rest") -> bool:
        return self.store.record_feedback(sender_id, turn_id, value, self.now(), channel)

    def warm_up(self) -> int:
        """Run each distinct rule once on a scratch conversation that is never stored, so the actions' caches
        (FAQ index, garbage index, ...) are built before a citizen has to wait for them. Returns turns run."""
        agent = self.agent
        seen, turns = set(), 0
        for rule in agent.processor.rules.rules:
            if not rule.intents or tuple(rule.actions) in seen or rule.prefix or rule.loop_condition[0]:
                continue
            seen.add(tuple(rule.actions))
            intent = min(rule.intents)
            tracker = Tracker.new("warm-up", agent.domain)
            try:
                agent.processor.handle(tracker, parse_payload(f"/{intent}", agent.intents) or {}, "warm-up")
                turns += 1
            except Exception:  # a warm-up failure must never stop the server; the real turn will report it
                log.exception("warm-up of %s failed", intent)
        gc.collect()
        gc.freeze()
        return turns

    def pending_messages(self, sender_id: str, channel: str) -> list[dict]:
        """Notices queued for a web user while away (reminders), as REST messages; each is handed out once."""
        return [
            {"recipient_id": sender_id, "text": m["text"], **({"custom": m["custom"]} if m.get("custom") else {})}
            for m in outbox.fetch(self.settings.database_url, sender_id, now=self.now(), channel=channel)
        ]

    def forget(self, sender_id: str, channel: str = "rest") -> bool:
        with self._lock(channel, sender_id):
            return self.store.forget(sender_id, channel)

    def forget_personal_data(self, channel: str, sender_id: str) -> int:
        """The citizen left (LINE unfollow): drop the conversation and blank its turns' text, entities, replies and
        sender id. Returns the number of turns blanked."""
        with self._lock(channel, sender_id):
            return self.store.forget_personal_data(sender_id, channel)

    def readiness(self) -> str | None:
        """Why this engine cannot answer now (no model, no database), or None when it can."""
        if getattr(self, "agent", None) is None:
            return "no model is loaded"
        try:
            self.store.ping()
        except Exception as exc:  # noqa: BLE001 - whatever the driver raises, the answer is "not ready"
            log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
            return "the database does not answer"
        return None

    def close(self) -> None:
        self.holder.stop()


def _aware(value: datetime, like: datetime) -> datetime:
    """SQLite returns naive datetimes; treat them as the clock's zone."""
    return value if value.tzinfo else value.replace(tzinfo=like.tzinfo)
