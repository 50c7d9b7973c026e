"""The clinic's contact details: one YAML file, each field overridable from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from bot.paths import CLINIC_CONFIG


@dataclass(frozen=True)
class ClinicProfile:
    """What the assistant tells patients about reaching the clinic."""

    name: str
    phone: str
    hours: str
    website: str
    emergency_number: str

    def as_slots(self) -> dict[str, str]:
        """The profile as the domain's slot names (`clinic_name`, …, `emergency_number`)."""
        return {slot_name(field.name): getattr(self, field.name) for field in fields(self)}


def slot_name(field_name: str) -> str:
    return field_name if field_name == "emergency_number" else f"clinic_{field_name}"


def env_name(field_name: str) -> str:
    return f"CLINIC_{field_name.upper()}"


@lru_cache(maxsize=8)
def read_config(path: Path, _modified_ns: int) -> dict:
    """clinic.yml, parsed once per version of the file: the safety screen reads the profile on
    every message, and an edit still shows at the next one."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_profile(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> ClinicProfile:
    """Read the profile from `path` (default `clinic.yml`, or `$CLINIC_CONFIG`), then apply
    `CLINIC_<FIELD>` environment overrides. A missing or empty field is an error, because a
    patient must never be shown a blank phone number."""
    environ = os.environ if environ is None else environ
    path = Path(path or environ.get("CLINIC_CONFIG") or CLINIC_CONFIG)
    values = read_config(path, path.stat().st_mtime_ns)
    profile = {}
    for field in fields(ClinicProfile):
        value = str(environ.get(env_name(field.name)) or values.get(field.name) or "").strip()
        if not value:
            raise ValueError(
                f"clinic profile: '{field.name}' is empty; set it in {path} or {env_name(field.name)}"
            )
        profile[field.name] = value
    return ClinicProfile(**profile)
