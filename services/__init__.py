"""The city services: each folder is one feature (FAQ, general conversation, garbage, bulky-waste booking,
payments) with its rasa_sdk actions, models, migrations, commands and web pages side by side, declared in its
`feature.py` (see bot/features.py). The engine in `bot/` imports none of them."""
