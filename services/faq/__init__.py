"""Answers from the city's FAQ (data/faq/): the best entry within the classified intent, with related topics."""
