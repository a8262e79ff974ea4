"""The pipeline: config.yml's ordered component list, trained together, persisted one folder per component."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from ..errors import ConfigError, ModelFormatError
from .message import Message
from .registry import BuildContext, Component, ComponentConfig, ParseContext, component_class, create

if TYPE_CHECKING:
    from ..training_data import NluData


class ComponentEntry(TypedDict):
    """A component in the model's manifest: its name, its folder under the model's `nlu/`, its full config."""

    name: str
    folder: str
    config: ComponentConfig


class Pipeline:
    def __init__(self, components: list[Component], language: str) -> None:
        self.components = components
        self.language = language

    @classmethod
    def from_config(cls, config: dict[str, Any], project_dir: Path) -> Pipeline:
        if config.get("language") != "ja":
            raise ConfigError("config.yml: `language: ja` is required; this pipeline is built for Japanese.")
        entries = config.get("pipeline")
        if not isinstance(entries, list) or not entries:
            raise ConfigError("config.yml: `pipeline:` must be a non-empty list of components.")
        context: BuildContext = {"project_dir": str(project_dir)}
        components = []
        for entry in entries:
            if not isinstance(entry, dict) or "name" not in entry:
                raise ConfigError(f"config.yml: each pipeline entry needs a `name:`; got {entry!r}.")
            options = {k: v for k, v in entry.items() if k != "name"}
            components.append(create(entry["name"], options, context))
        return cls(components, "ja")

    def train(self, data: NluData, progress: Callable[[str], None] = lambda _msg: None) -> None:
        random.seed(0)
        np.random.seed(0)
        messages = [Message.build(e.text) for e in data.examples]
        for i, comp in enumerate(self.components, 1):
            progress(f"[{i}/{len(self.components)}] training {comp.component_name}")
            comp.train(data, messages)

    def parse(self, text: str, now: Callable[[], datetime]) -> Message:
        message = Message.build(text)
        context: ParseContext = {"now": now}
        for comp in self.components:
            comp.process(message, context)
        return message

    def persist(self, directory: Path) -> list[ComponentEntry]:
        """Each component into its own folder `NN_Name` under `directory`; returns the manifest's entries."""
        entries: list[ComponentEntry] = []
        for i, comp in enumerate(self.components):
            folder = f"{i:02d}_{comp.component_name}"
            (Path(directory) / folder).mkdir(parents=True)
            comp.persist(Path(directory) / folder)
            entries.append({"name": comp.component_name, "folder": folder, "config": comp.config})
        return entries

    @classmethod
    def load(cls, entries: list[ComponentEntry], directory: Path, project_dir: Path) -> Pipeline:
        """The pipeline that `persist` wrote; a component this code does not know raises ModelFormatError."""
        context: BuildContext = {"project_dir": str(project_dir)}
        components = []
        for entry in entries:
            comp_cls = component_class(entry["name"])
            if comp_cls is None:
                raise ModelFormatError(
                    directory, f"it has a pipeline component `{entry['name']}` that this code does not know"
                )
            unknown = set(entry["config"]) - set(comp_cls.defaults)
            if unknown:
                raise ModelFormatError(
                    directory,
                    f"component `{entry['name']}` has option(s) {sorted(unknown)} that this code does not know",
                )
            config = {**comp_cls.defaults, **entry["config"]}
            components.append(comp_cls.load(config, context, Path(directory) / entry["folder"]))
        return cls(components, "ja")
