"""The HTTP client of harvests: timeouts, bounded retries, conditional requests, size limits.

Every harvested page goes through `HarvestClient.get`. Responses with an
ETag or Last-Modified are kept in a cache directory (by default
`{store}/http-cache`), and the next request for the same URL sends
If-None-Match / If-Modified-Since. A 304 response returns the cached body with
`not_modified` set, so the caller can skip lifting it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests

from graph.i18n import N_
from graph.report import Problem, Severity
from graph.sources import InputFile

log = logging.getLogger(__name__)

PROJECT_VERSION = "0.1.0"
#: Status codes after which a request is tried again.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Maximum wait honoured from a Retry-After header, in seconds.
MAX_RETRY_AFTER = 30.0


class FetchError(Exception):
    """A URL could not be fetched. `problem` gives the reason and the fix."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message % problem.params if problem.params else problem.message)
        self.problem = problem


@dataclass(frozen=True)
class FetchResult:
    """A fetched page: its body, media type and whether the cached copy was still valid."""

    url: str
    body: bytes
    content_type: str
    not_modified: bool
    input_file: InputFile


@dataclass(frozen=True)
class HttpLimits:
    """Limits of one harvest; each can be set per source in `datatheque.toml`."""

    #: Connect and read timeout of each request, in seconds.
    timeout: float = 30.0
    #: Tries after the first one, on a connection error, a timeout or a status of RETRY_STATUSES.
    retries: int = 3
    #: Wait before the first retry, in seconds; it doubles at each retry.
    backoff: float = 1.0
    #: Maximum size of one response body, in bytes.
    max_bytes: int = 50_000_000
    #: Maximum number of pages followed in one paged source.
    max_pages: int = 100

    @classmethod
    def from_options(cls, options: dict, timeout: float) -> "HttpLimits":
        """Read `retries`, `backoff`, `max_bytes` and `max_pages` from a source's options."""
        return cls(
            timeout=float(options.get("timeout", timeout)),
            retries=int(options.get("retries", cls.retries)),
            backoff=float(options.get("backoff", cls.backoff)),
            max_bytes=int(options.get("max_bytes", cls.max_bytes)),
            max_pages=int(options.get("max_pages", cls.max_pages)),
        )


def max_pages_problem(source: str, location: str, max_pages: int) -> Problem:
    """Return the warning of a harvest that stopped at its page limit, before `location`."""
    return Problem(
        "max-pages",
        source,
        N_("%(url)s: the limit of %(max_pages)s pages is reached; the following pages are not harvested"),
        location=location,
        fix=N_("Raise the source's `max_pages` option if the catalogue is that large."),
        severity=Severity.WARNING,
        params={"url": location, "max_pages": str(max_pages)},
    )


def user_agent(base_uri: str) -> str:
    """Return the User-Agent of harvests, naming the project and the instance.

    >>> user_agent("http://127.0.0.1:8000")
    'Datatheque/0.1.0 (+http://127.0.0.1:8000)'
    """
    return f"Datatheque/{PROJECT_VERSION} (+{base_uri})"


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(moment.timestamp() - time.time(), 0.0), MAX_RETRY_AFTER)


class HarvestClient:
    """A `requests` session with the harvest's limits and a conditional-request cache."""

    def __init__(self, source: str, base_uri: str, limits: HttpLimits, cache_dir: Path | None = None) -> None:
        self.source = source
        self.limits = limits
        self.cache_dir = cache_dir
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(base_uri)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "HarvestClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- cache ----------------------------------------------------------------

    def _cache_paths(self, url: str) -> tuple[Path, Path] | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.cache_dir / f"{key}.json", self.cache_dir / f"{key}.body"

    def _cached(self, url: str) -> tuple[dict, bytes] | None:
        paths = self._cache_paths(url)
        if paths is None or not paths[0].exists() or not paths[1].exists():
            return None
        try:
            return json.loads(paths[0].read_text("utf-8")), paths[1].read_bytes()
        except (OSError, ValueError) as error:
            log.warning("%s: cache entry of %s unreadable, ignored: %s", self.source, url, error)
            return None

    def _store(self, url: str, response: requests.Response, body: bytes) -> None:
        paths = self._cache_paths(url)
        validators = {name: response.headers[name] for name in ("ETag", "Last-Modified") if name in response.headers}
        if paths is None or not validators:
            return
        paths[0].parent.mkdir(parents=True, exist_ok=True)
        paths[1].write_bytes(body)
        paths[0].write_text(
            json.dumps({"url": url, "content_type": response.headers.get("Content-Type", ""), **validators}),
            "utf-8",
        )

    # -- requests -------------------------------------------------------------

    def _problem(self, code: str, message: str, url: str, fix: str, **params: str) -> FetchError:
        return FetchError(Problem(code, self.source, message, location=url, fix=fix, params={"url": url, **params}))

    def _read_body(self, response: requests.Response, url: str) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.limits.max_bytes:
            response.close()
            raise self._too_large(url)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.limits.max_bytes:
                response.close()
                raise self._too_large(url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, url: str) -> FetchError:
        return self._problem(
            "too-large",
            N_("%(url)s: the response is larger than %(max_bytes)s bytes"),
            url,
            N_("Raise the source's `max_bytes` option if the file is expected to be that large."),
            max_bytes=str(self.limits.max_bytes),
        )

    def get(self, url: str, accept: str = "*/*") -> FetchResult:
        """Fetch a URL, retrying transient failures. Raises FetchError."""
        cached = self._cached(url)
        headers = {"Accept": accept}
        if cached is not None:
            if "ETag" in cached[0]:
                headers["If-None-Match"] = cached[0]["ETag"]
            if "Last-Modified" in cached[0]:
                headers["If-Modified-Since"] = cached[0]["Last-Modified"]

        attempt = 0
        while True:
            started = time.perf_counter()
            failure: str
            wait = self.limits.backoff * (2**attempt)
            try:
                response = self.session.get(url, headers=headers, timeout=self.limits.timeout, stream=True)
            except requests.Timeout:
                failure = "timed out"
            except requests.RequestException as error:
                failure = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 304 and cached is not None:
                    response.close()
                    log.info("%s: %s not modified, cached copy used", self.source, url)
                    return self._result(url, cached[1], cached[0].get("content_type", ""), True)
                if response.status_code == 200:
                    body = self._read_body(response, url)
                    self._store(url, response, body)
                    log.info(
                        "%s: fetched %s, %d bytes in %.2f s", self.source, url, len(body), time.perf_counter() - started
                    )
                    return self._result(url, body, response.headers.get("Content-Type", ""), False)
                failure = f"HTTP {response.status_code}"
                wait = _retry_after(response) or wait
                response.close()
                if response.status_code not in RETRY_STATUSES:
                    raise self._problem(
                        "http-status",
                        N_("%(url)s answered %(status)s"),
                        url,
                        N_("Check the URL of the source; the server refused or does not have it."),
                        status=str(response.status_code),
                    )

            if attempt >= self.limits.retries:
                log.error("%s: %s failed after %d tries: %s", self.source, url, attempt + 1, failure)
                raise self._problem(
                    "http-failed",
                    N_("%(url)s failed after %(tries)s tries: %(error)s"),
                    url,
                    N_("The server is down or unreachable: try again later, or raise the source's `retries` option."),
                    tries=str(attempt + 1),
                    error=failure,
                )
            log.warning("%s: %s failed (%s), retry %d of %d in %.1f s", self.source, url, failure, attempt + 1, self.limits.retries, wait)
            time.sleep(wait)
            attempt += 1

    def _result(self, url: str, body: bytes, content_type: str, not_modified: bool) -> FetchResult:
        input_file = InputFile(url, hashlib.sha256(body).hexdigest(), time.time(), len(body))
        return FetchResult(url, body, content_type.split(";")[0].strip().lower(), not_modified, input_file)
