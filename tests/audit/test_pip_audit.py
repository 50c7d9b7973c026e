"""pip-audit over requirements.lock: no known vulnerability that is not on the reviewed allow-list.

pip-audit runs from its own locked venv (.venv-audit, tools/audit/requirements.lock): its
dependencies conflict with Rasa 3.6's pins. It asks PyPI's vulnerability API about every pinned
package; if that service cannot be reached, the test fails and says so, it never passes silently.
Run with `make audit` (the default `make test` deselects the `audit` marker; see docs/hardening.md).
"""

import json
import subprocess

import pytest

from bot.paths import ROOT
from tests.audit.allow_list import load_accepted, not_audited, unreviewed

pytestmark = pytest.mark.audit

VENV = ROOT / ".venv-audit"


@pytest.fixture(scope="module")
def pip_audit() -> str:
    """The tool venv, created or brought up to date from its lock (a no-op when current)."""
    subprocess.run(["bash", "scripts/setup.sh", str(VENV), "tools/audit/requirements.lock"], cwd=ROOT, check=True)
    return str(VENV / "bin" / "pip-audit")


def test_no_unreviewed_known_vulnerabilities(pip_audit, tmp_path):
    report_path = tmp_path / "audit.json"
    command = [pip_audit, "-r", "requirements.lock", "--no-deps", "--disable-pip", "--vulnerability-service", "pypi",
               "--format", "json", "--output", str(report_path), "--progress-spinner", "off"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if not report_path.is_file():
        pytest.fail(f"pip-audit did not produce a report (exit {result.returncode}):\n{result.stderr[-3000:]}")
    report = json.loads(report_path.read_text())
    skipped = not_audited(report)
    if skipped:
        pytest.fail(
            f"the vulnerability service could not be asked about {len(skipped)} of {len(report['dependencies'])} "
            f"pinned packages, so the audit is incomplete (is PyPI's JSON API reachable from here?). "
            f"First: {skipped[0]}"
        )
    new = unreviewed(report, load_accepted())
    assert not new, "known vulnerabilities not on tools/audit/accepted.yml:\n" + "\n".join(f.describe() for f in new)
