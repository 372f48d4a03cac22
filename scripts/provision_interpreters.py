"""Provide the supported interpreters that are not installed yet, cached outside the repository.

Usage: python scripts/provision_interpreters.py [--no-uv] [--suite SUITE]

For every supported kind (scripts/interpreters.py) that is missing:
1. `uv python install` — how anyone with internet access gets CPython, free-threaded CPython
   and PyPy. Skipped with --no-uv, or when uv cannot download.
2. Otherwise, offline from Debian's archive: a minimal Debian root filesystem (debootstrap, suite
   "sid" by default) that carries CPython 3.13, 3.14, 3.15 and PyPy 3.11. Its interpreters are
   patched (patchelf) to load the root filesystem's own dynamic loader and libraries, so they run
   directly on the host, and are linked into CACHE_DIR/bin, where discovery finds them.
   Needs root, debootstrap and patchelf (`apt-get install debootstrap patchelf`).
Free-threaded CPython has no offline source (Debian builds none): it is reported, not faked.

A warm run, with everything already provisioned, downloads and changes nothing.
Exit codes: 0 done (what could not be provided is listed); 3 bad argument.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from interpreters import CACHE_DIR, PROVISIONED_BIN, discover, missing_kinds

EXIT_USAGE = 3

# What uv calls each kind; uv downloads from the interpreters' official build hosts.
UV_REQUESTS = {
    **{f"cp3{m}": f"cpython-3.{m}" for m in range(10, 16)},
    **{f"cp3{m}t": f"cpython-3.{m}+freethreaded" for m in range(14, 16)},
    **{f"pp3{m}": f"pypy-3.{m}" for m in range(11, 13)},
}

# Debian packages and the interpreter path they install, per kind that Debian builds. The -venv
# packages carry ensurepip, which Debian splits off: without them `python -m venv` fails.
DEBIAN_INTERPRETERS = {
    "cp313": ("python3.13 python3.13-venv", "usr/bin/python3.13"),
    "cp314": ("python3.14 python3.14-venv", "usr/bin/python3.14"),
    "cp315": ("python3.15 python3.15-venv", "usr/bin/python3.15"),
    "pp311": ("pypy3 pypy3-venv", "usr/bin/pypy3.11"),
}
LOADER = "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
LIBRARY_DIRS = ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu")


def missing_tags() -> list[str]:
    """Supported kinds that discovery does not find."""
    return [line.split(":", 1)[0] for line in missing_kinds(discover())]


def install_with_uv(tags: list[str]) -> None:
    """Ask uv for each kind; a kind uv cannot download simply stays missing."""
    uv = shutil.which("uv")
    if uv is None:
        print("uv: not installed, skipping `uv python install`")
        return
    for tag in tags:
        request = UV_REQUESTS.get(tag)
        if request is None:
            continue
        result = subprocess.run([uv, "python", "install", request], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            print(f"uv python install {request}: installed")
            continue
        reason = (result.stderr.strip().splitlines() or ["failed"])[-1].strip()
        # Almost always "cannot download here"; asking again for each kind would only repeat it.
        print(f"uv python install {request}: {reason}; not asking uv for the other kinds")
        return


def debian_root(suite: str) -> Path:
    """Where the root filesystem of ``suite`` is cached."""
    return CACHE_DIR / f"debian-{suite}"


def build_debian_root(suite: str, packages: list[str]) -> Path | None:
    """Create (once) a minimal Debian root filesystem holding ``packages``; None if impossible here."""
    root = debian_root(suite)
    complete = root / ".pyo3-showcase-complete"
    if complete.exists() and set(packages) <= set(complete.read_text().split()):
        return root
    missing_tools = [tool for tool in ("debootstrap", "patchelf") if shutil.which(tool) is None]
    if missing_tools or os.geteuid() != 0:
        need = f"install {' and '.join(missing_tools)}" if missing_tools else "run as root"
        print(f"debian-{suite}: cannot provision offline interpreters ({need}; debootstrap needs root)")
        return None
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # left over from an interrupted run
    include = ",".join(sorted(packages))
    print(f"debian-{suite}: debootstrap --variant=minbase --include={include} (about a minute) ...", flush=True)
    # No mirror argument: debootstrap uses Debian's default archive, as it would for any user.
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={include}", suite, str(partial)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = result.stdout.strip().splitlines()[-1:] + result.stderr.strip().splitlines()[-1:]
        print(f"debian-{suite}: debootstrap failed: {' / '.join(tail)}")
        shutil.rmtree(partial, ignore_errors=True)
        return None
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    complete.write_text("\n".join(sorted(packages)) + "\n")
    return root


def run_on_host(root: Path, binary: Path) -> None:
    """Make a root-filesystem binary run on the host with the root filesystem's loader and libraries."""
    loader = str(root / LOADER)
    printed = ["patchelf", "--print-interpreter", str(binary)]
    current = subprocess.run(printed, capture_output=True, text=True, check=False)
    if current.stdout.strip() == loader:
        return
    rpath = ":".join(str(root / directory) for directory in LIBRARY_DIRS)
    # DT_RPATH (not RUNPATH) also applies to the libraries the interpreter loads later on.
    subprocess.run(
        ["patchelf", "--set-interpreter", loader, "--force-rpath", "--set-rpath", rpath, str(binary)], check=True
    )


def provide_from_debian(tags: list[str], suite: str) -> None:
    """Link the Debian-built interpreters for ``tags`` into PROVISIONED_BIN."""
    wanted = [tag for tag in tags if tag in DEBIAN_INTERPRETERS]
    if not wanted:
        return
    root = build_debian_root(suite, [package for tag in wanted for package in DEBIAN_INTERPRETERS[tag][0].split()])
    if root is None:
        return
    PROVISIONED_BIN.mkdir(parents=True, exist_ok=True)
    for tag in wanted:
        binary = (root / DEBIAN_INTERPRETERS[tag][1]).resolve()
        if not binary.exists():
            print(f"{tag}: Debian {suite} no longer ships {DEBIAN_INTERPRETERS[tag][1]}")
            continue
        run_on_host(root, binary)
        link = PROVISIONED_BIN / DEBIAN_INTERPRETERS[tag][1].rsplit("/", 1)[1]
        link.unlink(missing_ok=True)
        link.symlink_to(binary)
        print(f"{tag}: provided from Debian {suite} as {link}")


def main() -> int:
    """Provide what is missing, then print what is available and what is still missing."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-uv", dest="use_uv", action="store_false", help="do not try `uv python install`")
    parser.add_argument("--suite", default="sid", help="Debian suite for offline interpreters (default: sid)")
    args = parser.parse_args()

    missing = missing_tags()
    if missing and args.use_uv:
        install_with_uv(missing)
        missing = missing_tags()
    # Also keep up to date what an earlier run provided (a newer script may need more packages).
    provided = [interpreter.tag for interpreter in discover() if interpreter.source == "provisioned"]
    if missing or provided:
        provide_from_debian(sorted({*missing, *provided}), args.suite)
    interpreters = discover()
    for interpreter in interpreters:
        print(f"available: {interpreter.tag:7} {interpreter.version:8} {interpreter.source:12} {interpreter.path}")
    for line in missing_kinds(interpreters):
        print(f"missing:   {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
