"""The one list of features: each city service and channel declares what it adds, and the engine loops over them.

A feature is a `Feature` value published under the `citybot.features` entry-point group (pyproject.toml), so
the engine, the store and the NLU name no feature: the app factory, the CLI, the migrations, the action
package and the notifiers all ask `features()`. Adding a feature: write its package with a `feature.py` that
builds a `Feature`, and add one line to `[project.entry-points."citybot.features"]`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from argparse import ArgumentParser, _SubParsersAction

    from flask import Flask

    from .notify import Notifier
    from .settings import Settings

GROUP = "citybot.features"


@dataclass(frozen=True)
class NluLookups:
    """Names a feature's data gives the NLU's lookup tables (Rasa `lookup:` entries), read from the city's data
    folder when the model is trained, so a city's own names are found without copying them into data/nlu."""

    # the files the names are read from: a change to any of them makes the model stale (cheap: no parsing)
    files: Callable[[Settings], list[Path]]
    # entity → names, added to the training data's lookup tables
    tables: Callable[[Settings], Mapping[str, list[str]]]


@dataclass(frozen=True)
class CityCheck:
    """One thing `bot city check` reports: where a city still holds demo or sample values."""

    where: str  # the file (and key or line) to change
    what: str  # what is left over, and what to do about it


@dataclass(frozen=True)
class Feature:
    """What one feature adds; every field is optional, so a feature declares only what it has."""

    name: str
    # modules declaring ORM models on bot.store.models.Base (imported for Alembic and create_all)
    models: tuple[str, ...] = ()
    # folder of this feature's Alembic revisions (one history across all features)
    migrations: Path | None = None
    # modules holding rasa_sdk Action classes (imported by the `actions` package)
    actions: tuple[str, ...] = ()
    # Flask wiring: registers blueprints and extensions on the app
    init_app: Callable[[Flask], None] | None = None
    # adds sub-commands: add_commands(subparsers, settings_factory)
    add_commands: Callable[[_SubParsersAction[ArgumentParser], Callable[[], Settings]], None] | None = None
    # `bot setup` step: loads the city's data for this feature, idempotent; returns a summary to print
    setup: Callable[[Settings], object] | None = None
    # channel name → factory(settings) of a notifier that reaches that channel's users outside a turn
    notifiers: Mapping[str, Callable[[Settings], Notifier]] = field(default_factory=dict)
    # start-up check of this feature's configuration against the settings (say, what production forbids): raises
    # ConfigError saying why, and the server does not start (connectors.create_app calls it before anything else)
    check: Callable[[Settings], None] | None = None
    # lookup-table names from this feature's data, for the NLU (bot.model trains with them)
    nlu_lookups: NluLookups | None = None
    # `bot city check`: what of this feature's data still holds the demo city's or sample values
    city_check: Callable[[Settings], list[CityCheck]] | None = None


@cache
def features() -> tuple[Feature, ...]:
    """Every installed feature, in the order of their names (stable for migrations and CLI help)."""
    found = []
    for ep in entry_points(group=GROUP):
        value = ep.load()
        if not isinstance(value, Feature):
            raise ConfigError(f"Entry point {ep.name} = {ep.value} in group {GROUP} is not a bot.features.Feature.")
        found.append(value)
    if not found:
        raise ConfigError(
            f"No features are installed (entry-point group {GROUP}). Run `make install` "
            "(pip install -e .) in the project folder."
        )
    return tuple(sorted(found, key=lambda f: f.name))


def import_all(attribute: str) -> list[Any]:
    """Import every module that the features list under `attribute` (`models` or `actions`)."""
    return [importlib.import_module(name) for f in features() for name in getattr(f, attribute)]
