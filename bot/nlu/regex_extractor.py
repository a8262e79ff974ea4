"""Regex entities (phone number, postal code, booking number) from Rasa `regex:` entries in data/nlu."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Self

from .message import Message
from .registry import BuildContext, Component, ComponentConfig, ParseContext, component, read_state, write_state

if TYPE_CHECKING:
    from ..training_data import NluData


@component(
    "RegexEntityExtractor",
    # the regex names (as in data/nlu) that become entities; empty means all
    entities=[],
)
class RegexEntityExtractor(Component):
    def __init__(self, config: ComponentConfig, context: BuildContext) -> None:
        super().__init__(config, context)
        self.patterns: dict[str, re.Pattern[str]] = {}

    def train(self, data: NluData, messages: list[Message]) -> None:
        wanted = set(self.config["entities"]) or set(data.regexes)
        self.patterns = {
            name: re.compile("|".join(f"(?:{p})" for p in pats))
            for name, pats in data.regexes.items()
            if name in wanted and pats
        }

    def process(self, message: Message, context: ParseContext) -> None:
        for name, pattern in self.patterns.items():
            for m in pattern.finditer(message.norm):
                message.add_entity(name, m.start(), m.end(), m.group(0), self.component_name)

    def persist(self, directory: Path) -> None:
        write_state(directory, {"patterns": {name: pattern.pattern for name, pattern in self.patterns.items()}})

    @classmethod
    def load(cls, config: ComponentConfig, context: BuildContext, directory: Path) -> Self:
        extractor = cls(config, context)
        extractor.patterns = {name: re.compile(p) for name, p in read_state(directory)["patterns"].items()}
        return extractor
