"""Keep the libraries' deprecation warnings out of the servers' output.

Rasa 3.6's dependencies (SQLAlchemy, TensorFlow, pkg_resources, pyparsing, click, sanic-cors…) warn
about their own deprecated APIs at every start: a screen of lines in `make shell` and in the
servers' logs that nobody here can act on. A filter from the environment (PYTHONWARNINGS) cannot
quiet them, because Sanic puts `once` for DeprecationWarning at the front of the filters when it is
imported. So the display hook drops the deprecation categories instead. Every other warning (Rasa's
UserWarnings about the model or the configuration) and every log line, errors included, is shown as
before. `-W` or PYTHONWARNINGS turns this off and shows what it asks for (useful before an upgrade).
"""

import sys
import warnings
from typing import TextIO

DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def hide_deprecations() -> None:
    """Called first in each server's entry module, before Rasa, Sanic or TensorFlow is imported."""
    if sys.warnoptions:
        return
    show = warnings.showwarning

    def show_unless_deprecation(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                                file: TextIO | None = None, line: str | None = None) -> None:
        if not issubclass(category, DEPRECATIONS):
            show(message, category, filename, lineno, file, line)

    warnings.showwarning = show_unless_deprecation
