"""`datatheque fetch`: download the national files of the Etalab administrative divisions.

`settings.national_url` is either the npm tarball of `@etalab/decoupage-administratif`
(a gzip tar whose `package/data/` contains the JSON files) or the URL of a folder
serving `regions.json`, `departements.json`, … directly. Every file is downloaded
to a temporary file in `settings.national_dir`, checked to be a JSON array, and
renamed into place only when all of them are complete, so a failed fetch leaves
the previous files, or none, and never a partial one.
"""

from __future__ import annotations

import json
import logging
import os
import tarfile
import tempfile
import time
from pathlib import Path

import requests

from graph.geo import ETALAB_FILES
from graph.i18n import N_
from graph.settings import Settings

log = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"


class FetchError(Exception):
    """A download failed; `message` is a msgid of the catalogue, formatted with `params`."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


def fetch_national(settings: Settings) -> list[Path]:
    """Download the national JSON files into `settings.national_dir` and return their paths.

    Raises FetchError when a download fails, times out, is truncated or is not
    the expected package; the files already in the directory are then unchanged.
    """
    url = settings.national_url
    directory = settings.national_dir
    started = time.perf_counter()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FetchError(
            N_("The directory %(directory)s cannot be created: %(error)s"),
            directory=str(directory),
            error=error.strerror or str(error),
        ) from None

    staged: dict[str, Path] = {}
    try:
        with requests.Session() as session:
            if _is_folder(url):
                for name in ETALAB_FILES:
                    file_url = url.rstrip("/") + f"/{name}.json"
                    staged[name] = _download(session, file_url, directory, settings.http_timeout)
            else:
                archive = _download(session, url, directory, settings.http_timeout)
                try:
                    staged = _extract(archive, url, directory)
                finally:
                    archive.unlink(missing_ok=True)
        for name, path in staged.items():
            _check_json(path, f"{name}.json", url)
        written = []
        for name in ETALAB_FILES:
            target = directory / f"{name}.json"
            os.replace(staged.pop(name), target)
            written.append(target)
    finally:
        for path in staged.values():
            path.unlink(missing_ok=True)

    size = sum(path.stat().st_size for path in written)
    log.info("fetched %d files (%d bytes) from %s in %.2f s", len(written), size, url, time.perf_counter() - started)
    return written


def _is_folder(url: str) -> bool:
    """Tell a folder URL from a tarball URL by its last path segment.

    >>> _is_folder("https://registry.npmjs.org/@etalab/decoupage-administratif/-/decoupage-administratif-6.0.0.tgz")
    False
    >>> _is_folder("http://127.0.0.1:8080/data/")
    True
    """
    path = url.split("?", 1)[0].rstrip("/")
    return not path.endswith((".tgz", ".tar.gz", ".tar"))


def _temporary_file(directory: Path, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=".fetch-", suffix=suffix, dir=directory)
    os.close(handle)
    # mkstemp creates the file readable by its owner only; the national files are public data.
    os.chmod(name, 0o644)
    return Path(name)


def _download(session: requests.Session, url: str, directory: Path, timeout: float) -> Path:
    """Stream one URL into a temporary file of `directory` and return its path.

    Raises FetchError on an HTTP error status, a timeout (connecting or between
    two reads) or a body shorter than its Content-Length, which urllib3 detects.
    """
    path = _temporary_file(directory, ".part")
    try:
        with session.get(url, stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise FetchError(
                    N_("%(url)s answered HTTP %(status)s: check the URL (setting national_url or --url)."),
                    url=url,
                    status=str(response.status_code),
                )
            with path.open("wb") as output:
                for chunk in response.iter_content(CHUNK_SIZE):
                    output.write(chunk)
    except requests.RequestException as error:
        path.unlink(missing_ok=True)
        reason = _reason(error)
        log.error("download of %s failed: %s", url, reason)
        if isinstance(error, requests.Timeout) or "timed out" in reason:
            raise FetchError(
                N_("The download of %(url)s timed out after %(timeout)s s; try again or raise http_timeout."),
                url=url,
                timeout=str(timeout),
            ) from None
        raise FetchError(N_("The download of %(url)s failed (%(error)s); try again."), url=url, error=reason) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    log.info("downloaded %s (%d bytes)", url, path.stat().st_size)
    return path


def _reason(error: BaseException) -> str:
    """Return the innermost message of a requests/urllib3 error chain."""
    while error.args and isinstance(error.args[0], BaseException):
        error = error.args[0]
    return str(error)


def _data_members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """Index the regular files of a tarball by their last two path segments (`data/regions.json`)."""
    members = {}
    for member in tar.getmembers():
        if member.isfile():
            members["/".join(member.name.split("/")[-2:])] = member
    return members


def _extract(archive: Path, url: str, directory: Path) -> dict[str, Path]:
    """Extract `data/{name}.json` of each national file from the tarball into temporary files."""
    with archive.open("rb") as stream:
        if stream.read(2) != GZIP_MAGIC and not archive.name.endswith(".tar"):
            raise FetchError(
                N_("%(url)s is not a gzip tarball; give the npm tarball or a folder of JSON files."), url=url
            )
    staged: dict[str, Path] = {}
    try:
        with tarfile.open(archive) as tar:
            members = _data_members(tar)
            for name in ETALAB_FILES:
                member = members.get(f"data/{name}.json")
                if member is None:
                    raise FetchError(N_("%(url)s has no file data/%(name)s.json."), url=url, name=name)
                source = tar.extractfile(member)
                assert source is not None  # members are regular files
                path = _temporary_file(directory, ".json.part")
                staged[name] = path
                with source, path.open("wb") as output:
                    while chunk := source.read(CHUNK_SIZE):
                        output.write(chunk)
    except (tarfile.TarError, EOFError, OSError) as error:
        for path in staged.values():
            path.unlink(missing_ok=True)
        log.error("%s cannot be extracted: %s", url, error)
        raise FetchError(
            N_("%(url)s cannot be extracted (%(error)s): the download is truncated or not the npm tarball."),
            url=url,
            error=str(error),
        ) from None
    except FetchError:
        for path in staged.values():
            path.unlink(missing_ok=True)
        raise
    return staged


def _check_json(path: Path, name: str, url: str) -> None:
    """Raise FetchError unless a staged file is a JSON array."""
    try:
        document = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        log.error("%s from %s is not valid JSON: %s", name, url, error)
        raise FetchError(
            N_("%(name)s from %(url)s is not valid JSON (%(error)s): the download is truncated; try again."),
            name=name,
            url=url,
            error=str(error),
        ) from None
    if not isinstance(document, list):
        raise FetchError(N_("%(name)s from %(url)s is not a JSON array."), name=name, url=url)
