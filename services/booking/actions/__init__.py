"""The booking feature's rasa_sdk actions: the booking form (form.py) and managing a booking (manage.py),
thin adapters over services.booking; what both need is in context.py."""
