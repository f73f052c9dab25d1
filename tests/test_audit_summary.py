"""tools/audit_summary.py: vulnerabilities fail the audit; unaudited dependencies are said aloud."""

import json

from tools.audit_summary import main


def report(tmp_path, *dependencies):
    path = tmp_path / "audit.json"
    path.write_text(json.dumps({"dependencies": list(dependencies), "fixes": []}))
    return str(path)


def test_a_known_vulnerability_fails_the_audit(tmp_path, capsys):
    path = report(
        tmp_path,
        {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.1"]}]},
        {"name": "redis", "version": "7.0", "vulns": []},
    )
    assert main([path]) == 1
    assert "VULNERABLE django 5.2.0: PYSEC-1 (fixed in 5.2.1)" in capsys.readouterr().out


def test_unaudited_dependencies_are_reported_and_fail_only_when_data_is_required(tmp_path, capsys):
    path = report(
        tmp_path,
        {"name": "django", "version": "5.2.19", "skip_reason": "Dependency not found on PyPI"},
        {"name": "redis", "version": "7.0", "vulns": []},
    )
    assert main([path]) == 0
    assert "1 of 2 dependencies audited" in capsys.readouterr().out
    assert main([path, "--require-data"]) == 1
