"""The rasa_sdk entry point: `python -m rasa_sdk --actions actions` (and the engine's in-process executor)
import this package, which imports every feature's action modules; rasa_sdk then registers each Action subclass.
The actions themselves live beside their features (services/<feature>/actions*.py, see bot/features.py)."""

from bot.features import import_all

import_all("actions")
