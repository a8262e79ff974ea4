"""Bulky-waste (粗大ごみ) pickup booking: fees, dates and capacity, bookings, payments, reminders and staff tools.

Plain functions and one store class; the actions (services/booking/actions/) and connectors only adapt them.
"""
