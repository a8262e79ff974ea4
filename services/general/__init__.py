"""General conversation that belongs to no city service: fallback, out of scope, handoff, capabilities and
leaving a form."""
