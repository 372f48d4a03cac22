"""Release stage 2: build the sdist, prove it holds exactly what it should, and that it builds.

Usage: python scripts/build_sdist.py [--repo DIR] [--out DIR] [--build-name NAME] [--wheel-out DIR]
                                     [--abi KIND]... [--testable] [--zig] [--arch MACHINE] [--no-wheel]

Builds the sdist with `maturin sdist` into --out (default REPO/target/dist), with
SOURCE_DATE_EPOCH from the last commit unless it is set, so the same commit always gives the
same bytes. Then checks its contents: the manifests, Cargo.lock, README.md, LICENSE,
rust-toolchain.toml (the one pinned Rust: a build from the sdist uses it too), rustfmt.toml, the
Rust sources under crate/src, the Python package under python/pyo3_showcase and the test suite
under tests/ that git tracks, scripts/stable_abi_audit.py (cibuildwheel's audit runs it from the
sdist), and PKG-INFO and crate/README.md (maturin writes both), and nothing
else: no scripts, benchmarks, workflows, examples or build output. Fix a difference in
pyproject.toml's [tool.maturin] include/exclude, or here if the new file is meant to ship.

Then unpacks it into the shared build directory NAME (CACHE_DIR/build/NAME, default "checkout":
see project.shared_build) and builds wheels from the unpacked sources with scripts/build_wheels.py
(so `cargo --locked`) into --wheel-out (default REPO/target/sdist-wheelhouse): the abi3 wheel,
or the kinds named with --abi, or with --testable every kind of this machine that an installed
interpreter can test; --arch aarch64 builds them for that architecture instead, cross-compiled
(scripts/cross_toolchain.py). That proves the sdist builds; the release builds every wheel from such a
tree too. The unpacked tree keeps its cargo target directories between runs, and every clone of
the project shares it, so an unchanged source compiles nothing and a changed one only this crate.

Exit codes: 0 the sdist is right and builds; 11 it is not, or does not build; 3 bad arguments
or a missing tool.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tarfile
from pathlib import Path, PurePosixPath

import cross_toolchain
from build_wheels import BuildSettings, build, default_kinds, source_date_epoch
from interpreters import HOST_MACHINE, discover
from project import REPO, file_sha256, last_line, run_tool, shared_build
from release_errors import SdistError, UsageError, run_main
from release_matrix import matrix

# What every sdist holds whatever the sources are. maturin writes PKG-INFO, and copies README.md
# beside crate/Cargo.toml because that manifest names it (readme = "../README.md").
FIXED_FILES = frozenset(
    {
        "PKG-INFO",
        "pyproject.toml",
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "LICENSE",
        "rust-toolchain.toml",
        "rustfmt.toml",
        "scripts/stable_abi_audit.py",  # cibuildwheel's audit-command, run from the unpacked sdist
        "crate/Cargo.toml",
        "crate/README.md",
    }
)
# The sources: every file git tracks under a directory whose name ends as listed.
SOURCE_FILES = {"crate/src": (".rs",), "python/pyo3_showcase": (".py", ".pyi", "py.typed"), "tests": (".py",)}
# The one sdist file whose time unpack_sdist keeps: build_wheels reads SOURCE_DATE_EPOCH from it.
TIMESTAMP_FILE = "PKG-INFO"
# An unpacked tree's cargo caches (see build_wheels.py), kept when the tree is replaced.
CARGO_TARGET = "target"


def build_sdist(repo: Path, out: Path) -> Path:
    """Build the sdist of REPO into OUT with maturin, reproducibly; return its path."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(source_date_epoch(repo))}
    result = run_tool(["maturin", "sdist", "--out", str(out.resolve())], cwd=repo, env=env)
    # maturin ends with "Built source distribution to PATH".
    built = [
        Path(line.rsplit(" to ", 1)[1].strip())
        for line in (result.stderr + result.stdout).splitlines()
        if "Built source distribution" in line and " to " in line
    ]
    if result.returncode != 0 or not built:
        raise SdistError(f"maturin sdist failed ({last_line(result.stderr)}): fix it and re-run")
    return built[0]


def expected_contents(repo: Path) -> set[str]:
    """The files the sdist of REPO must hold, relative to its top directory."""
    result = run_tool(["git", "ls-files", "-z", "--", *SOURCE_FILES], cwd=repo)
    if result.returncode != 0:
        raise UsageError(f"{repo} is not a git checkout ({last_line(result.stderr)}): build the sdist from one")
    sources = {
        path
        for path in result.stdout.split("\0")
        for directory, endings in SOURCE_FILES.items()
        if path.startswith(f"{directory}/") and path.endswith(endings)
    }
    return set(FIXED_FILES) | sources


def sdist_root(archive: tarfile.TarFile, sdist: Path) -> str:
    """The one top directory of the sdist, "<name>-<version>", as its file name says."""
    root = sdist.name.removesuffix(".tar.gz")
    outside = [member.name for member in archive.getmembers() if PurePosixPath(member.name).parts[0] != root]
    if outside or root == sdist.name:
        raise SdistError(f"{sdist.name} is not one {root}/ directory ({', '.join(outside[:5])}): rebuild it")
    return root


def check_sdist_contents(sdist: Path, repo: Path = REPO) -> None:
    """The sdist holds exactly the files expected_contents(REPO) lists, as regular files."""
    with tarfile.open(sdist) as archive:
        root = sdist_root(archive, sdist)
        members = [member for member in archive.getmembers() if not member.isdir()]
    odd = sorted(member.name for member in members if not member.isfile())
    if odd:
        raise SdistError(f"{sdist.name} holds links or special files ({', '.join(odd)}): ship regular files only")
    found = {str(PurePosixPath(member.name).relative_to(root)) for member in members}
    expected = expected_contents(repo)
    missing, unexpected = sorted(expected - found), sorted(found - expected)
    if missing or unexpected:
        raise SdistError(
            f"{sdist.name} has missing files [{', '.join(missing)}] and unexpected files [{', '.join(unexpected)}]: "
            "fix [tool.maturin] include/exclude in pyproject.toml, or scripts/build_sdist.py if the change is meant"
        )


def tree_matches(archive: tarfile.TarFile, dest: Path, tree: Path) -> bool:
    """Whether ``tree`` (outside its cargo target directory) holds exactly the archive's files."""
    if not tree.is_dir():
        return False
    members = {dest / member.name: member for member in archive.getmembers() if member.isfile()}
    present = {path for path in tree.rglob("*") if path.is_file() and path.relative_to(tree).parts[0] != CARGO_TARGET}
    if present != set(members):
        return False
    for path, member in members.items():
        packed = archive.extractfile(member)
        if packed is None or packed.read() != path.read_bytes():
            return False
    return True


def unpack_sdist(sdist: Path, dest: Path) -> Path:
    """Unpack SDIST into DEST and return its top directory, DEST/<name>-<version>.

    A tree that already holds exactly the sdist's files, byte for byte, is kept as it is, so cargo
    finds nothing changed and a warm re-run compiles nothing. Any other tree is replaced, except
    for its cargo target directory. Every file but PKG-INFO gets the current time, so cargo never
    takes an older build of other sources for an up-to-date one; PKG-INFO keeps the sdist's time,
    which the wheel builds take as their SOURCE_DATE_EPOCH.
    """
    with tarfile.open(sdist) as archive:
        root = sdist_root(archive, sdist)
        tree = dest / root
        if tree_matches(archive, dest, tree):
            return tree
        if tree.exists():
            for entry in tree.iterdir():
                if entry.name == CARGO_TARGET and entry.is_dir():
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        dest.mkdir(parents=True, exist_ok=True)
        # "data" refuses absolute paths, links out of DEST and device files.
        archive.extractall(dest, filter="data")
        files = [dest / member.name for member in archive.getmembers() if member.isfile()]
    for path in files:
        if path.relative_to(tree).as_posix() != TIMESTAMP_FILE:
            os.utime(path)
    return tree


def build_wheels_from(
    tree: Path, wheel_out: Path, kinds: list[str], zig: bool, machine: str = HOST_MACHINE
) -> list[Path]:
    """Build the KINDS of wheel for MACHINE from the unpacked sdist at TREE with cargo --locked; return them."""
    cross = cross_toolchain.provide(machine) if machine != HOST_MACHINE else None
    if cross:
        print(f"rust      {cross.description}, for {cross.rust_target}", flush=True)
    settings = BuildSettings(tree, wheel_out.resolve(), "release", zig, cross=cross)
    interpreters = discover(machine=machine)
    wheels = []
    for kind in kinds:
        result = build(matrix().wheels[kind], interpreters, settings)
        if result.wheel is None:
            raise SdistError(f"the sdist does not build its {kind} wheel ({result.note}): fix the sdist or Cargo.lock")
        wheels.append(result.wheel)
    return wheels


def run(args: argparse.Namespace) -> None:
    """Build, check, unpack and (unless --no-wheel) build from the sdist, a line per step."""
    repo = args.repo.resolve()
    out = args.out or repo / "target" / "dist"
    wheel_out = args.wheel_out or repo / "target" / "sdist-wheelhouse"
    if not (repo / "pyproject.toml").is_file():
        raise UsageError(f"{repo} has no pyproject.toml: pass the project root as --repo")
    sdist = build_sdist(repo, out)
    print(f"sdist     {sdist}  sha256={file_sha256(sdist)}")
    check_sdist_contents(sdist, repo)
    print(f"contents  {len(expected_contents(repo))} files, exactly those expected")
    kinds = list(dict.fromkeys([*(default_kinds(discover()) if args.testable else []), *(args.abi or [])]))
    with shared_build(args.build_name) as directory:
        tree = unpack_sdist(sdist, directory)
        print(f"unpacked  {tree}")
        if not args.no_wheel:
            for wheel in build_wheels_from(tree, wheel_out, kinds or ["abi3"], args.zig, args.arch):
                print(f"wheel     {wheel}  sha256={file_sha256(wheel)}  (built from the sdist with cargo --locked)")


def main() -> int:
    """Build, check, unpack and build from the sdist; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=REPO, help="project root (default: %(default)s)")
    parser.add_argument("--out", type=Path, help="sdist output directory (default: REPO/target/dist)")
    parser.add_argument("--build-name", default="checkout", help="shared build directory to unpack it in (%(default)s)")
    parser.add_argument("--wheel-out", type=Path, help="where wheels go (default: REPO/target/sdist-wheelhouse)")
    parser.add_argument("--abi", action="append", choices=list(matrix().wheels), help="wheel kind to build; repeatable")
    parser.add_argument("--testable", action="store_true", help="also every kind an installed interpreter tests")
    parser.add_argument("--zig", action="store_true", help="link the wheels for manylinux_2_28 with zig")
    parser.add_argument(
        "--arch",
        default=HOST_MACHINE,
        choices=[HOST_MACHINE, *matrix().emulated_archs()],
        help="build the wheels for this architecture (default: %(default)s)",
    )
    parser.add_argument("--no-wheel", action="store_true", help="check the contents only; build no wheel")
    args = parser.parse_args()
    return run_main(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
