"""How replies write dates and amounts: the patterns of the city profile's `formats` section, read here only.

A date or an amount inside a reply is a city's convention (「11月25日(水)」, 「1,000円」), so it lives in
data/city.yml beside the other city facts; every feature formats through this module, and a city changes a
pattern without touching code. Patterns are checked when read, so a typo fails with the fields it may use.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from . import city
from .errors import ConfigError

DATE_FIELDS = frozenset({"year", "month", "day", "weekday"})
MONEY_FIELDS = frozenset({"amount"})  # the amount with thousands separators: 1,000


def _fields(where: str, pattern: Any) -> frozenset[str]:
    """The `{name}` fields of a pattern; a field with a format spec, conversion, index or attribute is refused."""
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"{where} must be a text pattern, got {pattern!r}.")
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc} in {pattern!r}; write a literal brace as {{{{ or }}}}.") from None
    names = frozenset(name for _, name, _, _ in parts if name is not None)
    if any(spec or conversion for _, name, spec, conversion in parts if name is not None) or not all(
        name.isidentifier() for name in names
    ):
        raise ConfigError(f"{where}: use plain fields such as {{month}} in {pattern!r}.")
    return names


class Formats:
    """The `formats` section: `weekdays` (Monday first) and named patterns, each of date or of money fields."""

    def __init__(self, section: Any, where: str):
        if not isinstance(section, Mapping):
            raise ConfigError(f"{where}: `formats` is missing: the weekday names and the date and money patterns.")
        weekdays = section.get("weekdays")
        if not isinstance(weekdays, list) or len(weekdays) != 7 or not all(isinstance(w, str) for w in weekdays):
            raise ConfigError(f"{where}: `formats.weekdays` must list the seven weekday names, Monday first.")
        self.weekdays = tuple(weekdays)
        self.patterns: dict[str, tuple[str, frozenset[str]]] = {}  # name → (pattern, its fields)
        for name, pattern in section.items():
            if name == "weekdays":
                continue
            fields = _fields(f"{where}: `formats.{name}`", pattern)
            if not (fields <= DATE_FIELDS or fields <= MONEY_FIELDS):
                raise ConfigError(
                    f"{where}: `formats.{name}` uses {sorted(fields)}; a date pattern may use {sorted(DATE_FIELDS)}, "
                    f"a money pattern {sorted(MONEY_FIELDS)}."
                )
            self.patterns[str(name)] = (pattern, fields)
        self.where = where

    def _pattern(self, name: str, kind: frozenset[str]) -> str:
        entry = self.patterns.get(name)
        if entry is None or not entry[1] <= kind:
            raise ConfigError(f"{self.where}: `formats.{name}` is missing; a pattern of the fields {sorted(kind)}.")
        return entry[0]

    def date(self, day: date, name: str = "date") -> str:
        """`day` written with the pattern `formats.<name>`."""
        return self._pattern(name, DATE_FIELDS).format(
            year=day.year, month=day.month, day=day.day, weekday=self.weekdays[day.weekday()]
        )

    def money(self, amount: int, name: str = "money") -> str:
        """`amount` (yen) written with the pattern `formats.<name>`."""
        return self._pattern(name, MONEY_FIELDS).format(amount=f"{amount:,}")


def _read(profile: dict, path: str) -> Formats:
    return Formats(profile.get("formats"), path)


_load_formats = city.derived(_read)


def load_formats(data_dir: Path) -> Formats:
    """The city's formats; re-read when data/city.yml changes."""
    return _load_formats(data_dir)
