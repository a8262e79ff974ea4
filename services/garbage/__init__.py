"""Garbage sorting and collection days from a city's own open data.

importers (standard / 5374 / mapping / yaml) → tables in models → service builds the in-memory index
(lookup, normalize) and areas (schedule) → answers chooses the replies that services/garbage/actions.py sends.
cli adds `bot import garbage`, `bot export garbage` and `bot garbage ...`; data/garbage.yml configures it.
"""
