"""What a queued question can become, through the services that own each kind of content: training examples and
FAQ entries through FAQ curation (drafts that staff publish), garbage items and synonyms through the garbage
feature's staff edits. Each returns the problems that stopped it ([] when done), in Japanese, for the page.
`curation` has taken in the files' own changes first (Curation.sync), so examples are added to what the files hold,
edits made in git included."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.errors import BotError
from bot.nlu.folding import fold
from bot.settings import Settings
from services.console.faq.models import EXAMPLES
from services.console.faq.service import Curation
from services.garbage import edit
from services.garbage.config import load_config


def _folded(text: str) -> str:
    return fold(text).strip()


def add_training_examples(curation: Curation, intent: str, texts: Sequence[str], actor: str) -> list[str]:
    """Add `texts` to `intent`'s examples as a draft (staff publish it with the FAQ); texts the intent already has
    are skipped, a text another intent has is refused."""
    world = curation.world()
    current = world.examples.get(intent)
    if not current:
        return [f"意図「{intent}」はありません。一覧から選んでください。"]
    owners = {_folded(t): name for name, examples in world.examples.items() if name != intent for t in examples}
    problems = [f"例文「{t}」は別の意図「{owners[_folded(t)]}」の例文です。" for t in texts if _folded(t) in owners]
    if problems:
        return problems
    have = {_folded(t) for t in current}
    new = [t for t in dict.fromkeys(texts) if _folded(t) not in have]
    if new:
        curation.versions.save(EXAMPLES, intent, [*current, *new], actor)
    return []


def create_faq_entry(curation: Curation, values: dict[str, Any], texts: Sequence[str], actor: str) -> list[str]:
    """A new FAQ entry (a draft) on an existing intent, the questions added to that intent's examples; checked by
    FAQ curation like any new entry."""
    intent = str(values.get("intent", ""))
    current = curation.examples(intent)
    have = {_folded(t) for t in current}
    examples = [*current, *(t for t in dict.fromkeys(texts) if _folded(t) not in have)]
    values = {**values, "domain": intent.split("_", 1)[0]}
    return curation.save(values, examples, actor, new=True)


MAX_NAME = 100  # characters of an item name or a synonym (the garbage tables keep 200)
TOO_LONG = f"品目名・別名は{MAX_NAME}文字以内にしてください。"


def add_garbage_item(settings: Settings, name: str, category: str) -> list[str]:
    """A staff item in the city's garbage list (garbage feature: source "staff", answered before imports)."""
    if len(name) > MAX_NAME:
        return [TOO_LONG]
    try:
        edit.add_item(settings.database_url, load_config(settings.data_dir), name, category)
    except BotError:
        return ["品目名を入力し、分別区分を一覧から選んでください。"]
    return []


def add_garbage_synonym(settings: Settings, item: str, synonym: str) -> list[str]:
    """Let `synonym` find the existing item `item`."""
    if max(len(item), len(synonym)) > MAX_NAME:
        return [TOO_LONG]
    try:
        edit.add_synonym(settings.database_url, item, synonym)
    except BotError:
        return [f"品目「{item}」はありません。ごみの品目名を正確に入力してください。"]
    return []


def garbage_categories(settings: Settings) -> dict[str, str]:
    """The city's categories (id → local name), for the item form."""
    return dict(load_config(settings.data_dir).categories)
