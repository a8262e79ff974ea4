"""Custom actions on rasa_sdk. Every Action subclass in this package is registered by rasa_sdk's executor,
in-process or on `python -m rasa_sdk --actions actions`."""
