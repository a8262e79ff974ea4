"""The FAQ feature: its actions answer every domain intent from data/faq/."""

from bot.features import Feature

FEATURE = Feature(name="faq", actions=("services.faq.actions",))
