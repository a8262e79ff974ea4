"""Component registry: a decorator declares a component's name and default config where it is defined."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypedDict, TypeVar

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError
from .message import Message

if TYPE_CHECKING:
    from ..training_data import NluData

# A component's options: its defaults overridden by its config.yml entry (YAML values, so untyped).
ComponentConfig = dict[str, Any]


class BuildContext(TypedDict, total=False):
    """What a component is created with: paths in its config are relative to `project_dir` (the pipeline sets it;
    a component that reads no file can be created without it)."""

    project_dir: str


class ParseContext(TypedDict, total=False):
    """What one parse passes to every component; empty while training."""

    now: Callable[[], datetime]


C = TypeVar("C", bound="Component")
_COMPONENTS: dict[str, type[Component]] = {}


def component(name: str, **defaults: Any) -> Callable[[type[C]], type[C]]:
    def register(cls: type[C]) -> type[C]:
        cls.component_name = name
        cls.defaults = defaults
        _COMPONENTS[name] = cls
        return cls

    return register


def create(name: str, config: ComponentConfig, context: BuildContext) -> Component:
    """Build a component from its config.yml entry; unknown names or keys fail with the allowed ones."""
    from . import components  # noqa: F401  (registers every built-in component)

    cls = _COMPONENTS.get(name)
    if cls is None:
        raise ConfigError(f"config.yml: unknown pipeline component `{name}`. Known: {', '.join(sorted(_COMPONENTS))}.")
    unknown = set(config) - set(cls.defaults)
    if unknown:
        raise ConfigError(
            f"config.yml: component `{name}` has unknown key(s) {sorted(unknown)}. Allowed: {sorted(cls.defaults)}."
        )
    return cls({**cls.defaults, **config}, context)


def component_class(name: str) -> type[Component] | None:
    """The registered class of a component name, or None when this code has no such component."""
    from . import components  # noqa: F401  (registers every built-in component)

    return _COMPONENTS.get(name)


# What components persist: small state as JSON, arrays as a NumPy .npz. Never pickle, so a model file
# cannot run code when loaded and does not depend on class or module names. Changing what a component
# writes means bumping bot.model.MODEL_FORMAT.
STATE_FILE = "state.json"
ARRAYS_FILE = "arrays.npz"


def write_state(directory: Path, state: dict[str, Any]) -> None:
    (Path(directory) / STATE_FILE).write_text(
        json.dumps(state, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


def read_state(directory: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((Path(directory) / STATE_FILE).read_text(encoding="utf-8"))
    return state


def write_arrays(directory: Path, **arrays: NDArray[Any]) -> None:
    with open(Path(directory) / ARRAYS_FILE, "wb") as fh:
        np.savez(fh, allow_pickle=False, **{k: np.asarray(v) for k, v in arrays.items()})


def read_arrays(directory: Path) -> dict[str, NDArray[Any]]:
    with np.load(Path(directory) / ARRAYS_FILE, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


class Component:
    """Lifecycle shared by every component: create → train → process, and persist → load for the model file.

    `persist` writes what training learned into the component's own folder of the model; the class method
    `load` rebuilds an equal component from it (Rasa's GraphComponent persist/load, spaCy's to_disk/from_disk).
    A component whose behaviour is all in its config (kept in the model's manifest) writes nothing.
    """

    component_name: ClassVar[str] = ""
    defaults: ClassVar[ComponentConfig] = {}

    def __init__(self, config: ComponentConfig, context: BuildContext) -> None:
        self.config = config

    def train(self, data: NluData, messages: list[Message]) -> None:
        """Learn from training data; `messages` are the examples already run through earlier components."""

    def process(self, message: Message, context: ParseContext) -> None:
        raise NotImplementedError

    def persist(self, directory: Path) -> None:
        """Write the trained state into `directory` (it exists and is empty); nothing by default."""

    @classmethod
    def load(cls, config: ComponentConfig, context: BuildContext, directory: Path) -> Self:
        """The trained component that `persist` wrote into `directory`; by default, its config is all it needs."""
        return cls(config, context)
