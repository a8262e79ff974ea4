"""The NLU pipeline: components declared in config.yml, run in order on each message."""
