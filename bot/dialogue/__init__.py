"""Dialogue: tracker state, rules, forms, responses and the processor that ties them together."""
