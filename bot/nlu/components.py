"""Imports every built-in component so the registry knows them."""

from . import (  # noqa: F401
    classifier,
    date_extractor,
    fallback,
    featurizer,
    lookup_extractor,
    regex_extractor,
    synonym_mapper,
    tokenizer,
)
