"""The collection-areas feature: the areas every other feature shares, and `bot areas`.

It declares no tables: the areas are imported with the garbage data into the garbage feature's tables.
"""

from bot.features import Feature

from .cli import add_commands

FEATURE = Feature(name="areas", add_commands=add_commands)
