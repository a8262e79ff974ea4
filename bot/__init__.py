"""Rasa-style Japanese chatbot engine for city offices."""

__version__ = "0.1.0"
