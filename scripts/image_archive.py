"""A Docker image made of directory trees, labelled with its architecture (docker load, not docker import).

scripts/substitute_image.py assembles its stand-in images with this: a Debian root filesystem, the
host's interpreter and toolchain trees at their own paths, and a small overlay, as one layer.
Standard library only; needs a reachable Docker engine.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import os
import subprocess
import tarfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from debian_roots import Architecture
from project import file_sha256
from release_errors import ContainerError

# Copied trees that no build or test reads: they only make the image bigger.
EXCLUDED_FROM_PREFIXES = ("lib/python3.*/site-packages/*", "lib/python3.*/test", "share/doc", "share/man")
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # Docker's default for Linux


def add_tree(archive: tarfile.TarFile, source: Path, name: str, added: set[str]) -> None:
    """Add SOURCE to ARCHIVE as NAME, with its parents, skipping what is already there or excluded."""

    def add(path: Path, arcname: PurePosixPath) -> None:
        if str(arcname) not in added:
            added.add(str(arcname))
            archive.add(path, arcname=str(arcname), recursive=False)

    def excluded(relative: Path) -> bool:
        return any(fnmatch.fnmatch(relative.as_posix(), pattern) for pattern in EXCLUDED_FROM_PREFIXES)

    target = PurePosixPath(name)
    for parent in reversed(target.parents[:-1]):  # the directories above NAME, outermost first
        add(Path("/") / parent, parent)
    for directory, subdirectories, files in os.walk(source):
        here = Path(directory)
        relative = here.relative_to(source)
        add(here, target / relative.as_posix())
        # os.walk lists links to directories with the directories, but does not enter them.
        links = [entry for entry in subdirectories if (here / entry).is_symlink()]
        subdirectories[:] = sorted(e for e in subdirectories if e not in links and not excluded(relative / e))
        for entry in sorted([*files, *links]):
            if not excluded(relative / entry):
                add(here / entry, target / (relative / entry).as_posix())


def write_layer(layer: Path, root: Path, overlay: Path, trees: Iterable[Path]) -> None:
    """ROOT + OVERLAY + the host TREES (at their own paths) as the one file-system layer LAYER.

    Without duplicate paths (Docker refuses those): the first source to name a path wins, so the
    overlay's files are added before the root filesystem's.
    """
    added: set[str] = set()
    try:
        with tarfile.open(layer, mode="w", format=tarfile.PAX_FORMAT) as archive:
            add_tree(archive, overlay, ".", added)
            for tree in trees:
                add_tree(archive, tree, tree.relative_to("/").as_posix(), added)
            add_tree(archive, root, ".", added)
    except OSError as error:
        raise ContainerError(f"cannot archive {error.filename or 'a file'} for the image: {error.strerror}") from error


def docker_platform(architecture: Architecture) -> str:
    """The image platform of ARCHITECTURE as Docker names it (linux/arm64)."""
    return f"linux/{architecture.debian}"  # Docker names architectures as Debian does


def image_archive_members(name: str, layer: Path, architecture: Architecture) -> dict[str, bytes]:
    """The manifest and configuration of a one-layer image archive (`docker save`'s format) of LAYER."""
    config = {
        "architecture": architecture.debian,  # as in docker_platform
        "os": "linux",
        "config": {"Env": [f"PATH={IMAGE_PATH}"], "Cmd": ["/bin/bash"]},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{file_sha256(layer)}"]},
    }
    manifest = [{"Config": "config.json", "RepoTags": [name], "Layers": ["layer.tar"]}]
    return {"manifest.json": json.dumps(manifest).encode(), "config.json": json.dumps(config).encode()}


def load_image(name: str, layer: Path, architecture: Architecture) -> None:
    """Load LAYER into Docker as the image NAME of ARCHITECTURE.

    An image archive for `docker load` rather than `docker import`, which Docker engines may label
    with the host's architecture whatever its --platform says (20.10 does); cibuildwheel runs an
    aarch64 image with `--platform linux/arm64`, and for an image labelled amd64 it asks the engine
    to pull one (scripts/tests/test_docker_archs.py checks the label).
    """
    try:
        members = image_archive_members(name, layer, architecture)
    except OSError as error:
        raise ContainerError(f"cannot read the image's layer {layer}: {error.strerror}") from error
    loader = subprocess.Popen(
        ["docker", "load", "--quiet"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        error_output = feed(loader, members, layer)
    except BaseException as error:  # Ctrl-C, an unreadable layer: docker must not load half an image
        loader.kill()
        loader.wait()
        if isinstance(error, OSError):
            raise ContainerError(f"cannot hand the image to docker load: {error.strerror or error}") from error
        raise
    finally:
        for stream in (loader.stdin, loader.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
    if loader.returncode != 0:
        raise ContainerError(f"docker load failed: {error_output.strip()[-300:]}")


def feed(loader: subprocess.Popen[bytes], members: dict[str, bytes], layer: Path) -> str:
    """Write the image archive (MEMBERS, then LAYER) to LOADER, wait for it, and return what it said on stderr."""
    if loader.stdin is None or loader.stderr is None:
        raise ContainerError("docker load was started without pipes")
    try:
        with tarfile.open(fileobj=loader.stdin, mode="w|") as archive:
            for member, content in members.items():
                info = tarfile.TarInfo(member)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
            archive.add(layer, arcname="layer.tar")
        loader.stdin.close()
    except BrokenPipeError:
        pass  # docker load stopped reading: what it says on stderr is the reason
    error_output = loader.stderr.read().decode(errors="replace")
    loader.wait()
    return error_output
