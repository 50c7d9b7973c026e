"""Shared test support: trackers for action tests (trackers.py), waiting for a condition
(waiting.py), and handoff databases at the latest schema (stores.py)."""
