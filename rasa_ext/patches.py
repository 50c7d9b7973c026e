"""Every change rasa_ext makes to Rasa's own code at start-up, in one place (see rasa_ext/PATCHES.md).

The patches replace private Rasa methods, so they are applied only to the Rasa release they were
written and tested against; any other release stops the server with a clear error rather than
run patched code on internals that may have changed. The speed patches can be turned off with
`CLINIC_SPEEDUPS=off` (the servers then run Rasa's own code paths, only slower); the safety patches
(the reply when the action server is down, a paused conversation staying paused) and the worker
layout are always applied.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Callable, Mapping

log = logging.getLogger(__name__)

WRITTEN_FOR_RASA = "3.6.21"
SPEEDUPS_ENV = "CLINIC_SPEEDUPS"


@dataclass(frozen=True)
class Patch:
    name: str
    replaces: str
    apply: Callable[[], None]
    speed: bool  # False: always applied (the safety patches, and the worker layout servers rely on)


class UnsupportedRasa(RuntimeError):
    """The installed Rasa is not the release the patches were written for."""


def all_patches() -> list[Patch]:
    from rasa_ext import action_fallback, count_vectors, graph_runner, paused, speedups, workers

    return [
        Patch("action_fallback", "rasa.core.actions.action.RemoteAction.run", action_fallback.apply, speed=False),
        Patch("paused", "rasa.core.processor.MessageProcessor._should_handle_message", paused.apply, speed=False),
        Patch("speedups", "RemoteAction._validate_action_result, Event.resolve_by_type, Domain.is_empty",
              speedups.apply, speed=True),
        Patch("graph_runner", "rasa.core.processor.DaskGraphRunner", graph_runner.apply, speed=True),
        Patch("count_vectors", "CountVectorsFeaturizer._create_features", count_vectors.apply, speed=True),
        # Not a speed patch: the servers' readiness check and per-worker routing rely on it.
        Patch("workers", "sanic.app.serve_multiple", workers.apply, speed=False),
    ]


def speedups_enabled(environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(SPEEDUPS_ENV, "on").strip().lower()
    if value not in ("on", "off", ""):
        raise ValueError(f"{SPEEDUPS_ENV} must be 'on' or 'off', not {value!r}")
    return value != "off"


def check_rasa_version(installed: str) -> None:
    if installed != WRITTEN_FOR_RASA:
        raise UnsupportedRasa(
            f"rasa_ext's patches were written for Rasa {WRITTEN_FOR_RASA}, and Rasa {installed} is installed. "
            "Install the locked release (make setup), or review each patch in rasa_ext/PATCHES.md "
            "against the new release before changing WRITTEN_FOR_RASA in rasa_ext/patches.py.")


def selected(patches: list[Patch], environ: Mapping[str, str] | None = None) -> list[Patch]:
    on = speedups_enabled(environ)
    return [patch for patch in patches if on or not patch.speed]


def apply_all(environ: Mapping[str, str] | None = None) -> list[str]:
    """Check the Rasa release, then apply the selected patches; returns their names."""
    from rasa import __version__

    check_rasa_version(__version__)
    chosen = selected(all_patches(), environ)
    for patch in chosen:
        patch.apply()
    if not speedups_enabled(environ):
        log.warning("%s=off: Rasa's own code paths, without rasa_ext's speed patches", SPEEDUPS_ENV)
    return [patch.name for patch in chosen]
