"""Rasa adapted for the clinic: the REST channel, the tracker and lock stores, and two speed-ups.

`credentials.yml` and `endpoints.yml` name these classes by module path. Servers are started with
`python -m rasa_ext …` (Rasa's own command line, with the speed-ups applied first).
"""
