"""The general-conversation feature: fallback, out-of-scope, handoff, capabilities and cancelling a form."""

from bot.features import Feature

FEATURE = Feature(name="general", actions=("services.general.actions", "services.general.forms"))
