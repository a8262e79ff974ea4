"""The FAQ content as the YAML files hold it (data/faq/*.yml, data/nlu/*.yml): read into plain values, written back.

The files stay the format of record, so writing changes them in place with ruamel.yaml's round-trip mode: an
untouched entry, comment, quote or folded answer comes back byte for byte, and a changed value keeps its style.
Each file is replaced atomically (a reader sees the old file or the new one, never half of it).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from bot.filecache import FileCache

# An entry's fields in the order a new entry is written; every value is text, except the two lists.
FIELDS = (
    "id",
    "domain",
    "intent",
    "sample",  # true: the demo city's own content, to be rewritten by a city that adopts it (`bot city check`)
    "title",
    "answer",
    "keywords",
    "examples",  # the questions this entry answers, in citizens' words (the answer selector reads them)
    "source",
    "reviewed",
    "review_by",
    "basis",
    "effective",
    "related",
)
LIST_FIELDS = ("keywords", "examples", "related")
BOOL_FIELDS = ("sample",)
DATE_FIELDS = ("reviewed", "review_by", "effective")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The two layouts of the files: FAQ entries indented under `entries:`, NLU items at the left margin.
FAQ_INDENT = {"mapping": 2, "sequence": 4, "offset": 2}
NLU_INDENT = {"mapping": 2, "sequence": 2, "offset": 0}


@dataclass(frozen=True)
class Content:
    """Every FAQ entry (id → fields) and every intent's training examples (intent → texts), as in the files."""

    entries: dict[str, dict[str, Any]]
    examples: dict[str, list[str]]
    topics: dict[str, str]  # intent → display title, of every FAQ file
    domains: dict[str, str]  # domain → its file's title


def _yaml(indent: dict[str, int]) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 1_000_000  # never re-wrap a long Japanese line
    yaml.indent(**indent)
    return yaml


def faq_files(data_dir: Path) -> list[Path]:
    return sorted(Path(data_dir, "faq").glob("*.yml"))


def nlu_files(data_dir: Path) -> list[Path]:
    return sorted(Path(data_dir, "nlu").glob("*.yml"))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def blank(key: str) -> Any:
    """The value of a field the entry does not have."""
    return [] if key in LIST_FIELDS else False if key in BOOL_FIELDS else ""


def entry_values(raw: Any) -> dict[str, Any]:
    """An entry's fields as plain values: text (dates as ISO), the lists as lists of text, `sample` as a bool."""
    values: dict[str, Any] = {}
    for key in FIELDS:
        if key in LIST_FIELDS:
            values[key] = [str(v) for v in raw.get(key) or []]
        else:
            values[key] = bool(raw.get(key)) if key in BOOL_FIELDS else _text(raw.get(key))
    return values


def parse_examples(block: Any) -> list[str]:
    """The texts of a Rasa `examples: |` block."""
    return [line.strip()[2:].strip() for line in str(block or "").splitlines() if line.strip().startswith("- ")]


def examples_block(texts: Iterable[str]) -> str:
    return "".join(f"- {t}\n" for t in texts)


def _load(path: Path) -> Any:
    """Reading needs no round trip: libyaml's loader, ten times faster than ruamel's (the same values)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _read(data_dir: Path) -> Content:
    entries: dict[str, dict[str, Any]] = {}
    examples: dict[str, list[str]] = {}
    topics: dict[str, str] = {}
    domains: dict[str, str] = {}
    for path in faq_files(data_dir):
        faq = (_load(path) or {}).get("faq") or {}
        domains[str(faq.get("domain", path.stem))] = str(faq.get("title", path.stem))
        topics.update({str(k): str(v) for k, v in (faq.get("topics") or {}).items()})
        for raw in faq.get("entries") or []:
            entries[str(raw["id"])] = entry_values(raw)
    for path in nlu_files(data_dir):
        for item in (_load(path) or {}).get("nlu") or []:
            if "intent" in item:
                examples.setdefault(str(item["intent"]), []).extend(parse_examples(item.get("examples")))
    return Content(entries, examples, topics, domains)


_CONTENT = FileCache(_read, maxsize=4)


def read(data_dir: Path) -> Content:
    """The content of the files, parsed again only when one of them changed (treat it as read-only)."""
    return _CONTENT.get([*faq_files(data_dir), *nlu_files(data_dir)], Path(data_dir))


def _scalar(old: Any, new: str, key: str) -> Any:
    """`new` in the style `old` had: a date stays an unquoted date, a folded answer stays folded."""
    if key in DATE_FIELDS and ISO_DATE.match(new):
        return dt.date.fromisoformat(new)
    if "\n" in new.strip():
        return LiteralScalarString(new)
    if isinstance(old, str) and type(old) is not str:  # a ruamel style class: folded, literal or quoted
        return type(old)(new)
    if key == "answer":
        return FoldedScalarString(new)
    return new


def _flow(items: list[str]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def update_entry(raw: CommentedMap, values: dict[str, Any]) -> bool:
    """Change the fields of `raw` that differ from `values` in place; True when something changed."""
    current = entry_values(raw)
    changed = False
    for key in FIELDS:
        new = values.get(key, blank(key))
        if new == current[key]:
            continue
        changed = True
        if not new:
            raw.pop(key, None)
        elif key in BOOL_FIELDS:
            _insert(raw, key, True)
        elif key in LIST_FIELDS:
            if isinstance(raw.get(key), CommentedSeq):
                raw[key][:] = list(new)  # keeps its flow style and comments
            else:
                _insert(raw, key, _flow(list(new)))
        else:
            _insert(raw, key, _scalar(raw.get(key), new, key))
    return changed


def _insert(raw: CommentedMap, key: str, value: Any) -> None:
    """Set `key`; a new key goes where FIELDS puts it, before the first later field the entry has."""
    if key in raw:
        raw[key] = value
        return
    later = FIELDS[FIELDS.index(key) + 1 :]
    position = next((i for i, k in enumerate(raw) if k in later), len(raw))
    raw.insert(position, key, value)


def new_entry(values: dict[str, Any]) -> CommentedMap:
    raw = CommentedMap()
    update_entry(raw, values)
    return raw


def _move_trailing_comment(source: CommentedMap, target: CommentedMap) -> None:
    """A comment after an entry's last line (the next group's heading) moves to the entry now in front of it."""
    if not source or not target:
        return
    last_source, last_target = list(source)[-1], list(target)[-1]
    token = source.ca.items.pop(last_source, None)
    if token:
        target.ca.items[last_target] = token


def _dump(yaml: YAML, doc: Any) -> str:
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(
    data_dir: Path,
    entries: dict[str, dict[str, Any] | None],
    examples: dict[str, list[str]],
) -> list[Path]:
    """Write these entries (None: retire it, i.e. remove it from its file) and intents' examples into the files.

    Entries and intents not named are left as they are. A new entry goes after the last entry of its intent in
    its domain's file. Returns the files that changed."""
    changed: list[Path] = []
    pending = dict(entries)
    new = [v for v in entries.values() if v is not None]  # an entry may be new: its domain's file is a candidate
    for path in faq_files(data_dir):
        text = path.read_text(encoding="utf-8")
        if not any(key in text for key in pending) and not any(f"domain: {v['domain']}" in text for v in new):
            continue  # none of this file's entries changes (parsing it costs a second on a busy server)
        yaml = _yaml(FAQ_INDENT)
        doc = yaml.load(text)
        faq = doc.get("faq") if doc else None
        if faq is None:
            continue
        items = faq.get("entries")
        if items is None:
            items = faq["entries"] = CommentedSeq()
        for index in reversed(range(len(items))):
            raw = items[index]
            entry_id = str(raw.get("id"))
            if entry_id not in pending:
                continue
            values = pending.pop(entry_id)
            if values is None:
                if index > 0:
                    _move_trailing_comment(raw, items[index - 1])
                del items[index]
            else:
                update_entry(raw, values)
        domain = str(faq.get("domain", path.stem))
        for entry_id, values in list(pending.items()):
            if values is None or values.get("domain") != domain:
                continue
            pending.pop(entry_id)
            same = [i for i, raw in enumerate(items) if raw.get("intent") == values.get("intent")]
            position = same[-1] + 1 if same else len(items)
            raw = new_entry(values)
            if position > 0:
                _move_trailing_comment(items[position - 1], raw)
            items.insert(position, raw)
        new_text = _dump(yaml, doc)
        if new_text != text:
            _replace(path, new_text)
            changed.append(path)
    unplaced = [k for k, v in pending.items() if v is not None]
    if unplaced:
        raise ValueError(f"no data/faq file of the domain of {unplaced}")
    changed += _write_examples(data_dir, examples)
    return changed


def _write_examples(data_dir: Path, examples: dict[str, list[str]]) -> list[Path]:
    changed = []
    wanted = dict(examples)
    for path in nlu_files(data_dir):
        text = path.read_text(encoding="utf-8")
        if not any(f"intent: {intent}" in text for intent in wanted):
            continue
        yaml = _yaml(NLU_INDENT)
        doc = yaml.load(text)
        for item in (doc or {}).get("nlu") or []:
            intent = str(item.get("intent", ""))
            if intent in wanted:
                texts = wanted.pop(intent)
                if parse_examples(item.get("examples")) != texts:
                    item["examples"] = LiteralScalarString(examples_block(texts))
        new_text = _dump(yaml, doc)
        if new_text != text:
            _replace(path, new_text)
            changed.append(path)
    if wanted:
        raise ValueError(f"no data/nlu file has the intents {sorted(wanted)}")
    return changed
