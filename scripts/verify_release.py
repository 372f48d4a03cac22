"""Anyone can verify a release: rebuild a published version from its sdist and compare the bytes.

Usage: python scripts/verify_release.py VERSION [--index-url URL | --repository NAME] [--work DIR]
Normally run as `uv run noxfile.py -s verify -- VERSION`.

1. Downloads, from the index (pip's default, or --index-url, or one of twine's --repository
   names), the sdist of VERSION and every Linux wheel of it for this machine's architecture.
2. Unpacks the sdist in the shared build directory (as the release does) and rebuilds each wheel
   the way it was built. Wheels linked by zig's lld (the main job's: `uv run noxfile.py -s
   release`) are rebuilt with scripts/build_wheels.py --zig, and must be identical byte for byte.
   Wheels linked in a manylinux or musllinux container (the hosted release's: cibuildwheel) are
   rebuilt by the README's Docker command only where the pinned image can be pulled; elsewhere
   they are named as not rebuildable here, with the command that does it.
3. Prints one line per file: `identical`, the first zip member that differs (and, if diffoscope
   is installed, its report of that member), or why it cannot be rebuilt here.
Exit codes: 0 every file it could rebuild is identical; 13 a file differs (AuditError); 3 bad
argument, or nothing of VERSION on the index (UsageError).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

from build_sdist import unpack_sdist
from build_wheels import BuildSettings, build
from interpreters import discover
from post_publish_check import pip_default_index, simple_index_of, version_of
from project import file_sha256, shared_build
from release_errors import AuditError, UsageError, run_main
from release_matrix import WheelKind, matrix
from simple_index import HTTP_TIMEOUT, IndexFile, project_files

PROJECT = "pyo3-showcase"
ZIG_LINKER = b"Linker: LLD"  # zig links with lld, which signs the .comment section; ld.bfd does not
CONTAINER_BUILT = (
    "linked in a manylinux/musllinux container (cibuildwheel): rebuild it where its pinned image can be "
    "pulled, with `uv run noxfile.py -s docker -- --sdist SDIST` (--work keeps the downloaded sdist)"
)


@dataclass(frozen=True)
class Verdict:
    """What verifying one file found."""

    name: str
    outcome: str  # "identical", "differs", "not rebuildable here", or "source" (the sdist)
    detail: str = ""

    def line(self) -> str:
        """One line for the report."""
        return f"{self.name}: {self.outcome}" + (f" ({self.detail})" if self.detail else "")


def download(listed: IndexFile, target: Path) -> Path:
    """Fetch a file the index lists into TARGET, checking the sha256 the index gives."""
    with urlopen(listed.url, timeout=HTTP_TIMEOUT) as response:
        target.write_bytes(response.read())
    if listed.sha256 and file_sha256(target) != listed.sha256:
        raise AuditError(f"{target.name} does not match the sha256 its index lists: download it again")
    return target


def linked_by_zig(wheel: Path) -> bool:
    """Whether WHEEL's extension was linked by zig (the main job) rather than in a container."""
    with zipfile.ZipFile(wheel) as archive:
        return any(ZIG_LINKER in archive.read(name) for name in archive.namelist() if name.endswith(".so"))


def first_difference(ours: Path, theirs: Path) -> str:
    """The first zip member whose bytes or metadata differ between two wheels (diffoscope's view if installed)."""
    with zipfile.ZipFile(ours) as one, zipfile.ZipFile(theirs) as two:
        left = {info.filename: (info.CRC, info.date_time, info.external_attr) for info in one.infolist()}
        right = {info.filename: (info.CRC, info.date_time, info.external_attr) for info in two.infolist()}
    differing = sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))
    member = differing[0] if differing else "the archive's layout"
    if shutil.which("diffoscope"):
        report = subprocess.run(["diffoscope", str(ours), str(theirs)], capture_output=True, text=True, check=False)
        print(report.stdout[-4000:], flush=True)
    return f"first differing member: {member}"


def kind_of(wheel: str) -> WheelKind:
    """The wheels.toml kind a wheel file is (a PyPy wheel by its python tag: its ABI names the PyPy series)."""
    python, abi = wheel.split("-")[2:4]
    for kind in matrix().wheels.values():
        if kind.python == python and (kind.is_pypy or kind.abi == abi):
            return kind
    raise UsageError(f"{wheel} is no wheel kind wheels.toml lists: is this a release of {PROJECT}?")


def rebuild_with_zig(published: Path, tree: Path, out: Path) -> Verdict:
    """Rebuild PUBLISHED from the unpacked sdist TREE as the main job does, and compare."""
    result = build(kind_of(published.name), discover(), BuildSettings(tree, out, "release", zig=True))
    if result.wheel is None:
        return Verdict(published.name, "not rebuildable here", result.note)
    if result.wheel.name != published.name:
        return Verdict(published.name, "differs", f"the rebuild is named {result.wheel.name}")
    if file_sha256(result.wheel) == file_sha256(published):
        return Verdict(published.name, "identical")
    return Verdict(published.name, "differs", first_difference(result.wheel, published))


def this_architecture() -> str:
    """The platform-tag suffix of this machine's Linux wheels: x86_64, aarch64, ..."""
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())


def verify(version: str, simple_url: str, work: Path) -> list[Verdict]:
    """Download, rebuild and compare every file of VERSION this machine can rebuild."""
    listed = {name: entry for name, entry in project_files(simple_url, PROJECT).items() if version_of(name) == version}
    sdists = [name for name in listed if name.endswith(".tar.gz")]
    if not sdists:
        raise UsageError(f"{simple_url} has no sdist of {PROJECT} {version}: check the version and --index-url")
    wheels = sorted(
        name
        for name in listed
        if name.endswith(f"_{this_architecture()}.whl") and "linux_" in name.removesuffix(".whl").split("-")[-1]
    )
    work.mkdir(parents=True, exist_ok=True)
    sdist = download(listed[sdists[0]], work / sdists[0])
    verdicts = [Verdict(sdist.name, "source", "its sha256 is the index's; every wheel below is rebuilt from it")]
    with shared_build("checkout") as directory:
        tree = unpack_sdist(sdist, directory)
        for name in wheels:
            published = download(listed[name], work / name)
            if linked_by_zig(published):
                verdicts.append(rebuild_with_zig(published, tree, work / "rebuilt"))
            else:
                verdicts.append(Verdict(name, "not rebuildable here", CONTAINER_BUILT))
    return verdicts


def verify_and_report(args: argparse.Namespace) -> None:
    """Verify, print a line per file, and raise AuditError if any rebuilt file differs."""
    simple_url = simple_index_of(args.repository) if args.repository else args.index_url or pip_default_index()
    with tempfile.TemporaryDirectory(prefix="verify-") as scratch:
        verdicts = verify(args.version, simple_url, args.work or Path(scratch))
    for verdict in verdicts:
        print(verdict.line(), flush=True)
    if differing := [verdict.name for verdict in verdicts if verdict.outcome == "differs"]:
        raise AuditError(f"{', '.join(differing)}: not what this repository's source builds")
    rebuilt = sum(verdict.outcome == "identical" for verdict in verdicts)
    print(f"{rebuilt} of {len(verdicts) - 1} wheels rebuilt here from the sdist, byte for byte", flush=True)


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="the published version, e.g. 1.2.0")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--index-url", help="the simple index to read (default: pip's default index)")
    where.add_argument("--repository", help="one of twine's repositories, e.g. testpypi")
    parser.add_argument("--work", type=Path, help="keep the downloads and rebuilds here")
    args = parser.parse_args()
    return run_main(lambda: verify_and_report(args))


if __name__ == "__main__":
    sys.exit(main())
