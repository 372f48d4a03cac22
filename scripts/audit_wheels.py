"""Release stage 4: every wheel and sdist is intact, compliant and well formed, or nothing is released.

Usage: python scripts/audit_wheels.py [--manylinux-policy POLICY] FILE_OR_DIR...

A directory stands for the *.whl and *.tar.gz files in it. Each file gets these checks, in this
order; when several fail, the error names the first kind (the order is that of their causes):
  integrity   the archive opens and every member passes its CRC-32 (wheel) or gzip check (sdist)
  record      a wheel's RECORD lists every file with its sha256 and size, and nothing else
  auditwheel  Linux wheels: `auditwheel show` finds the wheel consistent with the platform tag in
              its name, which may be no newer than POLICY (default manylinux_2_28)
  abi3audit   wheels tagged abi3: the one stable-ABI rule (scripts/stable_abi_audit.py, which
              cibuildwheel's audit step runs too): `abi3audit --strict` finds no symbol outside
              the stable ABI of the wheel's floor, but for PEP 793's PyModExport_<name>
  twine       every file: `twine check --strict` (the metadata is complete and renders on PyPI)
  contents    wheels: `check-wheel-contents`, with the one package pyo3_showcase at the top, holding
              every file of python/pyo3_showcase (W102 is off: the compiled _native extension is in
              the wheel by design, and in no source tree)
  sbom        wheels: the CycloneDX SBOM maturin writes is valid and agrees with Cargo.lock (that of
              the sdist audited alongside, else the checkout's): scripts/sbom_check.py
Prints one line per file with each check's result (ok, FAILED, n/a, skipped after a corrupt archive).

Exit codes: 0 every file passed; 13 a check failed (AuditError); 3 bad arguments or a missing tool.
"""

from __future__ import annotations

import argparse
import base64
import csv
import gzip
import hashlib
import importlib.util
import io
import json
import os
import re
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sbom_check
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from project import REPO, clean, last_line, run_module
from release_errors import AuditError, UsageError, run_main
from stable_abi_audit import StableAbiError, stable_abi_problems

PACKAGE = "pyo3_showcase"
PACKAGE_SOURCE = REPO / "python" / PACKAGE
# check-wheel-contents' own defaults, plus what builds and imports leave in a source tree.
PACKAGE_OMIT = ".*,CVS,RCS,*.pyc,*.pyo,*.egg-info,__pycache__,*.so,*.pyd"

# Each kind of check, in order: what its failure is called and what to do about it.
CHECKS: dict[str, tuple[str, str]] = {
    "integrity": ("corrupted file", "rebuild it: it is not what a build writes (damaged, truncated or renamed)"),
    "record": ("RECORD mismatch", "rebuild the wheel; never edit a wheel without rewriting its RECORD"),
    "auditwheel": (
        "platform policy violation",
        "build in the manylinux/musllinux image (or with maturin --zig --compatibility) and run auditwheel repair",
    ),
    "abi3audit": ("stable ABI violation", "use only the limited API in an abi3 build, or build version-specific"),
    "twine": ("metadata error", "fix the [project] metadata in pyproject.toml (or Cargo.toml) and rebuild"),
    "contents": ("wheel contents error", "fix [tool.maturin] python-source/include/exclude and rebuild"),
    "sbom": ("SBOM mismatch", "rebuild from the sdist with cargo --locked: the SBOM must describe that build"),
}
WEAK_RECORD_HASHES = {"md5", "sha1"}  # forbidden by the wheel specification
RECORD_SIGNATURES = ("RECORD.jws", "RECORD.p7s")
LINUX_POLICY = re.compile(r"(manylinux|musllinux)_(\d+)_(\d+)_\w+")
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
GLIBC_VERSION = re.compile(r"GLIBC_(\d+)\.(\d+)")
TOOL_ENV = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "400"}


@dataclass(frozen=True)
class CheckResult:
    """One check of one file."""

    check: str  # a key of CHECKS
    status: str  # "ok", "failed", "n/a" (does not apply to this file) or "skipped"
    detail: str = ""


@dataclass(frozen=True)
class AuditReport:
    """Every check of one file."""

    path: Path
    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """Whether no check failed."""
        return all(result.status != "failed" for result in self.results)

    def line(self) -> str:
        """One line: the file name, then each check and how it went."""
        parts = []
        for result in self.results:
            status = "FAILED" if result.status == "failed" else result.status
            detail = f" ({result.detail})" if result.detail and result.status in ("ok", "failed") else ""
            parts.append(f"{result.check} {status}{detail}")
        return f"{self.path.name}: {', '.join(parts)}"


def is_wheel(path: Path) -> bool:
    """Whether PATH is named like a wheel."""
    return path.name.endswith(".whl")


def is_sdist(path: Path) -> bool:
    """Whether PATH is named like an sdist."""
    return path.name.endswith(".tar.gz")


# integrity


def check_integrity(path: Path) -> CheckResult:
    """The archive opens and every member reads back with a matching checksum."""
    try:
        if is_wheel(path):
            parse_wheel_filename(path.name)
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
            if bad is not None:
                return CheckResult("integrity", "failed", f"member {bad} fails its CRC-32 check")
        elif is_sdist(path):
            # tarfile stops at the end-of-archive blocks, before gzip's trailer: read the whole
            # stream first, so its CRC-32 and length are checked, then the tar structure.
            with gzip.open(path) as stream:
                while stream.read(1 << 20):
                    pass
            with tarfile.open(path, "r:gz") as archive:
                archive.getmembers()
        else:
            return CheckResult("integrity", "failed", "neither a wheel (.whl) nor an sdist (.tar.gz)")
    except InvalidWheelFilename as error:
        return CheckResult("integrity", "failed", clean(str(error)))
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError) as error:
        return CheckResult("integrity", "failed", f"unreadable: {clean(str(error)) or type(error).__name__}")
    return CheckResult("integrity", "ok")


# record


def record_problems(archive: zipfile.ZipFile) -> Iterator[str]:
    """Every way the wheel's RECORD disagrees with its files."""
    records = [name for name in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/RECORD", name)]
    if len(records) != 1:
        yield f"{len(records)} .dist-info/RECORD files, not one"
        return
    record_name = records[0]
    signatures = {f"{record_name.rsplit('/', 1)[0]}/{name}" for name in RECORD_SIGNATURES}
    files = {info.filename for info in archive.infolist() if not info.is_dir()} - {record_name} - signatures
    listed: set[str] = set()
    rows = csv.reader(io.StringIO(archive.read(record_name).decode("utf-8")))
    for row in rows:
        if not row or row[0] in {record_name, *signatures}:
            continue
        if len(row) != 3:
            yield f"RECORD line {','.join(row)!r} does not have 3 fields"
            continue
        name, digest, size = row
        listed.add(name)
        if name not in files:
            yield f"RECORD lists {name}, which the wheel does not hold"
            continue
        algorithm, _, expected = digest.partition("=")
        if algorithm in WEAK_RECORD_HASHES or algorithm not in hashlib.algorithms_guaranteed:
            yield f"{name} is recorded with hash {algorithm or 'none'}, which the wheel specification forbids"
            continue
        content = archive.read(name)
        actual = base64.urlsafe_b64encode(hashlib.new(algorithm, content).digest()).rstrip(b"=").decode()
        if actual != expected:
            yield f"{name} does not match its {algorithm} in RECORD"
        elif size and int(size) != len(content):
            yield f"{name} is {len(content)} bytes, RECORD says {size}"
    for name in sorted(files - listed):
        yield f"{name} is not listed in RECORD"


def check_record(path: Path) -> CheckResult:
    """A wheel's RECORD matches its files exactly."""
    if not is_wheel(path):
        return CheckResult("record", "n/a")
    with zipfile.ZipFile(path) as archive:
        problems = list(record_problems(archive))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return CheckResult("record", "failed", problems[0] + more)
    return CheckResult("record", "ok")


# auditwheel


def linux_policy(platform: str) -> tuple[str, int, int] | None:
    """("manylinux", 2, 28) for manylinux_2_28_x86_64 (or manylinux2014_*); None for linux_* or others."""
    if match := LINUX_POLICY.fullmatch(platform):
        return match[1], int(match[2]), int(match[3])
    legacy = platform.split("_", 1)[0]
    if legacy in LEGACY_MANYLINUX:
        return ("manylinux", *LEGACY_MANYLINUX[legacy])
    return None


def policy_name(policy: tuple[str, int, int]) -> str:
    """manylinux_2_28 for ("manylinux", 2, 28)."""
    return f"{policy[0]}_{policy[1]}_{policy[2]}"


def why_not(show: dict[str, Any], claimed: tuple[str, int, int]) -> str:
    """What `auditwheel show --json` found that keeps the wheel out of the CLAIMED policy."""
    if libraries := sorted(show.get("external_libs") or {}):
        return f"links {', '.join(libraries)}, which the {policy_name(claimed)} policy does not allow"
    too_new = sorted(
        {
            f"{version} ({library})"
            for library, versions in (show.get("versioned_symbols") or {}).items()
            for version in versions
            if (match := GLIBC_VERSION.fullmatch(version)) and (int(match[1]), int(match[2])) > claimed[1:]
        }
    )
    if claimed[0] == "manylinux" and too_new:
        return f"needs {', '.join(too_new)}, newer than {policy_name(claimed)} allows"
    reasons = [name for name, flag in (("UCS-2", "ucs2"), ("an ISA extension", "unsupported_isa")) if show.get(flag)]
    return f"uses {' and '.join(reasons)}" if reasons else "uses symbols or libraries its policy does not allow"


def linux_platforms(path: Path) -> list[str]:
    """The platform tags of a Linux wheel's name; none for any other file."""
    if not is_wheel(path):
        return []
    platforms = sorted({tag.platform for tag in parse_wheel_filename(path.name)[3]})
    return platforms if any(p.startswith(("linux", "manylinux", "musllinux")) for p in platforms) else []


def refusal_by_name(platforms: list[str], manylinux_policy: tuple[str, int, int]) -> str | None:
    """Why a wheel's platform tags alone disqualify it, if they do."""
    claims = [linux_policy(platform) for platform in platforms]
    if None in claims:
        return f"tagged {platforms[claims.index(None)]}, which no package index accepts"
    claimed = min(claim for claim in claims if claim is not None)
    if claimed[0] == "manylinux" and claimed[1:] > manylinux_policy[1:]:
        return f"tagged {policy_name(claimed)}, newer than the {policy_name(manylinux_policy)} floor"
    return None


def check_auditwheel(path: Path, manylinux_policy: tuple[str, int, int]) -> CheckResult:
    """A Linux wheel meets the policy in its name, and that policy is no newer than MANYLINUX_POLICY."""
    platforms = linux_platforms(path)
    if not platforms:
        return CheckResult("auditwheel", "n/a")
    if refusal := refusal_by_name(platforms, manylinux_policy):
        return CheckResult("auditwheel", "failed", refusal)
    # The widest claim (the oldest policy in the name) is the one that must hold.
    claimed = min(claim for claim in map(linux_policy, platforms) if claim is not None)
    result = run_module("auditwheel", "show", "--json", str(path), env=TOOL_ENV)
    try:
        show = json.loads(result.stdout)
        overall = linux_policy(show["overall_tag"])
    except (ValueError, KeyError, TypeError):
        return CheckResult("auditwheel", "failed", f"auditwheel show failed: {last_line(result.stderr)}")
    if overall is None or overall[0] != claimed[0] or overall[1:] > claimed[1:]:
        found = f"auditwheel show: consistent with {show['overall_tag']} only"
        return CheckResult("auditwheel", "failed", f"{why_not(show, claimed)} ({found})")
    return CheckResult("auditwheel", "ok", show["overall_tag"])


# abi3audit


def check_abi3audit(path: Path) -> CheckResult:
    """An abi3 wheel's extensions use nothing outside the stable ABI of its floor (stable_abi_audit.py)."""
    if not is_wheel(path) or "abi3" not in {tag.abi for tag in parse_wheel_filename(path.name)[3]}:
        return CheckResult("abi3audit", "n/a")
    if importlib.util.find_spec("abi3audit") is None:
        raise UsageError(f"abi3audit is not installed for {sys.executable}: run through nox, which installs it")
    try:
        problems = stable_abi_problems(path)
    except StableAbiError as error:
        return CheckResult("abi3audit", "failed", str(error))
    return CheckResult("abi3audit", "failed", "; ".join(problems)) if problems else CheckResult("abi3audit", "ok")


# twine and check-wheel-contents


def check_twine(path: Path) -> CheckResult:
    """`twine check --strict` passes: metadata complete, the long description renders."""
    result = run_module("twine", "check", "--strict", str(path), env=TOOL_ENV)
    if result.returncode != 0:
        output = result.stdout + result.stderr
        findings = [clean(line) for line in output.splitlines() if re.search(r"ERROR|WARNING", line)]
        return CheckResult("twine", "failed", findings[0] if findings else last_line(output))
    return CheckResult("twine", "ok")


def check_sbom(path: Path, cargo_lock: str) -> CheckResult:
    """A wheel's SBOM is valid CycloneDX and names only crates Cargo.lock pins, as it pins them."""
    if not is_wheel(path):
        return CheckResult("sbom", "n/a")
    problems = sbom_check.problems_of(path, cargo_lock)
    return CheckResult("sbom", "failed", "; ".join(problems)) if problems else CheckResult("sbom", "ok")


def cargo_lock_of(paths: list[Path]) -> str:
    """The Cargo.lock the wheels were built with: the audited sdist's, else this checkout's."""
    for path in paths:
        if is_sdist(path) and check_integrity(path).status == "ok":
            with tarfile.open(path) as archive:
                member = next(
                    (m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("/Cargo.lock")), None
                )
                if member and (lock := archive.extractfile(member)):
                    return lock.read().decode()
    return (REPO / "Cargo.lock").read_text(encoding="utf-8")


def check_contents(path: Path) -> CheckResult:
    """`check-wheel-contents` passes (see the module docstring for its options)."""
    if not is_wheel(path):
        return CheckResult("contents", "n/a")
    options = ["--no-config", "--toplevel", PACKAGE, "--package", str(PACKAGE_SOURCE), "--package-omit", PACKAGE_OMIT]
    result = run_module("check_wheel_contents", *options, "--ignore", "W102", str(path), env=TOOL_ENV)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).replace(str(path) + ": ", "")
        return CheckResult("contents", "failed", clean(output) or "check-wheel-contents failed")
    return CheckResult("contents", "ok")


# the audit


def parse_policy(manylinux_policy: str) -> tuple[str, int, int]:
    """("manylinux", 2, 28) for "manylinux_2_28"; UsageError for anything else."""
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)", manylinux_policy)
    if not match:
        raise UsageError(f"--manylinux-policy {manylinux_policy}: expected a PEP 600 name such as manylinux_2_28")
    return "manylinux", int(match[1]), int(match[2])


def audit_file(path: Path, *, manylinux_policy: str = "manylinux_2_28", cargo_lock: str = "") -> AuditReport:
    """Every check of one file; an unreadable archive skips the checks that would read it."""
    policy = parse_policy(manylinux_policy)
    cargo_lock = cargo_lock or (REPO / "Cargo.lock").read_text(encoding="utf-8")
    integrity = check_integrity(path)
    if integrity.status == "failed":
        return AuditReport(path, (integrity, *(CheckResult(name, "skipped") for name in list(CHECKS)[1:])))
    later: list[Callable[[Path], CheckResult]] = [
        check_record,
        lambda wheel: check_auditwheel(wheel, policy),
        check_abi3audit,
        check_twine,
        check_contents,
        lambda wheel: check_sbom(wheel, cargo_lock),
    ]
    return AuditReport(path, (integrity, *(check(path) for check in later)))


def raise_for_failures(reports: list[AuditReport]) -> None:
    """AuditError naming the first kind of check that failed, its first file, and what to do."""
    failures = [
        (list(CHECKS).index(result.check), report.path.name, result)
        for report in reports
        for result in report.results
        if result.status == "failed"
    ]
    if failures:
        _, name, result = min(failures, key=lambda failure: failure[0])
        kind, advice = CHECKS[result.check]
        more = f" (and {len(failures) - 1} more failure(s): audit_wheels.py prints every check)" if failures[1:] else ""
        raise AuditError(f"{kind}: {name}: {result.detail}; {advice}{more}")


def audit_each(paths: list[Path], *, manylinux_policy: str = "manylinux_2_28") -> list[AuditReport]:
    """Every file's report, audited side by side (the checks are separate processes)."""
    parse_policy(manylinux_policy)
    cargo_lock = cargo_lock_of(paths)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(
            pool.map(lambda path: audit_file(path, manylinux_policy=manylinux_policy, cargo_lock=cargo_lock), paths)
        )


def audit(paths: list[Path], *, manylinux_policy: str = "manylinux_2_28") -> list[AuditReport]:
    """Audit wheels and sdists; AuditError (one line) if any check fails, else every file's report."""
    if not paths:
        raise AuditError("nothing to audit: no wheel or sdist was given")
    reports = audit_each(paths, manylinux_policy=manylinux_policy)
    raise_for_failures(reports)
    return reports


def expand(arguments: list[Path]) -> list[Path]:
    """The files named, with each directory replaced by its wheels and sdists."""
    paths: list[Path] = []
    for argument in arguments:
        if argument.is_dir():
            paths += sorted(p for p in argument.iterdir() if p.is_file() and (is_wheel(p) or is_sdist(p)))
        else:
            paths.append(argument)
    return paths


def audit_files(files: list[Path], manylinux_policy: str) -> None:
    """Audit FILES (wheels, sdists, directories), a line each; AuditError if any fails."""
    paths = expand(files)
    if not paths:
        raise AuditError(f"nothing to audit: no wheel or sdist in {', '.join(map(str, files))}")
    reports = audit_each(paths, manylinux_policy=manylinux_policy)
    for report in reports:
        print(report.line())
    raise_for_failures(reports)


def main() -> int:
    """Audit the files named on the command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE_OR_DIR", help="wheels, sdists, or directories")
    parser.add_argument("--manylinux-policy", default="manylinux_2_28", help="newest manylinux tag a wheel may carry")
    args = parser.parse_args()
    return run_main(lambda: audit_files(args.files, args.manylinux_policy))


if __name__ == "__main__":
    sys.exit(main())
