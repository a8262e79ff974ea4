"""FAQ curation without HTTP: what the console pages and commands call.

Saving keeps a new version in the database (a draft); publishing writes every draft into the YAML files, retrains
when examples changed and swaps the new model in at once. The files stay the format of record: `sync` takes in
what was edited in git.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import city
from bot.clock import clock
from bot.nlu.folding import fold
from bot.settings import Settings, environment_for
from services.console import audit
from services.faq import index as faq_index

from . import content, validation
from .models import ENTRY, EXAMPLES
from .versions import RETIRE, Version, Versions

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"  # an entry's status in the console
_PUBLISHING = threading.Lock()  # one publish at a time per process: each writes the files and may train


@dataclass(frozen=True)
class EntryState:
    """An entry as the console shows it: its newest version and what that means."""

    version: Version
    status: str  # DRAFT (saved, not yet in the files), PUBLISHED or RETIRED
    due: bool  # past its review_by date

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.version.content)


@dataclass
class Published:
    entries: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    trained: bool = False
    seconds: float = 0.0  # the whole publish
    training_seconds: float = 0.0  # of which the training (its own process) and the model swap


class Curation:
    def __init__(self, settings: Settings, reload_model: Callable[[], bool] = lambda: False):
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self.versions = Versions(settings.database_url)
        self.reload_model = reload_model
        self.now = clock(settings)

    def sync(self, actor: str) -> int:
        """Take in the files' changes made outside the console (git); how many versions that added."""
        return self.versions.sync(content.read(self.data_dir), actor)

    def today(self) -> dt.date:
        return self.now().date()

    def entries(self) -> dict[str, EntryState]:
        today = self.today().isoformat()
        states = {}
        for key, v in self.versions.latest(ENTRY).items():
            status = RETIRED if v.retired else PUBLISHED if v.published_at else DRAFT
            review_by = str(v.content.get("review_by") or "")
            states[key] = EntryState(v, status, status != RETIRED and bool(review_by) and review_by < today)
        return states

    def examples(self, intent: str) -> list[str]:
        v = self.versions.latest(EXAMPLES).get(intent)
        return list(v.content) if v else []

    def files(self) -> content.Content:
        return content.read(self.data_dir)

    def world(self) -> validation.World:
        files = self.files()
        live = {k: s.values for k, s in self.entries().items() if s.status != RETIRED}
        examples = {k: list(v.content) for k, v in self.versions.latest(EXAMPLES).items()}
        return validation.World(live, examples, files.topics, files.domains, city.load_city(self.data_dir))

    def save(self, values: dict[str, Any], examples: list[str], actor: str, new: bool) -> list[str]:
        """Check, then keep a new version of the entry and of its intent's examples; the problems otherwise."""
        values = {k: values.get(k, content.blank(k)) for k in content.FIELDS}
        examples = teaching(examples, values["examples"])
        problems = validation.check_entry(values, examples, self.world(), new)
        if problems:
            return problems
        self.versions.save(ENTRY, values["id"], values, actor)
        self.versions.save(EXAMPLES, values["intent"], list(examples), actor)
        return []

    def retire(self, entry_id: str, actor: str) -> list[str]:
        state = self.entries().get(entry_id)
        if state is None or state.status == RETIRED:
            return ["この項目はありません（すでに削除済みです）。"]
        problems = validation.check_retire(entry_id, self.world())
        if not problems:
            self.versions.save(ENTRY, entry_id, state.version.content, actor, RETIRE, retired=True)
        return problems

    def rollback(self, kind: str, key: str, number: int, actor: str) -> list[str]:
        """Bring back version `number` as a new draft, checked like a save (its links may point nowhere now)."""
        old = next((v for v in self.versions.history(kind, key) if v.number == number), None)
        if old is None:
            return ["その版はありません。"]
        if kind == ENTRY:
            values = dict(old.content)
            world = self.world()
            problems = (
                validation.check_retire(key, world)
                if old.retired
                else validation.check_entry(values, self.examples(values["intent"]), world, new=False)
            )
            if problems:
                return problems
        self.versions.rollback(kind, key, number, actor)
        return []

    def publish(self, actor: str) -> Published:
        """Write every draft into the files, retrain if examples changed and swap the model in; audited.

        The files are the record: once written, the drafts count as published even if the training then fails
        (TrainingFailed; the old model keeps answering, and `bot train --if-stale` catches up)."""
        with _PUBLISHING:
            started = time.perf_counter()
            pending = self.versions.pending()
            result = Published()
            if not pending:
                return result
            entries = {v.key: None if v.retired else dict(v.content) for v in pending if v.kind == ENTRY}
            examples = {v.key: list(v.content) for v in pending if v.kind == EXAMPLES}
            changed = content.write(self.data_dir, entries, examples)
            faq_index.load(self.data_dir)  # rebuilt here, so citizens' requests find the new answers ready
            self.versions.mark_published(v.id for v in pending)
            result.entries, result.intents = sorted(entries), sorted(examples)
            result.files = [path.name for path in changed]
            try:
                if any(path.parent == Path(self.data_dir, "nlu") for path in changed):
                    training = time.perf_counter()
                    train(self.settings)
                    self.reload_model()
                    result.trained = True
                    result.training_seconds = round(time.perf_counter() - training, 3)
            finally:
                result.seconds = round(time.perf_counter() - started, 3)
                audit.record_now(self.settings.database_url, actor, "faq.publish", "faq", None, result.__dict__)
            return result


def teaching(examples: list[str], questions: list[str]) -> list[str]:
    """An intent's examples with the questions of one of its entries added: what an entry answers also teaches
    its intent (as in the demo's files). A question the intent already has, however written, is not added."""
    have = {fold(t).strip() for t in examples}
    return [*examples, *(q for q in dict.fromkeys(questions) if fold(q).strip() not in have)]


def train(settings: Settings) -> None:
    """`bot train` on these settings in a process of its own, which makes the new model current: the server's
    interpreter is not held by the training, and the training's memory goes with its process."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "train"],
        env=environment_for(settings),
        cwd=settings.project_dir,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise TrainingFailed(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "bot train failed")


class TrainingFailed(RuntimeError):
    pass


def try_it(parse: Callable[[str], dict[str, Any]], data_dir: Path, text: str) -> dict[str, Any]:
    """How `text` is understood now: the engine's parse (`parse`, its public API) and the FAQ entry that answers it."""
    result = parse(text)
    intent = (result.get("intent") or {}).get("name") or ""
    entry = faq_index.load(data_dir).best(intent, text) if intent else None
    return {
        "intent": intent,
        "confidence": float((result.get("intent") or {}).get("confidence") or 0.0),
        "ranking": (result.get("intent_ranking") or [])[:5],
        "entry": entry,
    }
