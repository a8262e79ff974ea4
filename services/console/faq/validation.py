"""What a save must not let through, each refused with a message in Japanese that says what to fix."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import city
from bot.nlu.folding import fold
from bot.training_data import parse_annotated

from .content import DATE_FIELDS

ENTRY_ID = re.compile(r"^[a-z][a-z0-9_]{1,99}$")
REQUIRED = {"title": "見出し", "source": "出典", "basis": "根拠（法令・通知など）", "review_by": "見直し期限"}
LABELS = {
    "answer": "回答",
    "title": "見出し",
    "source": "出典",
    "reviewed": "確認日",
    "effective": "施行日",
    "review_by": "見直し期限",
}


@dataclass(frozen=True)
class World:
    """What an entry is checked against: every other entry and intent as the console has them, and the city."""

    entries: Mapping[str, Mapping[str, Any]]  # live (not retired) entries by id
    examples: Mapping[str, list[str]]  # intent → example texts
    topics: Mapping[str, str]  # intent → title, of the FAQ files
    domains: Mapping[str, str]  # domain → title
    profile: Mapping[str, Any]  # data/city.yml


def check_entry(values: Mapping[str, Any], examples: list[str], world: World, new: bool) -> list[str]:
    """The problems of saving `values` (an entry's fields) and `examples` (its intent's examples); [] when none."""
    problems: list[str] = []
    entry_id = values.get("id", "")
    if new:
        if not ENTRY_ID.match(entry_id):
            problems.append("IDは半角英小文字で始まり、半角英小文字・数字・「_」だけの2〜100文字にしてください。")
        elif entry_id in world.entries:
            problems.append(f"ID「{entry_id}」はすでに使われています。別のIDにしてください。")
    if not str(values.get("answer", "")).strip():
        problems.append("回答が空です。市民に表示する回答を入力してください。")
    problems.extend(f"{label}を入力してください。" for key, label in REQUIRED.items() if not values.get(key))
    if values.get("domain") not in world.domains:
        problems.append(f"分野「{values.get('domain')}」はありません。一覧から選んでください。")
    if values.get("intent") not in world.topics or not str(values.get("intent")).startswith(f"{values.get('domain')}_"):
        problems.append(f"意図「{values.get('intent')}」はこの分野の話題にありません。一覧から選んでください。")
    problems.extend(_placeholders(values, world.profile))
    problems.extend(_dates(values))
    for target in values.get("related") or []:
        if target == entry_id:
            problems.append(f"関連リンク「{target}」はこの項目自身を指しています。")
        elif target not in world.entries:
            problems.append(f"関連リンク「{target}」の先の項目がありません（削除済みか、IDの誤りです）。")
    if not examples:
        problems.append("例文が1つもありません。市民の言い方の例を1行に1つ入力してください。")
    problems.extend(_duplicates(str(values.get("intent")), examples, world.examples))
    return problems


def check_retire(entry_id: str, world: World) -> list[str]:
    """An entry others link to cannot be retired before the links are removed (they would point nowhere)."""
    linking = sorted(k for k, e in world.entries.items() if k != entry_id and entry_id in (e.get("related") or []))
    if linking:
        return [f"この項目は次の項目から関連リンクされています。先にリンクを外してください：{'、'.join(linking)}"]
    return []


def _placeholders(values: Mapping[str, Any], profile: Mapping[str, Any]) -> list[str]:
    problems = []
    for key in ("answer", "title", "source"):
        for match in city.PLACEHOLDER.finditer(str(values.get(key, ""))):
            try:
                city.lookup(profile, match.group(1))
            except KeyError:
                problems.append(
                    f"{LABELS[key]}の差し込み項目「{{{match.group(1)}}}」は市のプロフィール（city.yml）にありません。"
                )
    return problems


def _dates(values: Mapping[str, Any]) -> list[str]:
    problems = []
    for key in DATE_FIELDS:
        value = values.get(key)
        if not value:
            continue
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            problems.append(f"{LABELS[key]}「{value}」は日付（例：2027-04-01）ではありません。")
    return problems


def _duplicates(intent: str, examples: list[str], others: Mapping[str, list[str]]) -> list[str]:
    """Examples that another intent has too (compared folded, as the NLU reads them)."""
    owner = {_key(t): name for name, texts in others.items() if name != intent for t in texts}
    problems = []
    seen: set[str] = set()
    for text in examples:
        key = _key(text)
        if not key:
            continue
        if key in owner:
            problems.append(f"例文「{text}」は別の意図「{owner[key]}」の例文と同じです。どちらか一方にしてください。")
        elif key in seen:
            problems.append(f"例文「{text}」が2回入っています。")
        seen.add(key)
    return problems


def _key(text: str) -> str:
    """An example as the NLU compares it: entity annotations removed, folded."""
    return fold(parse_annotated(text)[0]).strip()
