"""What a package index holds of a project, read from its simple API (PEP 503 HTML or PEP 691 JSON).

The pages are read with pypi-simple, the maintained client of the simple repository API; the rest
is what publishing and the post-publish check need on top: whether an index answers at all, the
simple index that goes with an upload URL, and a file's sha256 when the index lists none.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from http.client import HTTPException
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import Request, urlopen

import requests
from pypi_simple import NoSuchProjectError, PyPISimple
from release_errors import PublishError

HTTP_TIMEOUT = 30.0  # seconds for one request to an index


@dataclass(frozen=True)
class IndexFile:
    """A file a simple index lists."""

    url: str
    sha256: str | None  # None when the index gives no sha256 for it


def answers(url: str, *, method: str = "GET") -> int:
    """The HTTP status URL answers with; PublishError only if the server cannot be talked to."""
    try:
        with urlopen(Request(url, method=method), timeout=HTTP_TIMEOUT) as response:
            status: int = response.status
            return status
    except HTTPError as error:
        error.close()
        return error.code
    except (OSError, HTTPException) as error:
        raise PublishError(f"index unreachable: {url} ({getattr(error, 'reason', error)})") from None


def project_files(simple_url: str, project: str) -> dict[str, IndexFile]:
    """What the index at SIMPLE_URL holds of PROJECT, by file name; empty if it has never heard of it."""
    with PyPISimple(endpoint=simple_url) as client:
        try:
            page = client.get_project_page(project, timeout=HTTP_TIMEOUT)
        except NoSuchProjectError:
            return {}
        except requests.HTTPError as error:
            raise PublishError(f"cannot read {simple_url}{project}/ ({error}); pass a readable --simple-url") from None
        except requests.RequestException as error:
            raise PublishError(f"index unreachable: {simple_url} ({error})") from None
    return {package.filename: IndexFile(package.url, package.digests.get("sha256")) for package in page.packages}


def url_sha256(url: str) -> str:
    """The sha256 of a file on the index, downloaded (for an index that lists no hash)."""
    digest = hashlib.sha256()
    try:
        with urlopen(Request(url), timeout=HTTP_TIMEOUT) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                digest.update(chunk)
    except HTTPError as error:
        error.close()
        raise PublishError(f"cannot download {url} to compare it (HTTP {error.code})") from None
    except (OSError, HTTPException) as error:
        raise PublishError(f"cannot download {url} to compare it ({getattr(error, 'reason', error)})") from None
    return digest.hexdigest()


def served_sha256(listed: IndexFile) -> str:
    """The sha256 of a listed file: the index's own, or that of its bytes."""
    return listed.sha256 or url_sha256(listed.url)


def simple_url_for(upload_url: str) -> str:
    """The simple index that usually goes with an upload URL (checked before it is trusted)."""
    scheme, host, path, _, _ = urlsplit(upload_url)
    path = path if path.endswith("/") else f"{path}/"
    if path.endswith("/legacy/"):
        # Warehouse, the software of the public index and its test instance: uploads go to
        # <host>/legacy/ (on an "upload." subdomain of the host serving /simple/).
        return urlunsplit((scheme, host.removeprefix("upload."), f"{path[: -len('legacy/')]}simple/", "", ""))
    # pypiserver, Nexus, Artifactory: the simple index lives under the upload URL.
    return urlunsplit((scheme, host, f"{path}simple/", "", ""))
