"""Rasa's FallbackClassifier semantics: low or ambiguous confidence becomes `nlu_fallback`, ranking kept."""

from __future__ import annotations

from .message import Message, RankedIntent
from .registry import Component, ParseContext, component

FALLBACK_INTENT = "nlu_fallback"


def should_fall_back(ranking: list[RankedIntent], threshold: float, ambiguity_threshold: float) -> bool:
    if not ranking:
        return True
    top = ranking[0]["confidence"]
    if top < threshold:
        return True
    return len(ranking) > 1 and top - ranking[1]["confidence"] < ambiguity_threshold


@component(
    "FallbackClassifier",
    threshold=0.3,  # below this top confidence the intent becomes nlu_fallback
    ambiguity_threshold=0.05,  # top two closer than this also fall back
)
class FallbackClassifier(Component):
    def process(self, message: Message, context: ParseContext) -> None:
        if should_fall_back(message.intent_ranking, self.config["threshold"], self.config["ambiguity_threshold"]):
            top: RankedIntent = {"name": FALLBACK_INTENT, "confidence": self.config["threshold"]}
            message.intent = {**top}
            # Rasa puts nlu_fallback on top of the ranking and keeps the rest below it.
            message.intent_ranking = [top, *message.intent_ranking]
