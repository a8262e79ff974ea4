"""The city profile (data/city.yml) and the `{offices.citizens.phone}` placeholders that answers use."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .errors import ConfigError
from .filecache import FileCache

T = TypeVar("T")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+)\}")


def _read(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except FileNotFoundError:
        raise ConfigError(f"The city profile {path} is missing. Copy data/city.yml from the demo city.") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read the city profile {path}: {exc}") from exc
    if not isinstance(data.get("city"), dict) or "name" not in data["city"]:
        raise ConfigError(f"{path}: the city profile needs `city: {{name: ...}}`.")
    return data


_PROFILES = FileCache(_read)


def load_city(data_dir: Path) -> dict:
    """The parsed profile; re-read when the file changes so staff edits apply without a restart."""
    path = os.path.join(data_dir, "city.yml")  # a string: pathlib would cost more than the rest of the call
    return _PROFILES.get([path], path)


def derived(build: Callable[[dict, str], T]) -> Callable[[Path], T]:
    """A view of the profile that is checked or parsed once (`build(profile, path)`, where `path` names the file
    in its errors), rebuilt when data/city.yml changes, like the profile itself."""

    def read(path: str, data_dir: Path) -> T:
        return build(load_city(data_dir), path)

    cache = FileCache(read)

    def get(data_dir: Path) -> T:
        path = os.path.join(data_dir, "city.yml")
        return cache.get([path], path, data_dir)

    return get


def lookup(profile: Mapping[str, Any], dotted: str) -> Any:
    node: Any = profile
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


def fill(template: str, profile: Mapping[str, Any]) -> str:
    """Replace `{a.b.c}` placeholders with profile values; unknown ones raise KeyError naming the key."""
    return PLACEHOLDER.sub(lambda m: str(lookup(profile, m.group(1))), template)


def contact(profile: Mapping[str, Any]) -> dict:
    """The office that takes questions the bot cannot answer."""
    office_id = profile.get("contact", {}).get("office", "general")
    office = profile.get("offices", {}).get(office_id)
    if not office:
        raise ConfigError(f"city.yml: contact.office names `{office_id}`, which is not under offices.")
    return office
