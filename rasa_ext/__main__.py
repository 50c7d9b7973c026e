"""`python -m rasa_ext <rasa arguments>`: Rasa's own command line, with rasa_ext's patches applied
(rasa_ext.speedups, rasa_ext.graph_runner, rasa_ext.count_vectors, rasa_ext.workers for evenly
loaded Sanic workers, and rasa_ext.action_fallback for when the action server is down)."""

from rasa.__main__ import main

from rasa_ext import action_fallback, count_vectors, graph_runner, speedups, workers

speedups.apply()
graph_runner.apply()
count_vectors.apply()
workers.apply()
action_fallback.apply()
main()
