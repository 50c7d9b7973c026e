"""The allow-list is well formed, and the check flags exactly the findings nobody reviewed."""

import pytest

from tests.audit.allow_list import load_accepted, not_audited, unreviewed

REPORT = {"dependencies": [
    {"name": "sanic", "version": "21.12.2", "vulns": [
        {"id": "PYSEC-0000-1", "aliases": ["CVE-0000-1"], "fix_versions": ["22.0"]},
        {"id": "GHSA-aaaa-bbbb-cccc", "aliases": [], "fix_versions": []},
    ]},
    {"name": "requests", "version": "2.34.2", "vulns": []},
    {"name": "private-thing", "skip_reason": "Dependency not found on PyPI and could not be audited: private-thing (1.0)"},
]}


def test_the_projects_allow_list_is_well_formed():
    for entry in load_accepted():
        assert entry["id"] and entry["package"] and entry["why"]


def test_every_finding_not_on_the_list_is_flagged():
    assert [f.id for f in unreviewed(REPORT, [])] == ["PYSEC-0000-1", "GHSA-aaaa-bbbb-cccc"]


def test_a_finding_is_accepted_by_its_id_or_an_alias_for_that_package_only():
    accepted = [{"id": "CVE-0000-1", "package": "Sanic", "why": "reviewed"},
                {"id": "GHSA-aaaa-bbbb-cccc", "package": "requests", "why": "wrong package"}]
    assert [f.id for f in unreviewed(REPORT, accepted)] == ["GHSA-aaaa-bbbb-cccc"]


def test_skipped_dependencies_are_reported():
    assert not_audited(REPORT) == [REPORT["dependencies"][2]["skip_reason"]]


def test_an_entry_without_a_reason_is_refused(tmp_path):
    path = tmp_path / "accepted.yml"
    path.write_text("accepted:\n  - id: PYSEC-0000-1\n    package: sanic\n")
    with pytest.raises(ValueError, match="why"):
        load_accepted(path)
