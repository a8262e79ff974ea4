"""Checking a YAML mapping's keys, so a typo in a city's data file fails at start-up with the allowed keys."""

from __future__ import annotations

from typing import Any

from .errors import ConfigError


def checked_mapping(where: str, value: Any, allowed: set[str]) -> dict:
    """`value` as a dict (None → {}), or a ConfigError naming `where`, the unknown keys and the allowed ones."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping.")
    unknown = set(value) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}. Allowed: {sorted(allowed)}.")
    return value
