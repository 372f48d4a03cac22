"""scripts/version_gate.py against throwaway git repositories holding a minimal cargo workspace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from release_errors import VersionGateError
from version_gate import ReleaseVersion, check_release, read_version

SCRIPT = Path(__file__).resolve().parent.parent / "version_gate.py"
WORKSPACE = """\
[workspace]
members = ["crate"]
resolver = "3"

[workspace.package]
version = "{version}"
edition = "2024"
"""
CRATE = """\
[package]
name = "gate-probe"
version.workspace = true
edition.workspace = true
"""
# Enough for `maturin sdist` to write PKG-INFO, so the mapping is checked against maturin itself.
PYPROJECT = """\
[build-system]
requires = ["maturin>=1.16,<2"]
build-backend = "maturin"

[project]
name = "gate-probe"
dynamic = ["version"]

[tool.maturin]
manifest-path = "crate/Cargo.toml"
bindings = "bin"
"""
# Cargo's pre-release spellings, and the Python version maturin 1.16 writes for each.
PRERELEASES = [
    ("1.2.0-rc.1", "1.2.0rc1"),
    ("1.2.0-rc1", "1.2.0rc1"),
    ("1.2.0-alpha.1", "1.2.0a1"),
    ("1.2.0-a.2", "1.2.0a2"),
    ("1.2.0-beta.3", "1.2.0b3"),
    ("1.2.0-b.4", "1.2.0b4"),
    ("1.2.0-dev.5", "1.2.0.dev5"),
]


def git(repo: Path, *args: str) -> str:
    """Run git in REPO as a throwaway identity; return its output."""
    command = ["git", "-c", "user.name=Gate Test", "-c", "user.email=gate@example.invalid", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


def make_repo(path: Path, version: str, changelog: str | None = None) -> Path:
    """A committed, clean git repository at PATH whose workspace version is VERSION.

    Its CHANGELOG.md has a section for VERSION, spelled as Cargo.toml spells it, unless CHANGELOG is given.
    """
    (path / "crate" / "src").mkdir(parents=True)
    if changelog is None:
        changelog = f"# Changelog\n\n## [Unreleased]\n\n## [{version}] - 2026-12-01\n- what changed\n"
    (path / "CHANGELOG.md").write_text(changelog)
    (path / "Cargo.toml").write_text(WORKSPACE.format(version=version))
    (path / "crate" / "Cargo.toml").write_text(CRATE)
    (path / "crate" / "src" / "main.rs").write_text("fn main() {}\n")
    (path / "pyproject.toml").write_text(PYPROJECT)
    (path / ".gitignore").write_text("/target/\n")
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "add", ".")
    git(path, "commit", "--quiet", "-m", "Initial")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clean repository at version 1.2.0."""
    return make_repo(tmp_path / "repo", "1.2.0")


def run_gate(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The gate's command line, without the caller's GitHub variables unless given in ENV."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    command = [sys.executable, str(SCRIPT), "--repo", str(repo), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, env={**inherited, **env})


@pytest.mark.parametrize(("semver", "python"), [("1.2.0", "1.2.0"), *PRERELEASES])
def test_read_version_maps_semver_as_maturin_does(tmp_path: Path, semver: str, python: str) -> None:
    """The mapping is maturin's own: the sdist maturin builds carries the same version."""
    repo = make_repo(tmp_path / "repo", semver)
    assert read_version(repo) == python
    subprocess.run(["maturin", "sdist", "--out", str(tmp_path / "dist")], cwd=repo, check=True, capture_output=True)
    (sdist,) = (tmp_path / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        pkg_info = archive.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/PKG-INFO")
        assert pkg_info is not None
        assert f"\nVersion: {python}\n" in pkg_info.read().decode()


def test_a_version_python_cannot_read_is_refused(tmp_path: Path) -> None:
    """Refused with the version named and what to write instead."""
    repo = make_repo(tmp_path / "repo", "1.2.0-foo.1")
    with pytest.raises(VersionGateError, match=r"1\.2\.0-foo\.1 is not a Python version: use .*1\.2\.0-rc\.1"):
        read_version(repo)


@pytest.mark.parametrize(
    ("changelog", "refusal"),
    [
        ("# Changelog\n\n## [Unreleased]\n- a feature\n", r"CHANGELOG\.md has no '## \[1\.2\.0\]' section"),
        ("# Changelog\n\n## [1.2.0]\n\n## [1.1.0]\n- older\n", r"section of 1\.2\.0 is empty"),
        ("# Changelog\n\n## [1.2.0rc1]\n- not this one\n", r"no '## \[1\.2\.0\]' section"),
    ],
    ids=["no section", "empty section", "only a pre-release's section"],
)
def test_a_version_without_changelog_notes_is_refused(tmp_path: Path, changelog: str, refusal: str) -> None:
    """The GitHub release's notes are this section: without it, nothing may be built, let alone uploaded."""
    repo = make_repo(tmp_path / "repo", "1.2.0", changelog)
    with pytest.raises(VersionGateError, match=refusal):
        check_release(repo, "v1.2.0")


@pytest.mark.parametrize("heading", ["1.2.0-rc.1", "1.2.0rc1", "1.2.0-rc1"])
def test_a_prerelease_section_may_be_spelled_either_way(tmp_path: Path, heading: str) -> None:
    """Cargo's 1.2.0-rc.1, Python's 1.2.0rc1: one version, so one section, whichever way it is written."""
    repo = make_repo(tmp_path / "repo", "1.2.0-rc.1", f"## [{heading}]\n- a candidate\n")
    assert check_release(repo, "v1.2.0rc1").version == "1.2.0rc1"


def test_equal_tag_is_accepted(repo: Path) -> None:
    """The clean, tagged case."""
    assert check_release(repo, "v1.2.0") == ReleaseVersion("1.2.0", prerelease=False, tag="v1.2.0")


def test_no_tag_checks_version_and_tree_only(repo: Path) -> None:
    """A rehearsal: no tag to compare."""
    assert check_release(repo, None) == ReleaseVersion("1.2.0", prerelease=False, tag=None)


def test_unequal_tag_is_refused_naming_both(repo: Path) -> None:
    """The line says which tag and which version, and both ways out."""
    with pytest.raises(VersionGateError, match=r"tag v1\.2\.1 does not match the version 1\.2\.0 .*push tag v1\.2\.0"):
        check_release(repo, "v1.2.1")


@pytest.mark.parametrize("tag", ["1.2.0", "V1.2.0", "release-1.2.0"])
def test_tag_needs_the_v_prefix(repo: Path, tag: str) -> None:
    """Release tags are v + version, as the workflow's trigger expects."""
    with pytest.raises(VersionGateError, match=rf"tag {tag} does not start with v: release by pushing tag v1\.2\.0"):
        check_release(repo, tag)


def test_tag_that_is_not_a_version_is_refused(repo: Path) -> None:
    """The v is there, the version is not."""
    with pytest.raises(VersionGateError, match=r"tag vnext is not v \+ a version"):
        check_release(repo, "vnext")


@pytest.mark.parametrize(("semver", "python"), PRERELEASES)
@pytest.mark.parametrize("spelling", ["python", "semver"])
def test_prerelease_tag_matches_either_spelling(tmp_path: Path, semver: str, python: str, spelling: str) -> None:
    """v1.2.0rc1 and v1.2.0-rc.1 both release 1.2.0-rc.1, and it is a pre-release."""
    repo = make_repo(tmp_path / "repo", semver)
    tag = f"v{python if spelling == 'python' else semver}"
    assert check_release(repo, tag) == ReleaseVersion(python, prerelease=True, tag=tag)


@pytest.mark.parametrize(
    ("semver", "tag"), [("1.2.0-rc.1", "v1.2.0"), ("1.2.0", "v1.2.0rc1"), ("1.2.0-rc.2", "v1.2.0rc1")]
)
def test_prerelease_and_final_do_not_match(tmp_path: Path, semver: str, tag: str) -> None:
    """A final tag never releases a pre-release version, nor the other way round."""
    repo = make_repo(tmp_path / "repo", semver)
    with pytest.raises(VersionGateError, match="does not match the version"):
        check_release(repo, tag)


def test_local_version_is_refused(tmp_path: Path) -> None:
    """Package indexes refuse +local versions, so the gate does first."""
    repo = make_repo(tmp_path / "repo", "1.2.0+build.5")
    with pytest.raises(VersionGateError, match=r"1\.2\.0\+build\.5 has a \+local part"):
        check_release(repo, None)


def test_members_with_other_versions_are_refused(repo: Path) -> None:
    """One version source: a member that sets its own version breaks it."""
    crate = repo / "crate" / "Cargo.toml"
    crate.write_text(CRATE.replace("version.workspace = true", 'version = "9.9.9"'))
    member = repo / "other"
    (member / "src").mkdir(parents=True)
    (member / "Cargo.toml").write_text(CRATE.replace("gate-probe", "other"))
    (member / "src" / "lib.rs").write_text("")
    (repo / "Cargo.toml").write_text(WORKSPACE.format(version="1.2.0").replace('["crate"]', '["crate", "other"]'))
    with pytest.raises(VersionGateError, match=r"versions 1\.2\.0, 9\.9\.9: give every member"):
        read_version(repo)


@pytest.mark.parametrize("change", ["modified", "staged", "untracked", "deleted"])
def test_dirty_tree_is_refused(repo: Path, change: str) -> None:
    """Anything git status shows stops the release, and the line names it."""
    if change == "modified":
        (repo / "crate" / "src" / "main.rs").write_text("fn main() { }\n")
    elif change == "staged":
        (repo / "notes.txt").write_text("staged\n")
        git(repo, "add", "notes.txt")
    elif change == "untracked":
        (repo / "notes.txt").write_text("untracked\n")
    else:
        (repo / ".gitignore").unlink()
    with pytest.raises(VersionGateError, match=r"1 uncommitted change\(s\) \(.*(main\.rs|notes\.txt|\.gitignore)\)"):
        check_release(repo, "v1.2.0")


def test_ignored_files_do_not_make_the_tree_dirty(repo: Path) -> None:
    """Build output under an ignored directory is not a change."""
    (repo / "target" / "release").mkdir(parents=True)
    (repo / "target" / "release" / "artifact").write_text("built\n")
    assert check_release(repo, "v1.2.0").version == "1.2.0"


def test_existing_tag_must_be_on_the_checked_out_commit(repo: Path) -> None:
    """A tag left on an older commit is not what is being released."""
    git(repo, "tag", "v1.2.0")
    (repo / "README.md").write_text("later\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "--quiet", "-m", "Later")
    with pytest.raises(VersionGateError, match=r"tag v1\.2\.0 is on commit \w{12}, not on the checked-out \w{12}"):
        check_release(repo, "v1.2.0")
    git(repo, "checkout", "--quiet", "v1.2.0")
    assert check_release(repo, "v1.2.0").tag == "v1.2.0"


def test_not_a_git_repository_is_refused(tmp_path: Path) -> None:
    """No git, no way to tell the tree is clean."""
    repo = make_repo(tmp_path / "repo", "1.2.0")
    shutil.rmtree(repo / ".git")
    with pytest.raises(VersionGateError, match="is not a git work tree"):
        check_release(repo, None)


def test_command_line_reads_github_ref_and_writes_github_output(repo: Path, tmp_path: Path) -> None:
    """In a tag-triggered workflow run: outputs printed and appended for later steps."""
    output = tmp_path / "github-output"
    output.write_text("earlier=1\n")
    result = run_gate(repo, GITHUB_REF="refs/tags/v1.2.0", GITHUB_OUTPUT=str(output))
    assert (result.returncode, result.stdout, result.stderr) == (0, "version=1.2.0\nprerelease=false\n", "")
    assert output.read_text() == "earlier=1\nversion=1.2.0\nprerelease=false\n"


def test_command_line_reports_a_prerelease(tmp_path: Path) -> None:
    """An rc tag says prerelease=true, which sends it to the test index."""
    repo = make_repo(tmp_path / "repo", "1.2.0-rc.1")
    result = run_gate(repo, "--tag", "v1.2.0rc1")
    assert (result.returncode, result.stdout) == (0, "version=1.2.0rc1\nprerelease=true\n")


def test_command_line_ignores_a_branch_ref(repo: Path) -> None:
    """A push to a branch is no release tag: the gate checks the version and tree only."""
    result = run_gate(repo, GITHUB_REF="refs/heads/main")
    assert (result.returncode, result.stdout) == (0, "version=1.2.0\nprerelease=false\n")


def test_command_line_failure_is_one_line_and_exit_code_10(repo: Path, tmp_path: Path) -> None:
    """Nothing on stdout, nothing appended to GITHUB_OUTPUT, one line on stderr."""
    output = tmp_path / "github-output"
    result = run_gate(repo, "--tag", "v2.0.0", GITHUB_REF="refs/tags/v1.2.0", GITHUB_OUTPUT=str(output))
    assert (result.returncode, result.stdout) == (10, "")
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: tag v2.0.0 does not match the version 1.2.0")
    assert not output.exists()
