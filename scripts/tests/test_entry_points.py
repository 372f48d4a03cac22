"""Every program in scripts/ has the one shape: main() -> int, ending through run_main.

run_main (scripts/release_errors.py) prints a ReleaseError as one line and returns its exit code,
and turns Ctrl-C or SIGTERM into a clean stop with code 130; the shared helpers (a venv's
interpreter, running a tool, the repository root) live in scripts/project.py only.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SCRIPTS

PROGRAMS = sorted(
    path.name for path in SCRIPTS.glob("*.py") if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
)
# Run elsewhere, with the standard library and one thing more: the smoke test inside the environment
# under test (the installed package), the stable-ABI rule in cibuildwheel's audit environment
# (abi3audit), from the unpacked sdist.
STANDALONE = {"smoke_test.py", "stable_abi_audit.py"}
SHARED_HELPERS = {
    "REPO",
    "CACHE_DIR",
    "venv_python",
    "venv_script",
    "run_tool",
    "run_module",
    "last_line",
    "file_sha256",
}


def tree(name: str) -> ast.Module:
    return ast.parse((SCRIPTS / name).read_text(encoding="utf-8"))


def main_function(module: ast.Module) -> ast.FunctionDef:
    (main,) = [node for node in module.body if isinstance(node, ast.FunctionDef) and node.name == "main"]
    return main


@pytest.mark.parametrize("program", sorted(set(PROGRAMS) - STANDALONE))
def test_main_returns_its_code_through_run_main(program: str) -> None:
    main = main_function(tree(program))
    assert main.returns is not None, f"{program}: main() -> int"
    assert ast.unparse(main.returns) == "int", f"{program}: main() -> int"
    returned = [node for node in ast.walk(main) if isinstance(node, ast.Return)]
    assert returned, f"{program}: main returns nothing"
    assert all(isinstance(node.value, ast.Call) and ast.unparse(node.value.func) == "run_main" for node in returned), (
        f"{program}: main must `return run_main(...)`"
    )


@pytest.mark.parametrize("program", PROGRAMS)
def test_no_program_catches_release_errors_or_signals_itself(program: str) -> None:
    source = (SCRIPTS / program).read_text(encoding="utf-8")
    assert "except ReleaseError" not in source
    assert "signal.signal(" not in source


@pytest.mark.parametrize("program", sorted(set(PROGRAMS) - STANDALONE))
def test_help_runs_and_names_the_exit_codes(program: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / program), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Exit codes" in result.stdout or "exit codes" in result.stdout.lower()


@pytest.mark.parametrize("program", sorted(p.name for p in SCRIPTS.glob("*.py") if p.name != "project.py"))
def test_the_shared_helpers_are_defined_once(program: str) -> None:
    defined = set()
    for node in tree(program).body:
        if isinstance(node, ast.FunctionDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(target.id for target in node.targets if isinstance(target, ast.Name))
    assert defined & SHARED_HELPERS == set(), f"{program} defines its own copy; import it from project.py"


# Longer than about 300 lines, and why.
LONG_ON_PURPOSE = {
    "release_matrix.py": "the one reader of wheels.toml: its schema, its model and every answer derived from it",
    "audit_wheels.py": "one check per kind of fault, each short, run in one order for one report",
    "substitute_image.py": "assembling a manylinux-layout image is one sequence of small steps",
}


def test_each_file_stays_small_enough_to_read() -> None:
    """No program over about 300 lines without a reason (LONG_ON_PURPOSE)."""
    lines = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in Path(SCRIPTS).glob("*.py")}
    assert {name for name, count in lines.items() if count > 360} <= set(LONG_ON_PURPOSE)
