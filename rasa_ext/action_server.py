"""`python -m rasa_ext.action_server <rasa-sdk arguments>`: the action server, without TensorFlow.

spaCy's thinc imports TensorFlow whenever it is installed (Rasa needs it); the safety screen's
rule-based spaCy pipeline does not. Keeping it out of this process saves about 450 MiB and several
seconds of start-up. Only the action server does this, so test runs that also load Rasa are not
affected. The libraries' deprecation warnings are hidden (rasa_ext/quiet.py).
"""

import faulthandler
import sys

from rasa_ext.quiet import hide_deprecations

faulthandler.enable()  # a crash in a C extension prints every thread's Python stack to the log
hide_deprecations()
sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` fail fast

from rasa_sdk.__main__ import main  # noqa: E402

from bot.handoff.migrate import upgrade_database  # noqa: E402
from bot.handoff.store import default_database_url  # noqa: E402
from bot.handoff.worker import start_worker  # noqa: E402
from bot.profile import load_profile  # noqa: E402
from bot.safety import warm_up  # noqa: E402

upgrade_database(default_database_url())  # at start-up, once, before any turn opens the ticket store
start_worker(lambda: load_profile().name)  # staff notifications and the spool, outside the patients' turns
warm_up()  # the safety screen's rules, before the first patient's turn (the learned opinion stays lazy)
main()
