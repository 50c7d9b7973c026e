"""`python -m rasa_ext <rasa arguments>`: Rasa's own command line, with rasa_ext's patches applied
first (rasa_ext/patches.py: the Rasa release is checked, and `CLINIC_SPEEDUPS=off` leaves out the
speed patches; the safety patches (a down action server, a paused conversation) are always applied),
and the libraries' deprecation warnings hidden (rasa_ext/quiet.py)."""

from rasa_ext.quiet import hide_deprecations

hide_deprecations()

from rasa.__main__ import main  # noqa: E402

from rasa_ext.patches import apply_all  # noqa: E402

apply_all()
main()
