"""Command handlers, one module per area: each use case loads what it changes, checks, calls, saves."""
