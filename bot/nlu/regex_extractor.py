"""Regex entities (phone number, postal code, booking number) from Rasa `regex:` entries in data/nlu."""
from __future__ import annotations

import re

from .registry import Component, component, read_state, write_state


@component(
    "RegexEntityExtractor",
    # the regex names (as in data/nlu) that become entities; empty means all
    entities=[],
)
class RegexEntityExtractor(Component):
    def __init__(self, config, context):
        super().__init__(config, context)
        self.patterns: dict[str, re.Pattern] = {}

    def train(self, data, messages):
        wanted = set(self.config["entities"]) or set(data.regexes)
        self.patterns = {
            name: re.compile("|".join(f"(?:{p})" for p in pats))
            for name, pats in data.regexes.items() if name in wanted and pats
        }

    def process(self, message, context):
        for name, pattern in self.patterns.items():
            for m in pattern.finditer(message.norm):
                message.add_entity(name, m.start(), m.end(), m.group(0), self.component_name)

    def persist(self, directory):
        write_state(directory, {"patterns": {name: pattern.pattern for name, pattern in self.patterns.items()}})

    @classmethod
    def load(cls, config, context, directory):
        extractor = cls(config, context)
        extractor.patterns = {name: re.compile(p) for name, p in read_state(directory)["patterns"].items()}
        return extractor
