"""Regex entities (phone number, postal code, booking number) from Rasa `regex:` entries in data/nlu."""
from __future__ import annotations

import re

from .registry import Component, component


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
