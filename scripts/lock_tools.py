"""Lock the dependency groups each job and session installs: locks/<groups>.txt, with every file's sha256.

Usage: python scripts/lock_tools.py [--check]

Which sets of groups: those something installs with scripts/install_tools.py: the workflows' steps,
noxfile.py's SESSION_GROUPS, the test environments (the "test" group) and the build tools' own
environment (the "build" group, scripts/build_tools.py). Each set is resolved by
`uv pip compile --universal --generate-hashes` for every Python the tools run on (3.11 and newer;
the test group from 3.10), into locks/GROUP+GROUP.txt: pinned versions and hashes, no index URL.
An existing lock is uv's starting point, so re-locking changes only what must change. pyproject.toml
pins each tool (dependabot proposes new pins); `uv run noxfile.py -s lock` then re-locks.

--check (offline, in the lint session): a lock exists for every set and no other; each pins every
tool of its groups at pyproject.toml's version, and every pin has a hash.
Exit codes: 0 locked (or current); 3 a lock is missing, stale or unreadable, or uv failed (UsageError).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys

from project import REPO, last_line, run_tool, uv_program
from release_errors import UsageError, run_main
from release_matrix import matrix

if sys.version_info >= (3, 11):
    import tomllib
else:  # the release tools run on 3.11+; tomli is tomllib's backport for anyone still on 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

LOCKS = REPO / "locks"
INSTALL_STEP = re.compile(r"scripts/install_tools\.py ((?:[\w-]+ ?)+)")
TEST_GROUPS = ("test",)  # what scripts/test_wheels.py installs into each test environment
BUILD_GROUPS = ("build",)  # maturin and zig, in the one environment every zig build uses (build_wheels.py)
# The oldest Python the suite runs on (wheels.toml's oldest interpreter); every tool runs on 3.11+.
SUITE_PYTHON = f"3.{min(kind.minor for kind in matrix().interpreters)}"
TOOLS_PYTHON = "3.11"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def lock_name(groups: tuple[str, ...]) -> str:
    """The lock file of a set of groups: locks/build+test-wheels.txt."""
    return "+".join(sorted(groups)) + ".txt"


def installed_sets() -> set[tuple[str, ...]]:
    """Every set of groups something installs (sorted tuples)."""
    sets: set[tuple[str, ...]] = {TEST_GROUPS, BUILD_GROUPS}
    for workflow in (REPO / ".github" / "workflows").glob("*.yml"):
        sets |= {tuple(sorted(found.split())) for found in INSTALL_STEP.findall(workflow.read_text(encoding="utf-8"))}
    noxfile = ast.parse((REPO / "noxfile.py").read_text(encoding="utf-8"))
    for node in noxfile.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "SESSION_GROUPS" and node.value:
            sets |= {tuple(sorted(groups)) for groups in ast.literal_eval(node.value).values() if groups}
    return sets


def direct_pins(groups: tuple[str, ...]) -> dict[str, str]:
    """The name==version pins pyproject.toml's GROUPS hold (included groups too; ranges are not pins)."""
    table = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    pins: dict[str, str] = {}

    def collect(group: str) -> None:
        for item in table[group]:
            if isinstance(item, dict):
                collect(item["include-group"])
            elif (match := PIN.match(item)) and "python_version < '3.11'" not in item:
                pins[normalize(match[1])] = match[2]

    for group in groups:
        collect(group)
    return pins


def normalize(name: str) -> str:
    """A project name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(groups: tuple[str, ...]) -> None:
    """Resolve GROUPS into their lock file with uv."""
    python = SUITE_PYTHON if groups == TEST_GROUPS else TOOLS_PYTHON
    command = [uv_program(), "pip", "compile", "--quiet", "--universal", "--generate-hashes"]
    command += ["--python-version", python, "--custom-compile-command", "uv run noxfile.py -s lock"]
    command += [argument for group in groups for argument in ("--group", f"pyproject.toml:{group}")]
    result = run_tool([*command, "--output-file", f"locks/{lock_name(groups)}"], cwd=REPO)
    if result.returncode != 0:
        raise UsageError(f"cannot lock {', '.join(groups)}: {last_line(result.stderr)}")
    print(f"locked {'+'.join(groups)}", flush=True)


def stale(groups: tuple[str, ...]) -> str | None:
    """Why the lock of GROUPS does not hold what pyproject.toml pins, if it does not."""
    path = LOCKS / lock_name(groups)
    if not path.is_file():
        return f"{path.name} is missing"
    text = path.read_text(encoding="utf-8")
    locked = {normalize(match[1]): match[2] for match in re.finditer(r"(?m)^([A-Za-z0-9._-]+)==(\S+)", text)}
    for name, version in direct_pins(groups).items():
        if locked.get(name) != version:
            return f"{path.name} has {name} {locked.get(name, 'not at all')}, pyproject.toml pins {version}"
    requirements = re.findall(r"(?m)^[A-Za-z0-9._-]+==[^\n]*(?:\n +--hash=sha256:[0-9a-f]{64}[^\n]*)*", text)
    if unhashed := [line.split()[0] for line in requirements if "--hash=sha256:" not in line]:
        return f"{path.name} pins {unhashed[0]} without a hash"
    return None


def lock_all(check: bool) -> None:
    """Lock every set, or (CHECK) say which lock is missing, stale or left over."""
    sets = installed_sets()
    if not check:
        LOCKS.mkdir(exist_ok=True)
        for groups in sorted(sets):
            lock(groups)
    wanted = {lock_name(groups) for groups in sets}
    if extra := sorted({path.name for path in LOCKS.glob("*.txt")} - wanted):
        raise UsageError(f"locks/ holds {', '.join(extra)}, which nothing installs: delete it")
    if problems := [problem for groups in sorted(sets) if (problem := stale(groups))]:
        raise UsageError(f"{problems[0]}: run `uv run noxfile.py -s lock` and commit locks/")
    print(f"locks/: {len(sets)} locks, each holding its groups' pins with hashes", flush=True)


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="check the locks offline instead of locking")
    args = parser.parse_args()
    return run_main(lambda: lock_all(args.check))


if __name__ == "__main__":
    sys.exit(main())
