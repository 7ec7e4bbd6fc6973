"""The ``fanout`` command-line tool: run, follow, fetch and estimate fan-out jobs."""

__version__ = "0.1.0"
