"""The garbage feature: sorting and collection days from the city's open data (data/garbage.yml)."""

from pathlib import Path

from bot.features import Feature, NluLookups

from . import nlu_tables
from .citycheck import city_check
from .cli import add_commands
from .config import check
from .importers import import_configured

FEATURE = Feature(
    name="garbage",
    models=("services.garbage.models",),
    migrations=Path(__file__).parent / "migrations",
    actions=("services.garbage.actions", "services.garbage.location"),
    add_commands=add_commands,
    setup=import_configured,
    nlu_lookups=NluLookups(files=nlu_tables.files, tables=nlu_tables.tables),
    city_check=city_check,
    check=check,
)
