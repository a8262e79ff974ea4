"""The garbage feature: sorting and collection days from the city's open data (data/garbage.yml)."""

from pathlib import Path

from bot.features import Feature

from .cli import add_commands
from .importers import import_configured

FEATURE = Feature(
    name="garbage",
    models=("services.garbage.models",),
    migrations=Path(__file__).parent / "migrations",
    actions=("services.garbage.actions", "services.garbage.location"),
    add_commands=add_commands,
    setup=import_configured,
)
