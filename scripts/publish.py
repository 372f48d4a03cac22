"""Publish the sdist and wheels of a release to a package index; safe to re-run.

Usage: python scripts/publish.py DIST_DIR [--out OUT] [--repository NAME | --repository-url URL]
                                 [--simple-url URL] [--attestations] [--keep-serving]

Publishes every *.whl and *.tar.gz in DIST_DIR, wheels before the sdist. The default target is an
embedded index: pypiserver on 127.0.0.1 (a free port) keeping its files in OUT/index/packages, open
for listing and download, taking uploads only with a password made up for this run. A real index is
one option away and uses twine's own configuration, nothing new: --repository NAME (a section of
~/.pypirc, or twine's built-in "pypi" and "testpypi"; credentials from .pypirc, keyring or
TWINE_USERNAME/TWINE_PASSWORD), or --repository-url URL (credentials from TWINE_USERNAME/TWINE_PASSWORD).
As for twine, TWINE_REPOSITORY_URL and TWINE_REPOSITORY stand for those options when they are not given.

Before anything is uploaded, the index must answer, and its simple index (PEP 691 JSON or PEP 503
HTML, read by scripts/simple_index.py; --simple-url, else derived from the upload URL and checked)
must not hold any of the files with other bytes. A file already there with the same sha256 is
skipped, so a re-run after a partial upload completes it. The embedded index is
scripts/embedded_index.py. With --keep-serving the embedded index stays up after publishing, until Ctrl-C or SIGTERM.
With --attestations (a real index only) each file goes up with its PEP 740 attestation,
FILE.publish.attestation beside it (`pypi-attestations sign` makes them in the release workflow):
a file without one stops the run before anything is uploaded.

Exit codes: 0 published (or already there); 16 the index is unreachable, refused the credentials,
holds a file with other bytes, or an upload failed; 3 bad argument (2 if the command line does not
parse); 130 interrupted (Ctrl-C or SIGTERM) while publishing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from embedded_index import EmbeddedIndex
from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename
from project import REPO, file_sha256
from release_errors import PublishError, UsageError, run_main
from simple_index import IndexFile, answers, project_files, served_sha256, simple_url_for

UPLOAD_TIMEOUT = 900.0  # seconds for twine to upload one file
STATUS_WIDTH = len("already there, same bytes")


@dataclass(frozen=True)
class Distribution:
    """A wheel or sdist to publish."""

    path: Path
    project: str  # normalized (PEP 503) project name
    sha256: str

    @property
    def name(self) -> str:
        """The file name, as the index lists it."""
        return self.path.name


@dataclass(frozen=True)
class Target:
    """Where files go (as twine settings) and where to see what is already there."""

    upload_url: str
    simple_url: str  # the simple index root, ending in "/"
    twine_env: Mapping[str, str] = field(repr=False)  # TWINE_* settings for the twine process only
    simple_url_derived: bool = False  # guessed from upload_url, so checked before it is trusted
    attestations: bool = False  # upload each file's FILE.publish.attestation with it (PEP 740)
    embedded: EmbeddedIndex | None = field(default=None, repr=False, compare=False)  # ours to stop and tidy


@dataclass(frozen=True)
class Plan:
    """What plan_upload found: the files to upload and those the index already holds, same bytes."""

    to_upload: list[Distribution]
    already_there: list[Distribution]


def project_of(file_name: str) -> str:
    """The normalized project name of a wheel or sdist file name; UsageError if it is neither."""
    try:
        if file_name.endswith(".whl"):
            return parse_wheel_filename(file_name)[0]
        return parse_sdist_filename(file_name)[0]
    except (InvalidWheelFilename, InvalidSdistFilename) as error:
        raise UsageError(f"not a wheel or sdist name: {file_name} ({error})") from None


def in_upload_order(paths: Iterable[Path]) -> list[Distribution]:
    """Wheels first, then sdists, so an index never offers the sdist alone (pip would compile it)."""
    ordered = sorted(paths, key=lambda path: (not path.name.endswith(".whl"), path.name))
    return [Distribution(path, project_of(path.name), file_sha256(path)) for path in ordered]


def distributions(dist_dir: Path) -> list[Distribution]:
    """Every wheel and sdist in dist_dir, in upload order."""
    if not dist_dir.is_dir():
        raise UsageError(f"{dist_dir} is not a directory; build the release into it first")
    paths = [*dist_dir.glob("*.whl"), *dist_dir.glob("*.tar.gz")]
    if not paths:
        raise UsageError(f"no *.whl or *.tar.gz in {dist_dir}; build the release into it first")
    return in_upload_order(paths)


def check_index(target: Target) -> None:
    """PublishError unless the index answers at its upload URL and, if guessed, at its simple index."""
    answers(target.upload_url, method="HEAD")  # any answer will do: the upload API is POST only
    if target.simple_url_derived:
        status = answers(target.simple_url, method="HEAD")
        if not 200 <= status < 300:
            raise PublishError(
                f"no simple index at {target.simple_url} (HTTP {status}); pass --simple-url with the index's simple URL"
            )


def plan_upload(dists: Sequence[Distribution], target: Target) -> Plan:
    """Check the index and sort dists into new and already there; PublishError on any conflict."""
    if target.attestations and (unsigned := [dist.name for dist in dists if not attestation_of(dist).is_file()]):
        raise PublishError(
            f"{len(unsigned)} file(s) have no PEP 740 attestation beside them ({', '.join(unsigned[:3])}"
            f"{', ...' if len(unsigned) > 3 else ''}): sign them with `pypi-attestations sign`. Nothing was uploaded"
        )
    check_index(target)
    pages: dict[str, dict[str, IndexFile]] = {}
    to_upload, already_there, conflicts = [], [], []
    for dist in dists:
        if dist.project not in pages:
            pages[dist.project] = project_files(target.simple_url, dist.project)
        listed = pages[dist.project].get(dist.name)
        if listed is None:
            to_upload.append(dist)
            continue
        theirs = served_sha256(listed)
        if theirs == dist.sha256:
            already_there.append(dist)
        else:
            conflicts.append(f"{dist.name} (index sha256 {theirs}, local sha256 {dist.sha256})")
    if conflicts:
        more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        # The embedded index is a local rehearsal: its storage can simply be thrown away.
        fix = f"delete {target.embedded.storage} to start it afresh" if target.embedded else "bump the version"
        raise PublishError(
            f"the index already holds other bytes under the name {conflicts[0]}{more}; a published file "
            f"cannot be replaced: {fix} and rebuild. Nothing was uploaded"
        )
    return Plan(to_upload, already_there)


def attestation_of(dist: Distribution) -> Path:
    """Where twine --attestations looks for DIST's publish attestation."""
    return dist.path.with_name(f"{dist.name}.publish.attestation")


def twine_environment(target: Target) -> dict[str, str]:
    """The environment for twine: ours, with the target's TWINE_* settings in charge of where it goes."""
    # The target was chosen from the options and from these two variables; only it may decide.
    inherited = {k: v for k, v in os.environ.items() if k not in {"TWINE_REPOSITORY", "TWINE_REPOSITORY_URL"}}
    # Plain, unwrapped output, so that its error line can be quoted.
    return {**inherited, **target.twine_env, "NO_COLOR": "1", "COLUMNS": "1000"}


def upload_error(dist: Distribution, target: Target, twine_output: str, uploaded: int) -> PublishError:
    """One line from what twine printed when it failed."""
    status = re.search(r"HTTPError: (40[13])\b", twine_output)
    if status:
        return PublishError(
            f"the index refused the credentials for {target.upload_url} (HTTP {status[1]}); check "
            "TWINE_USERNAME/TWINE_PASSWORD or the repository's .pypirc or keyring entry"
        )
    lines = [line.strip() for line in twine_output.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR").strip() for line in lines if line.startswith("ERROR")]
    reason = (errors or lines or ["no output"])[0]
    partial = f"; {uploaded} file(s) went up before it: fix this and re-run to upload the rest" if uploaded else ""
    return PublishError(f"twine could not upload {dist.name} to {target.upload_url}: {reason}{partial}")


def say(status: str, dist: Distribution) -> None:
    """Print the one line about a file."""
    print(f"{status:{STATUS_WIDTH}}  {dist.name}", flush=True)


def upload(dists: Sequence[Distribution], target: Target) -> None:
    """Upload dists in order with twine, printing a line as each one lands."""
    # One twine run per file rather than one for all: a printed line means that file is on the index,
    # a failure names the file it stopped at, and an interrupt cuts off at most one known file. The
    # price is twine's start-up (half a second) per file.
    for uploaded, dist in enumerate(dists):
        command = [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar"]
        files = [str(dist.path)]
        if target.attestations:
            command.append("--attestations")
            files.append(str(attestation_of(dist)))
        try:
            result = subprocess.run(
                [*command, *files],
                capture_output=True,
                text=True,
                env=twine_environment(target),
                timeout=UPLOAD_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PublishError(f"twine did not finish uploading {dist.name} in {UPLOAD_TIMEOUT:.0f} s") from None
        if result.returncode != 0:
            raise upload_error(dist, target, f"{result.stdout}\n{result.stderr}", uploaded)
        say("uploaded", dist)


def publish(dists: Sequence[Distribution], target: Target) -> Plan:
    """Plan, then upload what is missing, one line per file; nothing is uploaded if the plan fails."""
    plan = plan_upload(dists, target)
    for dist in plan.already_there:
        say("already there, same bytes", dist)
    try:
        upload(plan.to_upload, target)
    except BaseException:
        if target.embedded is not None:
            target.embedded.stop()  # first, so that nothing is being written while we look
            target.embedded.discard_partial_uploads({dist.name: dist.sha256 for dist in plan.to_upload})
        raise
    return plan


def publish_files(paths: Iterable[Path], target: Target) -> str:
    """Publish these wheels and sdists (for scripts/release.py); a one-line summary."""
    plan = publish(in_upload_order(paths), target)
    return f"{len(plan.to_upload)} uploaded, {len(plan.already_there)} already there, to {target.upload_url}"


def repository_upload_url(name: str) -> str:
    """The upload URL twine uses for a named repository (~/.pypirc, or its built-in defaults)."""
    from twine.exceptions import InvalidConfiguration  # noqa: PLC0415 - twine loads slowly; only this path needs it
    from twine.utils import DEFAULT_CONFIG_FILE, get_repository_from_config  # noqa: PLC0415

    try:
        url = get_repository_from_config(DEFAULT_CONFIG_FILE, name)["repository"]
    except InvalidConfiguration as error:
        raise UsageError(f"twine knows no repository {name!r}: {str(error).splitlines()[0]}") from None
    if not url:
        raise UsageError(f"the {name!r} section of {DEFAULT_CONFIG_FILE} has no repository URL")
    return url


def checked_url(url: str, option: str) -> str:
    """url, ending in "/", if it is http(s) with a host; UsageError otherwise."""
    scheme, host, *_ = urlsplit(url)
    if scheme not in {"http", "https"} or not host:
        raise UsageError(f"{option} {url!r} is not an http(s) URL")
    return url if url.endswith("/") else f"{url}/"


def external_target(repository: str | None, repository_url: str | None, simple_url: str | None) -> Target | None:
    """The index named by the options (or by twine's variables); None means the embedded index."""
    # An option given on the command line outranks a variable left in the environment.
    repository_url = repository_url or (None if repository else os.environ.get("TWINE_REPOSITORY_URL"))
    repository = repository or (None if repository_url else os.environ.get("TWINE_REPOSITORY"))
    if repository_url:
        upload_url = checked_url(repository_url, "--repository-url")
        twine_env = {"TWINE_REPOSITORY_URL": repository_url}
    elif repository:
        upload_url = repository_upload_url(repository)
        twine_env = {"TWINE_REPOSITORY": repository}
    else:
        return None
    if simple_url:
        return Target(upload_url, checked_url(simple_url, "--simple-url"), twine_env)
    return Target(upload_url, simple_url_for(upload_url), twine_env, simple_url_derived=True)


@contextmanager
def open_target(
    out: Path, *, repository: str | None = None, repository_url: str | None = None, simple_url: str | None = None
) -> Iterator[Target]:
    """The index named by the options or twine's variables; else an embedded one over OUT/index/packages.

    The embedded index serves while the ``with`` block runs (so a later stage can install from it)
    and stops when it ends, whatever the reason.
    """
    target = external_target(repository, repository_url, simple_url)
    if target is not None:
        yield target
        return
    if simple_url:
        raise UsageError("--simple-url is for --repository or --repository-url; the embedded index knows its own")
    with EmbeddedIndex(out / "index" / "packages") as index:
        yield Target(index.url, index.simple_url, index.twine_settings, embedded=index)


def parse_arguments() -> argparse.Namespace:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dist_dir", type=Path, metavar="DIST_DIR", help="directory holding the sdist and wheels")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "target" / "publish",
        help="the embedded index keeps its files in OUT/index/packages (default: %(default)s)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--repository", metavar="NAME", help="publish to this twine repository (.pypirc section)")
    where.add_argument("--repository-url", metavar="URL", help="publish to the index taking uploads at URL")
    parser.add_argument("--simple-url", metavar="URL", help="the simple index of that repository, if not derivable")
    parser.add_argument(
        "--attestations", action="store_true", help="upload each file's PEP 740 attestation (a real index only)"
    )
    parser.add_argument(
        "--keep-serving", action="store_true", help="keep the embedded index up after publishing, until Ctrl-C"
    )
    return parser.parse_args()


def run(args: argparse.Namespace) -> None:
    """Publish DIST_DIR as the options say."""
    dists = distributions(args.dist_dir)
    where = {"repository": args.repository, "repository_url": args.repository_url, "simple_url": args.simple_url}
    if args.attestations and external_target(args.repository, args.repository_url, args.simple_url) is None:
        raise UsageError("--attestations needs a real index (--repository or --repository-url)")
    with open_target(args.out.resolve(), **where) as opened:
        index = opened.embedded
        target = dataclasses.replace(opened, attestations=args.attestations)
        if index is None:
            if args.keep_serving:
                raise UsageError("--keep-serving is for the embedded index only")
            print(f"publishing to {target.upload_url} (simple index {target.simple_url})", flush=True)
        else:
            print(f"publishing to the embedded index {index.url} (files in {index.storage})", flush=True)
        publish(dists, target)
        if index is None:
            print(f"index: {target.simple_url}", flush=True)
        elif args.keep_serving:
            index.serve_until_interrupted()
            print("stopped serving", flush=True)
        else:
            print(f"index: {target.simple_url} (stopped now; --keep-serving keeps it up)", flush=True)


def main() -> int:
    """Publish and report in one line per file; see the module docstring."""
    args = parse_arguments()
    return run_main(
        lambda: run(args), interrupted="the embedded index, if any, is stopped; re-run to finish publishing"
    )


if __name__ == "__main__":
    sys.exit(main())
