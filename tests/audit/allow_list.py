"""Reading pip-audit's JSON report against the reviewed allow-list (tools/audit/accepted.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.paths import ROOT

ACCEPTED = ROOT / "tools" / "audit" / "accepted.yml"


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]

    def names(self) -> set[str]:
        return {self.id, *self.aliases}

    def describe(self) -> str:
        fixed = f", fixed in {', '.join(self.fix_versions)}" if self.fix_versions else ", no fix released"
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.package} {self.version}: {self.id}{aliases}{fixed}"


def load_accepted(path: Path = ACCEPTED) -> list[dict]:
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("accepted") or []
    for entry in entries:
        missing = [key for key in ("id", "package", "why") if not str(entry.get(key) or "").strip()]
        if missing:
            raise ValueError(f"{path.name}: entry {entry!r} lacks {', '.join(missing)}")
    return entries


def findings(report: dict) -> list[Finding]:
    return [
        Finding(dependency["name"], dependency.get("version", "?"), vuln["id"], tuple(vuln.get("aliases") or ()),
                tuple(vuln.get("fix_versions") or ()))
        for dependency in report.get("dependencies", []) for vuln in dependency.get("vulns") or []
    ]


def not_audited(report: dict) -> list[str]:
    """Why each dependency the service could not be asked about was skipped."""
    return [dependency["skip_reason"] for dependency in report.get("dependencies", []) if dependency.get("skip_reason")]


def unreviewed(report: dict, accepted: list[dict]) -> list[Finding]:
    def is_accepted(finding: Finding) -> bool:
        return any(entry["package"].lower() == finding.package.lower() and entry["id"] in finding.names()
                   for entry in accepted)

    return [finding for finding in findings(report) if not is_accepted(finding)]
