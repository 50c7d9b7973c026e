"""Thin Rasa SDK actions: read the tracker, call into `bot`, turn the result into events and
messages. The action server imports every module in this package."""
