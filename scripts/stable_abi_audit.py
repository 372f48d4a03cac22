"""The one stable-ABI rule: an abi3 (or abi3t) wheel uses nothing outside the stable ABI of its floor.

Usage: python scripts/stable_abi_audit.py WHEEL...

Runs `abi3audit --strict --report` and reads its findings, allowing exactly one thing abi3audit
does not know yet: PyModExport_<name>, the module export hook of PEP 793 that a 3.15 abi3t
extension defines (abi3audit 0.0.26 predates it, pypa/abi3audit#215). Everything else it reports
(a symbol outside the stable ABI, one newer than the wheel's floor) is a violation.

This is the rule both auditors apply: the audit stage of the release (scripts/audit_wheels.py)
and cibuildwheel's audit step (pyproject.toml's [tool.cibuildwheel] audit-command runs this file
from the checkout, in a virtual environment holding only audit-requires, abi3audit): standard
library only, besides abi3audit.
Exit codes: 0 every wheel keeps to the stable ABI; 13 one does not (AuditError); 3 abi3audit missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from project import last_line, run_module
from release_errors import AuditError, run_main

ALLOWED_NON_ABI3_PREFIXES = ("PyModExport_",)  # see the module docstring


def abi3_problems(report: dict[str, Any]) -> tuple[int, list[str]]:
    """How many extensions abi3audit audited, and each one's symbols outside its stable ABI floor."""
    audited, problems = 0, []
    for spec in report.get("specs", {}).values():
        for extension in spec.get("wheel", []):
            audited += 1
            result = extension["result"]
            symbols = [s for s in result["non_abi3_symbols"] if not s.startswith(ALLOWED_NON_ABI3_PREFIXES)]
            if symbols:
                problems.append(f"{extension['name']} uses non-stable-ABI {', '.join(sorted(symbols))}")
            if future := sorted(result["future_abi3_objects"]):
                problems.append(f"{extension['name']} uses {', '.join(future)}, newer than abi3 {result['baseline']}")
    return audited, problems


def stable_abi_problems(wheel: Path) -> list[str]:
    """Every stable-ABI violation in WHEEL; AuditError if abi3audit cannot say."""
    result = run_module("abi3audit", "--strict", "--report", str(wheel))
    try:
        audited, problems = abi3_problems(json.loads(result.stdout))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise AuditError(f"abi3audit failed on {wheel.name}: {last_line(result.stderr)}") from None
    if audited == 0:
        raise AuditError(f"abi3audit audited no extension in {wheel.name}: {last_line(result.stderr)}")
    return problems


def audit_wheels(wheels: list[Path]) -> None:
    """A line per wheel; AuditError naming the first violation."""
    violations = []
    for wheel in wheels:
        problems = stable_abi_problems(wheel)
        print(f"{wheel.name}: {'; '.join(problems) if problems else 'stable ABI only'}", flush=True)
        violations += [f"{wheel.name}: {problem}" for problem in problems]
    if violations:
        raise AuditError(
            f"stable ABI violation: {violations[0]}; use only the limited API in an abi3 build, "
            "or build version-specific"
        )


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheels", nargs="+", type=Path, metavar="WHEEL", help="abi3 or abi3t wheels")
    args = parser.parse_args()
    return run_main(lambda: audit_wheels(args.wheels))


if __name__ == "__main__":
    sys.exit(main())
