"""A wheel's CycloneDX SBOM: valid for its schema, and naming exactly the crates Cargo.lock pins.

maturin writes the SBOM of the Rust build into every wheel (.dist-info/sboms/*.cyclonedx.json): the
crates compiled in, each with its version and the sha256 of its source. The audit stage
(scripts/audit_wheels.py) checks it here: the document validates against the CycloneDX schema of
its specVersion (cyclonedx-python-lib's strict validator), it describes this project at the wheel's
version, and every crate it lists is one Cargo.lock pins, at the same version and with the same
checksum: an SBOM that names another crate, version or source than the lock is refused. (Cargo.lock
also pins crates the build does not compile, for other platforms and features, so it is no
one-to-one list.)
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

if sys.version_info >= (3, 11):
    import tomllib
else:  # the release tools run on 3.11+; tomli is tomllib's backport for anyone still on 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

PROJECT_CRATE = "pyo3-showcase"


def locked_crates(cargo_lock: str) -> dict[tuple[str, str], str | None]:
    """(name, version) -> checksum of every package Cargo.lock pins (None for path crates)."""
    return {
        (package["name"], package["version"]): package.get("checksum")
        for package in tomllib.loads(cargo_lock)["package"]
    }


def sbom_documents(wheel: Path) -> list[tuple[str, str]]:
    """(member name, text) of every SBOM in WHEEL."""
    with zipfile.ZipFile(wheel) as archive:
        return [(name, archive.read(name).decode()) for name in archive.namelist() if ".dist-info/sboms/" in name]


def crates_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every crate component an SBOM lists, nested ones included."""
    found = []
    pending = list(document.get("components", []))
    while pending:
        component = pending.pop()
        found.append(component)
        pending.extend(component.get("components", []))
    return [component for component in found if str(component.get("purl", "")).startswith("pkg:cargo/")]


def problems_of(wheel: Path, cargo_lock: str) -> list[str]:
    """Every way WHEEL's SBOM is missing, invalid, or disagrees with CARGO_LOCK."""
    documents = sbom_documents(wheel)
    if not documents:
        return ["holds no SBOM (.dist-info/sboms/*.cyclonedx.json)"]
    version = wheel.name.split("-")[1]
    locked = locked_crates(cargo_lock)
    problems = []
    for name, text in documents:
        document = json.loads(text)
        validator = JsonStrictValidator(SchemaVersion.from_version(str(document.get("specVersion"))))
        if error := validator.validate_str(text):
            problems.append(
                f"{name} is not valid CycloneDX {document.get('specVersion')}: {str(error).splitlines()[0]}"
            )
        root = document.get("metadata", {}).get("component", {})
        if (root.get("name"), root.get("version")) != (PROJECT_CRATE, version):
            problems.append(f"{name} describes {root.get('name')} {root.get('version')}, not {PROJECT_CRATE} {version}")
        for crate in crates_of(document):
            key = (crate["name"], crate["version"])
            if key == (PROJECT_CRATE, version) or crate["name"] == "_native":
                continue
            digests = {digest["content"] for digest in crate.get("hashes", []) if digest.get("alg") == "SHA-256"}
            if key not in locked:
                problems.append(f"{name} lists {key[0]} {key[1]}, which Cargo.lock does not pin")
            elif locked[key] is not None and digests != {locked[key]}:
                problems.append(f"{name} lists {key[0]} {key[1]} with another checksum than Cargo.lock's")
    return problems
