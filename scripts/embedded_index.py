"""The embedded package index: pypiserver on 127.0.0.1, for publishing offline and for tests.

Anyone may list and download; uploads need a password made up when it starts, which only its
`target` carries (as twine settings). Files are kept in one directory, so another stage (the
post-publish check) can serve them again. It stops on leaving the `with` block, whatever the
reason, and the password file goes with it.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from project import file_sha256
from release_errors import PublishError
from simple_index import answers

with warnings.catch_warnings():
    # passlib 1.7.4, its last release, imports the crypt module that Python 3.11 deprecates
    # (on 3.13, where crypt is gone, passlib does without it).
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.apache import HtpasswdFile  # type: ignore[import-untyped]
    from passlib.context import CryptContext  # type: ignore[import-untyped]

START_TIMEOUT = 30.0  # seconds for the embedded index to answer
STOP_TIMEOUT = 5.0  # seconds for the embedded index to exit before it is killed


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_htpasswd(path: Path, user: str, password: str) -> None:
    """An htpasswd file holding one user, for pypiserver's upload authentication."""
    # The password is 256 random bits that live for one run, so key stretching buys nothing; the
    # fewest rounds sha256_crypt allows keep pypiserver's check of each upload fast.
    context = CryptContext(schemes=["sha256_crypt"], sha256_crypt__rounds=1000)
    htpasswd = HtpasswdFile(str(path), new=True, context=context)
    htpasswd.set_password(user, password)
    htpasswd.save()


class EmbeddedIndex:
    """pypiserver on 127.0.0.1, storing its files in one directory; a context manager.

    Anyone may list and download; uploads need the password made up when it starts, which only
    ``target`` carries (for twine). The server stops on leaving the ``with`` block, whatever the
    reason, and the password file goes with it. Another stage can serve the same directory again.
    """

    user = "publish"

    def __init__(self, storage: Path, *, start_timeout: float = START_TIMEOUT) -> None:
        """Prepare to serve ``storage`` (created if missing); nothing runs before ``with``."""
        self.storage = storage.resolve()
        self.start_timeout = start_timeout
        self.port = 0
        self._password = ""
        self._private: Path | None = None  # the password file and the server's log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The upload URL."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        """The simple index root, for pip's --index-url."""
        return f"{self.url}simple/"

    @property
    def pid(self) -> int:
        """The process id of the server."""
        if self._process is None:
            raise RuntimeError("the embedded index has not been started")
        return self._process.pid

    @property
    def twine_settings(self) -> dict[str, str]:
        """What twine needs to upload here: the URL and this run's credentials."""
        return {"TWINE_REPOSITORY_URL": self.url, "TWINE_USERNAME": self.user, "TWINE_PASSWORD": self._password}

    def __enter__(self) -> EmbeddedIndex:
        """Start serving; stops again if it does not come up."""
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Stop serving."""
        self.stop()

    def start(self) -> None:
        """Run pypiserver and wait until it answers; PublishError if it does not."""
        self.storage.mkdir(parents=True, exist_ok=True)
        self._private = Path(tempfile.mkdtemp(prefix="pyo3-showcase-index-"))
        self._password = secrets.token_urlsafe(32)
        write_htpasswd(self._private / "htpasswd", self.user, self._password)
        self.port = free_port()
        command = [
            *(sys.executable, "-m", "pypiserver", "run", "--host", "127.0.0.1", "--port", str(self.port)),
            *("--authenticate", "update", "--passwords", str(self._private / "htpasswd")),
            "--disable-fallback",  # never send a client elsewhere for a project this index lacks
            *("--hash-algo", "sha256", "--backend", "simple-dir", "--server", "wsgiref", str(self.storage)),
        ]
        with (self._private / "server.log").open("wb") as log:
            # A session of its own: Ctrl-C reaches only us, and we stop the server after twine is gone.
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise PublishError(f"the embedded index (pypiserver) exited as it started: {self._log_tail()}")
            try:
                if answers(f"{self.url}health") == 200:
                    return
            except PublishError:
                pass  # not listening yet
            time.sleep(0.1)
        raise PublishError(
            f"the embedded index (pypiserver) did not answer on {self.url} in {self.start_timeout:.0f} s: "
            f"{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        log = self._private / "server.log" if self._private else None
        lines = log.read_text(errors="replace").split("\n") if log and log.exists() else []
        return next((line.strip() for line in reversed(lines) if line.strip()), "it printed nothing")

    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop the server and delete the password file; safe to call again."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    def discard_partial_uploads(self, new_files: Mapping[str, str]) -> None:
        """After stop(): delete any of NEW_FILES (name -> sha256) the storage holds with other bytes.

        pypiserver writes an upload in place, so a server stopped mid-write leaves a truncated
        file; new_files were absent before this run, so other bytes can only be such a remnant.
        """
        for name, sha256 in new_files.items():
            stored = self.storage / name
            if stored.exists() and file_sha256(stored) != sha256:
                stored.unlink()

    def serve_until_interrupted(self) -> None:
        """Say so and serve until Ctrl-C or SIGTERM, then return; PublishError if the server stops by itself."""
        try:
            # Said inside the try: whoever interrupts because of this line is answered by a clean stop.
            print(f"serving {self.simple_url} (pypiserver pid {self.pid}); Ctrl-C stops it", flush=True)
            while self.running():
                time.sleep(0.2)
        except KeyboardInterrupt:
            return
        raise PublishError(f"the embedded index (pypiserver) stopped by itself: {self._log_tail()}")
