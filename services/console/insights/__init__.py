"""The analysts' part of the console (issue 13, points 3 and 4): the unanswered queue, grouped by the NLU's own
features, with one-click remedies, and the dashboard of answer rates, channels, feedback and bookings."""
