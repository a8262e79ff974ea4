"""Imports every built-in component so the registry knows them."""
from . import classifier, date_extractor, fallback, featurizer, lookup_extractor, regex_extractor  # noqa: F401
from . import synonym_mapper, tokenizer  # noqa: F401
