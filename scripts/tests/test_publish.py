"""scripts/publish.py against a real pypiserver and real twine, on 127.0.0.1 only."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from embedded_index import EmbeddedIndex
from project import file_sha256
from publish import Distribution, distributions, open_target, publish_files
from simple_index import project_files, simple_url_for

SCRIPT = Path(__file__).resolve().parent.parent / "publish.py"
REPO = SCRIPT.parent.parent
EXIT_PUBLISH = 16
WAIT = 60  # seconds: the bound on any one command here


def environment(**extra: str) -> dict[str, str]:
    """Our environment minus twine settings and pip configuration that could send anything elsewhere."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("TWINE_", "PIP_"))}
    return {**inherited, "PIP_CONFIG_FILE": os.devnull, **extra}


def run_publish(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run scripts/publish.py to its end."""
    command = [sys.executable, str(SCRIPT), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env or environment(), timeout=WAIT, check=False)


def stored(storage: Path) -> dict[str, str]:
    """File name -> sha256 of every file under a directory (recursively, relative names)."""
    return {str(p.relative_to(storage)): file_sha256(p) for p in sorted(storage.rglob("*")) if p.is_file()}


def hashes(dists: list[Distribution]) -> dict[str, str]:
    """File name -> sha256 of distributions."""
    return {dist.name: dist.sha256 for dist in dists}


def status_lines(output: str) -> list[tuple[str, str]]:
    """The (status, file name) lines of publish.py's output."""
    found = re.findall(r"^(uploaded|already there, same bytes) +(\S+)$", output, re.MULTILINE)
    return [(status, name) for status, name in found]


@pytest.fixture(scope="module")
def dist_dir(abi3_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release directory: the real abi3 wheel and an sdist of this project."""
    directory = tmp_path_factory.mktemp("dist")
    shutil.copy2(abi3_wheel, directory)
    command = [sys.executable, "-m", "maturin", "sdist", "--out", str(directory)]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=WAIT)
    return directory


@pytest.fixture
def dists(dist_dir: Path) -> list[Distribution]:
    """The release's files as publish.py sees them: the wheel, then the sdist."""
    return distributions(dist_dir)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 held (bound, not listening) so that connecting to it is refused."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def test_distributions_lists_wheels_before_the_sdist(dists: list[Distribution]) -> None:
    """An index must never offer the sdist alone, so wheels go up first."""
    assert [d.name.endswith(".whl") for d in dists] == [True, False]
    assert {d.project for d in dists} == {"pyo3-showcase"}


def test_publish_then_pip_download_gives_identical_bytes(dist_dir: Path, tmp_path: Path) -> None:
    """What pip gets from the embedded index is byte for byte what was built."""
    wheel, sdist = distributions(dist_dir)
    result = run_publish(dist_dir, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert status_lines(result.stdout) == [("uploaded", wheel.name), ("uploaded", sdist.name)]
    assert re.search(r"^index: http://127\.0\.0\.1:\d+/simple/", result.stdout, re.MULTILINE)

    # Served again over the same files, as the post-publish stage does.
    with EmbeddedIndex(tmp_path / "out" / "index" / "packages") as index:
        version = wheel.name.split("-")[1]
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--no-cache-dir"]
        command += ["--disable-pip-version-check", "--index-url", index.simple_url, f"pyo3-showcase=={version}"]
        subprocess.run([*command, "-d", str(tmp_path / "got")], env=environment(), check=True, timeout=WAIT)
    assert stored(tmp_path / "got") == {wheel.name: wheel.sha256}
    assert stored(tmp_path / "out") == {f"index/packages/{d.name}": d.sha256 for d in (wheel, sdist)}


def test_open_target_serves_while_the_block_runs(
    dist_dir: Path, dists: list[Distribution], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As scripts/release.py uses it: publish, then read from the index before the block ends."""
    for name in ("TWINE_REPOSITORY", "TWINE_REPOSITORY_URL"):
        monkeypatch.delenv(name, raising=False)
    with open_target(tmp_path / "out") as target:
        assert target.embedded is not None
        summary = publish_files(dist_dir.iterdir(), target)
        listed = project_files(target.simple_url, "pyo3-showcase")
    assert summary == f"2 uploaded, 0 already there, to {target.upload_url}"
    assert {name: file.sha256 for name, file in listed.items()} == hashes(dists)
    assert not target.embedded.running()


def test_rerun_after_partial_upload_uploads_only_what_is_missing(dist_dir: Path, tmp_path: Path) -> None:
    """A re-run completes a partial upload and skips the files already there."""
    wheel, sdist = distributions(dist_dir)
    wheel_only = tmp_path / "wheel-only"
    wheel_only.mkdir()
    shutil.copy2(wheel.path, wheel_only)
    out = tmp_path / "out"

    first = run_publish(wheel_only, "--out", out)
    assert first.returncode == 0, first.stderr
    assert status_lines(first.stdout) == [("uploaded", wheel.name)]

    second = run_publish(dist_dir, "--out", out)
    assert second.returncode == 0, second.stderr
    assert status_lines(second.stdout) == [("already there, same bytes", wheel.name), ("uploaded", sdist.name)]
    assert stored(out / "index" / "packages") == hashes([wheel, sdist])


def test_same_name_other_bytes_is_refused_and_nothing_uploaded(dist_dir: Path, tmp_path: Path) -> None:
    """A rebuilt file under a published name stops everything before the first upload."""
    wheel, sdist = distributions(dist_dir)
    storage = tmp_path / "out" / "index" / "packages"
    storage.mkdir(parents=True)
    shutil.copy2(wheel.path, storage)  # published earlier
    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    shutil.copy2(sdist.path, rebuilt)
    shutil.copy2(wheel.path, rebuilt)
    with zipfile.ZipFile(rebuilt / wheel.name, "a") as changed:
        changed.writestr("pyo3_showcase/rebuilt.txt", "same name, other bytes")
    changed_sha256 = file_sha256(rebuilt / wheel.name)

    result = run_publish(rebuilt, "--out", tmp_path / "out")

    assert result.returncode == EXIT_PUBLISH
    (line,) = result.stderr.splitlines()
    assert wheel.name in line
    assert wheel.sha256 in line
    assert changed_sha256 in line
    assert status_lines(result.stdout) == []
    assert stored(storage) == hashes([wheel])  # the sdist, though missing, was not uploaded either


def test_wrong_credentials_are_refused_in_one_line(dist_dir: Path, tmp_path: Path) -> None:
    """Twine's 403 becomes one line naming the index, and the password is not echoed."""
    with EmbeddedIndex(tmp_path / "other-index") as index:
        env = environment(TWINE_USERNAME=index.user, TWINE_PASSWORD="not-the-password")
        result = run_publish(dist_dir, "--repository-url", index.url, env=env)
    assert result.returncode == EXIT_PUBLISH
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: the index refused the credentials for {index.url} ")
    assert "not-the-password" not in result.stdout + result.stderr
    assert stored(tmp_path / "other-index") == {}


def test_named_repository_from_pypirc(dist_dir: Path, dists: list[Distribution], tmp_path: Path) -> None:
    """--repository NAME uses twine's .pypirc section, and the simple index is derived from its URL."""
    with EmbeddedIndex(tmp_path / "other-index") as index:
        result = run_publish(dist_dir, "--repository", "local", env=pypirc_for(index, tmp_path))
    assert result.returncode == 0, result.stderr
    assert f"(simple index {index.simple_url})" in result.stdout
    assert status_lines(result.stdout) == [("uploaded", d.name) for d in dists]
    assert stored(tmp_path / "other-index") == hashes(dists)


def test_unreachable_index_is_one_line_and_nothing_else(dist_dir: Path, closed_port: int) -> None:
    """A port nobody listens on fails the preflight at once, before twine runs."""
    url = f"http://127.0.0.1:{closed_port}/"
    result = run_publish(dist_dir, "--repository-url", url, env=environment(TWINE_USERNAME="u", TWINE_PASSWORD="p"))
    assert result.returncode == EXIT_PUBLISH
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: index unreachable: {url} (")
    assert status_lines(result.stdout) == []


def test_a_simple_index_that_is_not_there_is_not_guessed(dist_dir: Path, tmp_path: Path) -> None:
    """A derived simple URL that does not answer asks for --simple-url instead of assuming "nothing there"."""
    with EmbeddedIndex(tmp_path / "other-index") as index:
        result = run_publish(dist_dir, "--repository-url", f"{index.url}elsewhere/")
    assert result.returncode == EXIT_PUBLISH
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: no simple index at {index.url}elsewhere/simple/ (HTTP 404); pass --simple-url")


def read_lines(stream: Iterator[str], lines: queue.Queue[str]) -> None:
    """Copy a process's output into a queue, line by line; an empty string marks its end."""
    for line in stream:
        lines.put(line)
    lines.put("")


def wait_for_line(lines: queue.Queue[str], pattern: str) -> re.Match[str]:
    """The first line matching pattern, within the time bound."""
    seen = []
    while line := lines.get(timeout=WAIT):
        seen.append(line)
        if match := re.match(pattern, line):
            return match
    pytest.fail(f"no line matching {pattern!r}; the output was {seen}")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_stops_the_index_and_leaves_only_whole_files(
    dist_dir: Path, dists: list[Distribution], tmp_path: Path, signum: signal.Signals
) -> None:
    """Ctrl-C or SIGTERM while serving: a clean exit, the server gone, only whole files left."""
    command = [sys.executable, str(SCRIPT), str(dist_dir), "--out", str(tmp_path / "out"), "--keep-serving"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment()
    ) as proc:
        try:
            assert proc.stdout is not None
            lines: queue.Queue[str] = queue.Queue()
            threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
            serving = wait_for_line(lines, r"serving http://127\.0\.0\.1:(\d+)/simple/ \(pypiserver pid (\d+)\)")
            port, pid = int(serving[1]), int(serving[2])
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass  # it serves
            proc.send_signal(signum)
            assert proc.wait(timeout=WAIT) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    assert stored(tmp_path / "out") == {f"index/packages/{d.name}": d.sha256 for d in dists}


def test_an_interrupted_upload_leaves_no_truncated_file(dists: list[Distribution], tmp_path: Path) -> None:
    """Pypiserver writes uploads in place; a file cut off by a stop is removed, a whole one kept."""
    wheel, sdist = dists
    index = EmbeddedIndex(tmp_path)  # not started: discarding looks at the storage only
    (tmp_path / wheel.name).write_bytes(wheel.path.read_bytes()[:1000])  # cut off mid-write
    shutil.copy2(sdist.path, tmp_path)  # landed whole
    index.discard_partial_uploads({dist.name: dist.sha256 for dist in dists})
    assert stored(tmp_path) == hashes([sdist])


@pytest.mark.parametrize(
    ("upload_url", "simple_url"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/simple/"),
        ("https://upload.example.org/legacy/", "https://example.org/simple/"),
        ("https://test.example.org/legacy", "https://test.example.org/simple/"),
        ("https://repo.example.com/repository/pypi-hosted/", "https://repo.example.com/repository/pypi-hosted/simple/"),
    ],
)
def test_simple_url_for(upload_url: str, simple_url: str) -> None:
    """Warehouse's /legacy/ maps to /simple/ on the main host; elsewhere simple/ is under the upload URL."""
    assert simple_url_for(upload_url) == simple_url


class SimpleJsonPage(BaseHTTPRequestHandler):
    """A PEP 691 index of one project, p, holding one file."""

    def do_GET(self) -> None:
        body = b'{"meta": {"api-version": "1.1"}, "name": "p", "files": [{"filename": "p-1.0.tar.gz", '
        body += b'"url": "../../files/p-1.0.tar.gz", "hashes": {"sha256": "ab12"}}]}'
        found = self.path == "/simple/p/"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
        self.end_headers()
        self.wfile.write(body if found else b"")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_project_files_reads_a_pep_691_json_index() -> None:
    """pypiserver answers in HTML (the tests above); a JSON index is read alike, URLs resolved."""
    with ThreadingHTTPServer(("127.0.0.1", 0), SimpleJsonPage) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            root = f"http://127.0.0.1:{server.server_address[1]}/simple/"
            listed = project_files(root, "p")
            assert project_files(root, "unknown") == {}
        finally:
            server.shutdown()
    assert {name: (f.url, f.sha256) for name, f in listed.items()} == {
        "p-1.0.tar.gz": (f"http://127.0.0.1:{server.server_address[1]}/files/p-1.0.tar.gz", "ab12")
    }


def pypirc_for(index: EmbeddedIndex, home: Path) -> dict[str, str]:
    """An environment whose ~/.pypirc names INDEX "local", as a real index is named."""
    password = index.twine_settings["TWINE_PASSWORD"]
    pypirc = f"[distutils]\nindex-servers = local\n\n[local]\nrepository = {index.url}\n"
    (home / ".pypirc").write_text(f"{pypirc}username = {index.user}\npassword = {password}\n")
    return environment(HOME=str(home))


def signed_copy(dist_dir: Path, to: Path, attestation: str, *, sign_sdist: bool = True) -> Path:
    """A copy of DIST_DIR in which each file has ATTESTATION as its FILE.publish.attestation."""
    shutil.copytree(dist_dir, to)
    for dist in distributions(to):
        if sign_sdist or dist.name.endswith(".whl"):
            dist.path.with_name(f"{dist.name}.publish.attestation").write_text(attestation)
    return to


def publish_attested(signed: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """publish.py --attestations to an embedded index in tmp_path/index, named in .pypirc as a real one is."""
    with EmbeddedIndex(tmp_path / "index") as index:
        return run_publish(signed, "--repository", "local", "--attestations", env=pypirc_for(index, tmp_path))


def test_a_file_without_its_attestation_stops_the_run_before_any_upload(dist_dir: Path, tmp_path: Path) -> None:
    """--attestations: every file needs FILE.publish.attestation; one missing and nothing goes up."""
    result = publish_attested(signed_copy(dist_dir, tmp_path / "dist", "{}", sign_sdist=False), tmp_path)
    assert result.returncode == EXIT_PUBLISH
    (line,) = result.stderr.splitlines()
    assert "have no PEP 740 attestation beside them (pyo3_showcase-" in line
    assert line.endswith("Nothing was uploaded")
    assert stored(tmp_path / "index") == {}


def test_each_file_goes_up_with_its_attestation(dist_dir: Path, tmp_path: Path) -> None:
    """twine gets --attestations and each file's attestation beside it (this index ignores them)."""
    signed = signed_copy(dist_dir, tmp_path / "dist", "{}")
    result = publish_attested(signed, tmp_path)
    assert result.returncode == 0, result.stderr
    assert stored(tmp_path / "index") == hashes(distributions(signed))


def test_twine_reads_each_attestation_it_is_given(dist_dir: Path, tmp_path: Path) -> None:
    """An attestation that is not JSON fails the upload: twine got the flag and the file, and read it."""
    result = publish_attested(signed_copy(dist_dir, tmp_path / "dist", "not JSON"), tmp_path)
    assert result.returncode == EXIT_PUBLISH
    assert "attestation" in result.stderr.lower()
    assert stored(tmp_path / "index") == {}


def test_the_embedded_index_takes_no_attestations(dist_dir: Path, tmp_path: Path) -> None:
    result = run_publish(dist_dir, "--out", tmp_path, "--attestations")
    assert result.returncode == 3
    assert result.stderr.strip() == "error: --attestations needs a real index (--repository or --repository-url)"
