"""Rasa's EntitySynonymMapper: entity values listed under `synonym:` become their canonical value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Self

from .folding import fold
from .message import Message
from .registry import BuildContext, Component, ComponentConfig, ParseContext, component, read_state, write_state

if TYPE_CHECKING:
    from ..training_data import NluData


@component("EntitySynonymMapper")
class EntitySynonymMapper(Component):
    def __init__(self, config: ComponentConfig, context: BuildContext) -> None:
        super().__init__(config, context)
        self.synonyms: dict[str, str] = {}

    def train(self, data: NluData, messages: list[Message]) -> None:
        self.synonyms = {fold(k): v for k, v in data.synonyms.items()}
        for example in data.examples:
            for ent in example.entities:
                text = example.text[ent["start"] : ent["end"]]
                if ent["value"] != text:
                    self.synonyms[fold(text)] = ent["value"]

    def process(self, message: Message, context: ParseContext) -> None:
        for ent in message.entities:
            if isinstance(ent.get("value"), str):
                ent["value"] = self.synonyms.get(fold(ent["value"]), ent["value"])

    def persist(self, directory: Path) -> None:
        write_state(directory, {"synonyms": self.synonyms})

    @classmethod
    def load(cls, config: ComponentConfig, context: BuildContext, directory: Path) -> Self:
        mapper = cls(config, context)
        mapper.synonyms = dict(read_state(directory)["synonyms"])
        return mapper
