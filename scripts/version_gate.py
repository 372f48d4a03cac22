"""Release stage 1: the version, the tag and the work tree agree, or nothing is released.

Usage: python scripts/version_gate.py [--repo DIR] [--tag vX.Y.Z]

The one version source is Cargo.toml's [workspace.package] version, a semver string that every
workspace member inherits. maturin reads it as a PEP 440 version, so this does too:
1.2.0-rc.1 and 1.2.0-rc1 become 1.2.0rc1, -alpha.N/-a.N become aN, -beta.N/-b.N become bN,
-dev.N becomes .devN; a version PEP 440 cannot read (1.2.0-foo) stops the release here.

With --tag (or, without it, GITHUB_REF=refs/tags/...) the tag must be "v" followed by that
version, compared as PEP 440 versions: v1.2.0rc1 and v1.2.0-rc.1 both match 1.2.0-rc.1; if the
tag exists already, it must be on the checked-out commit. A pre-release (aN, bN, rcN, .devN) is
reported as prerelease=true, which routes it to the test index. Without a tag only the version,
the CHANGELOG and the work tree are checked. CHANGELOG.md must have a non-empty section for the
version (scripts/changelog_section.py: the GitHub release's notes), so that nothing is built, let
alone uploaded, for a release that would end without notes. The work tree must be clean: no
modified, staged or untracked (and not ignored) file.

Prints version=<python version> and prerelease=<true|false>, and appends both lines to
$GITHUB_OUTPUT when that is set.

Exit codes: 0 the release may go ahead; 10 it may not (the line says why and what to do);
3 bad arguments or a missing tool.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from changelog_section import section
from packaging.version import InvalidVersion, Version
from project import REPO, run_tool
from release_errors import VersionGateError, run_main

TAG_PREFIX = "v"
# Enough of `git status` to find the culprits, short enough to stay one line.
DIRTY_PATHS_SHOWN = 5


@dataclass(frozen=True)
class ReleaseVersion:
    """What is being released: the Python version, whether it is a pre-release, and its tag."""

    version: str  # as maturin writes it into the wheel and sdist names, e.g. "1.2.0rc1"
    prerelease: bool  # aN, bN, rcN or .devN: goes to the test index
    tag: str | None  # the git tag being released, if any


def cargo_version(repo: Path) -> str:
    """The semver version of the workspace's packages, as cargo resolves it."""
    manifest = repo / "Cargo.toml"
    if not manifest.is_file():
        raise VersionGateError(f"{manifest} does not exist: run the gate from the project root or pass --repo")
    command = ["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline", "--manifest-path", str(manifest)]
    result = run_tool(command, cwd=repo)
    if result.returncode != 0:
        reason = next((line for line in result.stderr.splitlines() if line.strip()), "no output")
        raise VersionGateError(f"cargo cannot read {manifest} ({reason.strip()}): fix the manifest")
    metadata = json.loads(result.stdout)
    members = set(metadata["workspace_members"])
    versions = {str(package["version"]) for package in metadata["packages"] if package["id"] in members}
    if len(versions) != 1:
        raise VersionGateError(
            f"workspace members have versions {', '.join(sorted(versions)) or 'none'}: "
            "give every member `version.workspace = true` and set [workspace.package] version once"
        )
    return versions.pop()


def python_version(semver: str) -> Version:
    """SEMVER read as PEP 440, exactly as maturin reads it (both normalise the same way)."""
    try:
        return Version(semver)
    except InvalidVersion as error:
        raise VersionGateError(
            f"Cargo.toml version {semver} is not a Python version: use a pre-release maturin can map, "
            "such as 1.2.0-rc.1, 1.2.0-beta.2 or 1.2.0-alpha.3"
        ) from error


def read_version(repo: Path) -> str:
    """The Python version of the project at REPO, as maturin writes it (e.g. "1.2.0rc1")."""
    return str(python_version(cargo_version(repo)))


def tag_from_environment() -> str | None:
    """The tag a GitHub Actions run was started for, if it was started for a tag."""
    ref = os.environ.get("GITHUB_REF", "")
    return ref.removeprefix("refs/tags/") if ref.startswith("refs/tags/") else None


def check_tag(tag: str, version: Version) -> None:
    """TAG must be "v" + VERSION, compared as PEP 440 versions."""
    if not tag.startswith(TAG_PREFIX):
        raise VersionGateError(f"tag {tag} does not start with {TAG_PREFIX}: release by pushing tag v{version}")
    try:
        tagged = Version(tag.removeprefix(TAG_PREFIX))
    except InvalidVersion as error:
        raise VersionGateError(f"tag {tag} is not v + a version: release by pushing tag v{version}") from error
    if tagged != version:
        raise VersionGateError(
            f"tag {tag} does not match the version {version} in Cargo.toml: "
            f"push tag v{version}, or set [workspace.package] version to {tagged} and tag that commit"
        )


def check_tag_commit(repo: Path, tag: str) -> None:
    """If TAG already exists at REPO, it names the commit being released (HEAD)."""
    tagged = run_tool(["git", "rev-parse", "--quiet", "--verify", f"refs/tags/{tag}^{{commit}}"], cwd=repo)
    if tagged.returncode != 0:
        return  # not tagged yet: a rehearsal before pushing the tag
    head = run_tool(["git", "rev-parse", "--verify", "HEAD"], cwd=repo)
    if tagged.stdout.strip() != head.stdout.strip():
        raise VersionGateError(
            f"tag {tag} is on commit {tagged.stdout.strip()[:12]}, not on the checked-out "
            f"{head.stdout.strip()[:12] or 'HEAD'}: check out {tag} and release from there"
        )


def check_changelog(repo: Path, version: str) -> None:
    """CHANGELOG.md at REPO has a non-empty section for VERSION (VersionGateError says what to add)."""
    changelog = repo / "CHANGELOG.md"
    try:
        text = changelog.read_text(encoding="utf-8")
    except OSError as error:
        raise VersionGateError(f"cannot read {changelog}: {error.strerror}; a release needs its notes") from error
    section(text, version)


def check_clean(repo: Path) -> None:
    """The work tree at REPO has no modified, staged or untracked (not ignored) file."""
    result = run_tool(["git", "status", "--porcelain", "--untracked-files=normal"], cwd=repo)
    if result.returncode != 0:
        raise VersionGateError(f"{repo} is not a git work tree ({result.stderr.strip()}): release from a clone")
    dirty = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if dirty:
        shown = ", ".join(dirty[:DIRTY_PATHS_SHOWN]) + (", ..." if len(dirty) > DIRTY_PATHS_SHOWN else "")
        raise VersionGateError(
            f"the work tree has {len(dirty)} uncommitted change(s) ({shown}): "
            "commit or stash them (or add build outputs to .gitignore), then release again"
        )


def check_release(repo: Path, tag: str | None) -> ReleaseVersion:
    """Check that REPO may be released as TAG (None: untagged), and say what the release is."""
    version = python_version(cargo_version(repo))
    if version.local is not None:
        raise VersionGateError(
            f"version {version} has a +local part, which package indexes refuse: remove it from Cargo.toml"
        )
    if tag is not None:
        check_tag(tag, version)
        check_tag_commit(repo, tag)
    check_changelog(repo, str(version))
    check_clean(repo)
    return ReleaseVersion(str(version), version.is_prerelease, tag)


def write_outputs(release: ReleaseVersion) -> None:
    """Print the outputs, and append them to $GITHUB_OUTPUT for later workflow steps."""
    lines = f"version={release.version}\nprerelease={str(release.prerelease).lower()}\n"
    print(lines, end="")
    if output := os.environ.get("GITHUB_OUTPUT"):
        with Path(output).open("a", encoding="utf-8") as file:
            file.write(lines)


def main() -> int:
    """Run the gate; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=REPO, help="project root (default: %(default)s)")
    parser.add_argument("--tag", help="the tag being released, e.g. v1.2.0 (default: from GITHUB_REF)")
    args = parser.parse_args()
    return run_main(lambda: write_outputs(check_release(args.repo.resolve(), args.tag or tag_from_environment())))


if __name__ == "__main__":
    sys.exit(main())
