"""What the benchmark's figures were measured on: the interpreter, the machine, and the wheel."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
import sys
import sysconfig
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyo3_showcase
import pyo3_showcase._native


@dataclass(frozen=True)
class Environment:
    """What the numbers were measured on."""

    interpreter: str
    build: str
    usable_cpus: int
    cpu_model: str
    platform: str
    package_version: str
    load_average: str


@dataclass(frozen=True)
class CpuCapacity:
    """The result of :func:`parallel_capacity` before and after the benchmark."""

    threads: int
    before: float
    after: float


def usable_cpu_count() -> int:
    """The number of CPUs this process may run on."""
    if sys.version_info >= (3, 13):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe_build() -> str:
    """Whether this interpreter is a GIL build or a free-threaded one, and whether the GIL is on."""
    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        return "GIL build (Py_GIL_DISABLED unset)"
    is_gil_enabled: Callable[[], bool] | None = getattr(sys, "_is_gil_enabled", None)
    runtime = "GIL re-enabled at run time" if is_gil_enabled and is_gil_enabled() else "GIL disabled"
    return f"free-threaded build (Py_GIL_DISABLED=1), {runtime}"


def cpu_model() -> str:
    """The CPU's marketing name, where the platform tells it."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown CPU"


def describe_environment() -> Environment:
    """Describe the interpreter, build and machine."""
    load = "n/a"
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return Environment(
        interpreter=f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        build=describe_build(),
        usable_cpus=usable_cpu_count(),
        cpu_model=cpu_model(),
        platform=platform.platform(),
        package_version=pyo3_showcase.__version__,
        load_average=load,
    )


@dataclass(frozen=True)
class WheelSize:
    """The size of the wheel file, and whether its extension module is the one installed."""

    path: Path
    size_bytes: int
    is_installed: bool


# The wheel the size target is about: the abi3 wheel for Linux x86_64 (maturin names it after the
# glibc it was linked for: manylinux_2_28 when built with --zig, the host's glibc otherwise).
ABI3_LINUX_WHEEL = re.compile(r"pyo3_showcase-(?P<version>[^-]+)-cp310-abi3-manylinux_\d+_\d+_x86_64\.whl")


def find_wheel(directory: Path) -> Path | None:
    """The abi3 Linux x86_64 wheel of the installed version in ``directory``, if there is exactly one."""
    version = metadata.version("pyo3-showcase")
    found = [
        path
        for path in directory.glob("*.whl")
        if (match := ABI3_LINUX_WHEEL.fullmatch(path.name)) and match["version"] == version
    ]
    return found[0] if len(found) == 1 else None


def measure_wheel(path: Path) -> WheelSize:
    """The size of the wheel at ``path``, checked against the installed extension module byte for byte."""
    installed = Path(pyo3_showcase._native.__file__)
    with zipfile.ZipFile(path) as wheel:
        name = f"pyo3_showcase/{installed.name}"
        packed = wheel.read(name) if name in wheel.namelist() else b""
    is_installed = hashlib.sha256(packed).digest() == hashlib.sha256(installed.read_bytes()).digest()
    return WheelSize(path, path.stat().st_size, is_installed)
