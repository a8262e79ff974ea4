"""Component registry: a decorator declares a component's name and default config where it is defined."""
from __future__ import annotations

from typing import Any, Callable

from ..errors import ConfigError

_COMPONENTS: dict[str, type] = {}


def component(name: str, **defaults: Any) -> Callable[[type], type]:
    def register(cls: type) -> type:
        cls.component_name = name
        cls.defaults = defaults
        _COMPONENTS[name] = cls
        return cls

    return register


def create(name: str, config: dict[str, Any], context: dict[str, Any]):
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


class Component:
    """Lifecycle shared by every component: create → train → process; pickled as part of the pipeline."""

    component_name = ""
    defaults: dict[str, Any] = {}

    def __init__(self, config: dict[str, Any], context: dict[str, Any]):
        self.config = config

    def train(self, data, messages) -> None:
        """Learn from training data; `messages` are the examples already run through earlier components."""

    def process(self, message, context: dict[str, Any]) -> None:
        raise NotImplementedError
