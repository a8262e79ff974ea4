"""Rasa's EntitySynonymMapper: entity values listed under `synonym:` become their canonical value."""
from __future__ import annotations

from .folding import fold
from .registry import Component, component, read_state, write_state


@component("EntitySynonymMapper")
class EntitySynonymMapper(Component):
    def __init__(self, config, context):
        super().__init__(config, context)
        self.synonyms: dict[str, str] = {}

    def train(self, data, messages):
        self.synonyms = {fold(k): v for k, v in data.synonyms.items()}
        for example in data.examples:
            for ent in example.entities:
                text = example.text[ent["start"]:ent["end"]]
                if ent["value"] != text:
                    self.synonyms[fold(text)] = ent["value"]

    def process(self, message, context):
        for ent in message.entities:
            if isinstance(ent.get("value"), str):
                ent["value"] = self.synonyms.get(fold(ent["value"]), ent["value"])

    def persist(self, directory):
        write_state(directory, {"synonyms": self.synonyms})

    @classmethod
    def load(cls, config, context, directory):
        mapper = cls(config, context)
        mapper.synonyms = dict(read_state(directory)["synonyms"])
        return mapper
