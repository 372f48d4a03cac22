"""The one stable-ABI rule: an abi3 (or abi3t) wheel uses nothing outside the stable ABI of its floor.

Usage: python scripts/stable_abi_audit.py WHEEL...

Runs `abi3audit --strict --report` and reads its findings, allowing exactly one thing abi3audit
does not know yet: PyModExport_<name>, the module export hook of PEP 793 that a 3.15 abi3t
extension defines (abi3audit 0.0.26 predates it, pypa/abi3audit#215). Everything else it reports
(a symbol outside the stable ABI, one newer than the wheel's floor) is a violation.

This is the rule both auditors apply: the audit stage of the release (scripts/audit_wheels.py)
and cibuildwheel's audit step (pyproject.toml's [tool.cibuildwheel] audit-command). cibuildwheel
runs it from the unpacked sdist, in a virtual environment holding only its audit-requires
(abi3audit), so the sdist carries this file, and it needs nothing but the standard library.
Exit codes: 0 every wheel keeps to the stable ABI; 13 one does not, or abi3audit cannot tell;
3 abi3audit is not installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ALLOWED_NON_ABI3_PREFIXES = ("PyModExport_",)  # see the module docstring
EXIT_VIOLATION, EXIT_NO_TOOL = 13, 3  # as scripts/release_errors.py numbers AuditError and UsageError


class StableAbiError(Exception):
    """abi3audit could not audit a wheel; the message says why."""


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
    """Every stable-ABI violation in WHEEL; StableAbiError if abi3audit cannot say."""
    command = [sys.executable, "-m", "abi3audit", "--strict", "--report", str(wheel)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    reason = next((line.strip() for line in reversed(result.stderr.splitlines()) if line.strip()), "no output")
    try:
        audited, problems = abi3_problems(json.loads(result.stdout))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StableAbiError(f"abi3audit failed on {wheel.name}: {reason}") from None
    if audited == 0:
        raise StableAbiError(f"abi3audit audited no extension in {wheel.name}: {reason}")
    return problems


def main() -> int:
    """A line per wheel; on a violation, one line naming the first, and exit code 13."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheels", nargs="+", type=Path, metavar="WHEEL", help="abi3 or abi3t wheels")
    args = parser.parse_args()
    if importlib.util.find_spec("abi3audit") is None:
        print(f"error: abi3audit is not installed for {sys.executable}", file=sys.stderr)
        return EXIT_NO_TOOL
    violations = []
    for wheel in args.wheels:
        try:
            problems = stable_abi_problems(wheel)
        except StableAbiError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_VIOLATION
        print(f"{wheel.name}: {'; '.join(problems) if problems else 'stable ABI only'}", flush=True)
        violations += [f"{wheel.name}: {problem}" for problem in problems]
    if violations:
        print(f"error: stable ABI violation: {violations[0]}", file=sys.stderr)
        return EXIT_VIOLATION
    return 0


if __name__ == "__main__":
    sys.exit(main())
