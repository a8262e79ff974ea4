"""The LINE channel on line-bot-sdk 3: webhook (webhook.py) → events → per-chat queue → replies, push notices,
and the table of webhook events already taken in (seen.py). Declared as a feature in feature.py."""
