"""Readers for Rasa 3 YAML training data: NLU examples, regexes, lookups, synonyms, rules and test stories.

Every item remembers its file and line so `data validate` can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import TrainingDataError

# [text](entity) and [text]{"entity": "x", "value": "y"}
ENTITY_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]+\}))")


@dataclass
class Example:
    text: str
    intent: str
    entities: list[dict[str, Any]] = field(default_factory=list)  # {entity, start, end, value}
    source: str = ""
    line: int = 0


@dataclass
class NluData:
    examples: list[Example] = field(default_factory=list)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical value

    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})


@dataclass
class Rule:
    name: str
    steps: list[dict[str, Any]]
    condition: list[dict[str, Any]] = field(default_factory=list)
    conversation_start: bool = False
    wait_for_user_input: bool = True
    source: str = ""
    line: int = 0
    step_lines: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) that `from_dict` rebuilds an equal Rule from."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        return cls(**data)


@dataclass
class Story:
    name: str
    steps: list[dict[str, Any]]
    source: str = ""
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """Safe loader that records the line of every mapping as `__line__`."""


class LineDict(dict[Hashable, Any]):
    """A mapping that also knows the line where each of its values starts."""

    value_lines: dict[Hashable, int]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> LineDict:
    mapping = LineDict(yaml.SafeLoader.construct_mapping(loader, node, deep=deep))
    mapping["__line__"] = node.start_mark.line + 1
    # a block scalar's first item sits on the line after its `|`
    mapping.value_lines = {k.value: v.start_mark.line + 1 for k, v in node.value if hasattr(k, "value")}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, with_lines: bool = False) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainingDataError(f"{path}: cannot read the file ({exc}).") from exc
    try:
        return yaml.load(text, Loader=_LineLoader) if with_lines else yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise TrainingDataError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc


def strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


def parse_annotated(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Turn `[スプレー缶](garbage_item)は何ごみ` into plain text plus entity spans."""
    entities, plain, pos = [], [], 0
    for m in ENTITY_ANNOTATION.finditer(text):
        plain.append(text[pos : m.start()])
        start = sum(len(p) for p in plain)
        value = m.group("text")
        if m.group("name"):
            name = m.group("name")
            canonical = value
        else:
            import json

            spec = json.loads(m.group("json"))
            name = spec.get("entity", "")
            canonical = spec.get("value", value)
        plain.append(value)
        entities.append({"entity": name, "start": start, "end": start + len(value), "value": canonical})
        pos = m.end()
    plain.append(text[pos:])
    return "".join(plain), entities


def _list_items(block: str) -> list[str]:
    items = []
    for raw in (block or "").splitlines():
        line = raw.strip()
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif line == "-":
            items.append("")
    return items


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(x for x in p.rglob("*") if x.suffix in (".yml", ".yaml")))
        elif p.exists():
            files.append(p)
    return files


def load_nlu(paths: Iterable[Path]) -> NluData:
    data = NluData()
    for path in yaml_files(paths):
        doc = read_yaml(path, with_lines=True)
        if not isinstance(doc, dict) or "nlu" not in doc:
            continue
        for item in doc["nlu"] or []:
            line = item.get("__line__", 0)
            block = item.get("examples", "")
            if "intent" in item:
                first = getattr(item, "value_lines", {}).get("examples", line)
                for offset, raw in enumerate(_list_items(block), start=1):
                    text, ents = parse_annotated(raw)
                    data.examples.append(Example(text, item["intent"], ents, str(path), first + offset))
            elif "regex" in item:
                data.regexes.setdefault(item["regex"], []).extend(_list_items(block))
            elif "lookup" in item:
                data.lookups.setdefault(item["lookup"], []).extend(_list_items(block))
            elif "synonym" in item:
                for variant in _list_items(block):
                    data.synonyms[variant] = item["synonym"]
            else:
                raise TrainingDataError(f"{path}:{line}: an nlu item needs intent, regex, lookup or synonym.")
    return data


def load_rules(paths: Iterable[Path]) -> list[Rule]:
    rules: list[Rule] = []
    for path in yaml_files(paths):
        doc = read_yaml(path, with_lines=True)
        if not isinstance(doc, dict) or "rules" not in doc:
            continue
        rules.extend(
            Rule(
                name=item.get("rule", ""),
                steps=strip_lines(item.get("steps") or []),
                condition=strip_lines(item.get("condition") or []),
                conversation_start=bool(item.get("conversation_start", False)),
                wait_for_user_input=bool(item.get("wait_for_user_input", True)),
                source=str(path),
                line=item.get("__line__", 0),
                step_lines=[s.get("__line__", 0) if isinstance(s, dict) else 0 for s in item.get("steps") or []],
            )
            for item in doc["rules"] or []
        )
    return rules


def load_stories(paths: Iterable[Path]) -> list[Story]:
    stories: list[Story] = []
    for path in yaml_files(paths):
        doc = read_yaml(path, with_lines=True)
        if not isinstance(doc, dict) or "stories" not in doc:
            continue
        stories.extend(
            Story(item.get("story", ""), strip_lines(item.get("steps") or []), str(path), item.get("__line__", 0))
            for item in doc["stories"] or []
        )
    return stories
