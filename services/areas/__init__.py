"""Collection areas (地区): the one list that garbage days, bulky-waste bookings and LINE locations share.

directory reads the areas the city's garbage sources import (table garbage_areas) and says so when there are
none yet; matching finds the area a typed name or an address means; cli adds `bot areas`. Each feature keeps its
own facts per area (the garbage feature its collection days, the booking feature its capacity) keyed by name.
"""
