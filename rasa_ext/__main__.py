"""`python -m rasa_ext <rasa arguments>`: Rasa's own command line, with rasa_ext.speedups applied."""

from rasa.__main__ import main

from rasa_ext import speedups

speedups.apply()
main()
