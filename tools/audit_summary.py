"""Summarise a `pip-audit --format json` report: fail on any known vulnerability, and say
plainly how many dependencies could not be audited (a registry without vulnerability data,
or no network) instead of letting "No known vulnerabilities found" stand for them.

    python tools/audit_summary.py var/pip-audit.json [--require-data]

--require-data also fails when a dependency could not be audited (for a networked CI).
"""

import json
import sys


def main(argv: list[str]) -> int:
    path = argv[0]
    require_data = "--require-data" in argv
    with open(path) as report_file:
        report = json.load(report_file)
    dependencies = report.get("dependencies", [])
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    print(f"pip-audit: {audited} of {len(dependencies)} dependencies audited, {len(vulnerable)} vulnerable")
    if skipped:
        print(
            f"pip-audit: NOT AUDITED: {len(skipped)} dependencies, e.g. {skipped[0]['name']}: "
            f"{skipped[0]['skip_reason']}"
        )
    if vulnerable or (require_data and skipped):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
