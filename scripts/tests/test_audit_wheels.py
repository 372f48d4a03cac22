"""The audit stage on real wheels: the one this project builds, and copies of it broken on purpose.

Every check runs the real tool (auditwheel, abi3audit, twine, check-wheel-contents); the broken
copies are made the way such wheels come about: a bit flipped in transit, an extension linked
against a system library, a file changed after RECORD was written, an unrepaired linux_* wheel.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from audit_wheels import AuditReport, audit
from release_errors import AuditError

AUDIT_SCRIPT = Path(__file__).resolve().parent.parent / "audit_wheels.py"


def rewrite_wheel(source: Path, target: Path, replace: dict[str, bytes], *, update_record: bool) -> Path:
    """A copy of SOURCE named TARGET with some members' bytes replaced, RECORD rewritten or left stale."""
    with zipfile.ZipFile(source) as original:
        members = {info.filename: original.read(info) for info in original.infolist()}
    members.update(replace)
    (record_name,) = [name for name in members if name.endswith(".dist-info/RECORD")]
    if update_record:
        rows = []
        for name, content in members.items():
            if name == record_name:
                rows.append(f"{name},,")
            else:
                digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
                rows.append(f"{name},sha256={digest},{len(content)}")
        members[record_name] = ("\n".join(rows) + "\n").encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for name, content in members.items():
            copy.writestr(name, content)
    return target


def extension_name(wheel: Path) -> str:
    """The compiled _native module's path inside WHEEL."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.startswith("pyo3_showcase/_native") and n.endswith(".so")]
    return name


def test_the_real_abi3_wheel_passes_every_check(abi3_wheel: Path) -> None:
    """The abi3 wheel this project builds passes every check, with the real tools."""
    (report,) = audit([abi3_wheel])
    assert isinstance(report, AuditReport)
    assert {result.check: result.status for result in report.results} == {
        "integrity": "ok",
        "record": "ok",
        "auditwheel": "ok",
        "abi3audit": "ok",
        "twine": "ok",
        "contents": "ok",
        "sbom": "ok",
    }
    assert "auditwheel ok (manylinux_2_28_x86_64)" in report.line()


def test_a_flipped_byte_inside_a_member_is_a_corrupted_file(abi3_wheel: Path, tmp_path: Path) -> None:
    """One bit flipped inside the extension's compressed bytes is caught by its CRC."""
    damaged = tmp_path / abi3_wheel.name
    shutil.copy(abi3_wheel, damaged)
    with zipfile.ZipFile(damaged) as archive:
        info = archive.getinfo(extension_name(damaged))
    data = bytearray(damaged.read_bytes())
    # The member's bytes start after its local header (30 bytes, then its name and extra field).
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x01
    damaged.write_bytes(bytes(data))

    with pytest.raises(AuditError, match=r"^corrupted file: .*_native\.abi3\.so") as caught:
        audit([damaged])
    assert caught.value.exit_code == 13
    assert "\n" not in str(caught.value)


@pytest.mark.skipif(shutil.which("patchelf") is None, reason="patchelf is needed to link the extension to sqlite")
def test_an_extension_linking_a_library_outside_the_policy_is_named(abi3_wheel: Path, tmp_path: Path) -> None:
    """An extension that needs libsqlite3 is not manylinux, and the error names the library."""
    member = extension_name(abi3_wheel)
    with zipfile.ZipFile(abi3_wheel) as archive:
        extension = tmp_path / "extension.so"
        extension.write_bytes(archive.read(member))
    subprocess.run(["patchelf", "--add-needed", "libsqlite3.so.0", str(extension)], check=True)
    patched = {member: extension.read_bytes()}
    relinked = rewrite_wheel(abi3_wheel, tmp_path / abi3_wheel.name, patched, update_record=True)

    with pytest.raises(AuditError, match=r"^platform policy violation: .*libsqlite3\.so\.0") as caught:
        audit([relinked])
    assert "manylinux_2_28" in str(caught.value)


def test_a_file_changed_after_record_was_written_is_a_record_mismatch(abi3_wheel: Path, tmp_path: Path) -> None:
    """A member changed without rewriting RECORD is named, though the zip itself is sound."""
    changed = {"pyo3_showcase/dnd.py": b"raise ImportError('tampered')\n"}
    tampered = rewrite_wheel(abi3_wheel, tmp_path / abi3_wheel.name, changed, update_record=False)
    with pytest.raises(AuditError, match=r"^RECORD mismatch: .*pyo3_showcase/dnd\.py does not match its sha256"):
        audit([tampered])


def test_an_unrepaired_linux_wheel_is_refused(abi3_wheel: Path, tmp_path: Path) -> None:
    """A linux_x86_64 wheel (never repaired) is refused before any index refuses it."""
    unrepaired = tmp_path / abi3_wheel.name.replace("manylinux_2_28_x86_64", "linux_x86_64")
    shutil.copy(abi3_wheel, unrepaired)
    with pytest.raises(AuditError, match=r"^platform policy violation: .*tagged linux_x86_64"):
        audit([unrepaired])


def test_the_command_line_prints_a_line_per_file_and_exits_with_the_audit_code(
    abi3_wheel: Path, tmp_path: Path
) -> None:
    """The command line prints one line per file, then the one-line error, and exits 13."""
    truncated = tmp_path / abi3_wheel.name
    truncated.write_bytes(abi3_wheel.read_bytes()[:1000])
    result = subprocess.run(
        [sys.executable, str(AUDIT_SCRIPT), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == AuditError.exit_code
    assert result.stdout.splitlines() == [
        f"{truncated.name}: integrity FAILED (unreadable: File is not a zip file), record skipped, "
        "auditwheel skipped, abi3audit skipped, twine skipped, contents skipped, sbom skipped"
    ]
    assert result.stderr.startswith("error: corrupted file: ")
    assert len(result.stderr.splitlines()) == 1


def sbom_member(wheel: Path) -> str:
    """The SBOM's path inside WHEEL."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if ".dist-info/sboms/" in n]
    return name


def test_an_sbom_that_disagrees_with_cargo_lock_is_refused(abi3_wheel: Path, tmp_path: Path) -> None:
    """An SBOM naming another version of a crate than Cargo.lock pins does not describe this build."""
    member = sbom_member(abi3_wheel)
    with zipfile.ZipFile(abi3_wheel) as archive:
        sbom = json.loads(archive.read(member))
    memchr = next(component for component in sbom["components"] if component["name"] == "memchr")
    memchr["version"] = "9.9.9"
    changed = {member: json.dumps(sbom).encode()}
    rewritten = rewrite_wheel(abi3_wheel, tmp_path / abi3_wheel.name, changed, update_record=True)
    with pytest.raises(AuditError, match=r"^SBOM mismatch: .*lists memchr 9\.9\.9, which Cargo\.lock does not pin"):
        audit([rewritten])


def test_an_sbom_that_is_not_cyclonedx_is_refused(abi3_wheel: Path, tmp_path: Path) -> None:
    member = sbom_member(abi3_wheel)
    with zipfile.ZipFile(abi3_wheel) as archive:
        sbom = json.loads(archive.read(member))
    sbom["components"][0]["scope"] = "sometimes"  # CycloneDX allows required, optional, excluded
    changed = {member: json.dumps(sbom).encode()}
    rewritten = rewrite_wheel(abi3_wheel, tmp_path / abi3_wheel.name, changed, update_record=True)
    with pytest.raises(AuditError, match=r"^SBOM mismatch: .*is not valid CycloneDX 1\.5"):
        audit([rewritten])
