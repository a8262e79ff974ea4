"""Lookup-table entities: names from Rasa `lookup:` entries and from open-data CSV columns (names and readings).

Matching runs on folded text (width, case and kana folded) and prefers the longest match, because Japanese has
no spaces and Python's `\\b` never fires inside it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING, Self

from ..errors import ConfigError
from .folding import fold
from .message import Message
from .registry import BuildContext, Component, ComponentConfig, ParseContext, component, read_state, write_state

if TYPE_CHECKING:
    from ..training_data import NluData

_QUALIFIER = re.compile(r"[（(【\[].*?[）)】\]]")


def name_variants(name: str) -> set[str]:
    """`傘（金属製）` is also found as `傘`; `・`-joined names such as `ビン・缶` as each part."""
    base = fold(name).strip()
    out = {base, _QUALIFIER.sub("", base).strip()}
    for part in re.split(r"[・、/／]", _QUALIFIER.sub("", base)):
        out.add(part.strip())
    return {v for v in out if v}


def read_table(path: Path, columns: list[str]) -> list[tuple[str, str]]:
    """(alias, canonical name) pairs: the first column is the name, the others (readings) are aliases of it."""
    pairs = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            name = (row.get(columns[0]) or "").strip()
            if name:
                pairs += [(row[c].strip(), name) for c in columns if (row.get(c) or "").strip()]
    return pairs


@component(
    "LookupEntityExtractor",
    # extra tables from CSV files: [{entity, file, columns}], paths relative to the project; a missing file fails.
    # A city's own names need none: features add theirs from the data folder (garbage items and areas, bot.model)
    tables=[],
    min_length=2,  # shorter names match inside too many words
    min_kana_length=3,  # kana-only names (readings) must be longer still
)
class LookupEntityExtractor(Component):
    def __init__(self, config: ComponentConfig, context: BuildContext) -> None:
        super().__init__(config, context)
        self.project_dir = Path(context["project_dir"])
        self.index: dict[str, dict[str, str]] = {}  # entity -> folded key -> canonical value
        self.max_len = 0

    def _add(self, entity: str, pairs: list[tuple[str, str]]) -> None:
        table = self.index.setdefault(entity, {})
        for alias, name in pairs:
            for key in name_variants(alias):
                kana_only = all("\u3040" <= ch <= "\u309f" or ch == "ー" for ch in key)
                if len(key) < self.config["min_length"] or (kana_only and len(key) < self.config["min_kana_length"]):
                    continue
                table.setdefault(key, name)
                self.max_len = max(self.max_len, len(key))

    def train(self, data: NluData, messages: list[Message]) -> None:
        for entity, names in data.lookups.items():
            self._add(entity, [(n, n) for n in names])
        for i, table in enumerate(self.config["tables"]):
            path = self.project_dir / table["file"]
            if not path.is_file():
                raise ConfigError(
                    f"config.yml: LookupEntityExtractor `tables[{i}]` names the file {table['file']}, but there is no "
                    f"file at {path} (paths are relative to the project folder, BOT_PROJECT_DIR)."
                )
            self._add(table["entity"], read_table(path, table["columns"]))

    def process(self, message: Message, context: ParseContext) -> None:
        folded = fold(message.norm)
        if len(folded) != len(message.norm):  # folding never changes length after NFKC; guard anyway
            return
        for entity, table in self.index.items():
            i = 0
            while i < len(folded):
                for j in range(min(len(folded), i + self.max_len), i, -1):
                    if folded[i:j] in table:
                        message.add_entity(entity, i, j, table[folded[i:j]], self.component_name)
                        i = j
                        break
                else:
                    i += 1

    def persist(self, directory: Path) -> None:
        write_state(directory, {"index": self.index, "max_len": self.max_len})

    @classmethod
    def load(cls, config: ComponentConfig, context: BuildContext, directory: Path) -> Self:
        extractor = cls(config, context)
        state = read_state(directory)
        extractor.index, extractor.max_len = state["index"], int(state["max_len"])
        return extractor
