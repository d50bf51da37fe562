"""One typed settings object for the CLI, the build and the web app.

Values are read, each overriding the previous one, from the defaults below,
a TOML configuration file, environment variables prefixed `DATATHEQUE_`
and command-line options. Nothing else reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "DATATHEQUE_"
DEFAULT_CONFIG = PROJECT_ROOT / "datatheque.toml"
#: Web servers that `datatheque serve` can run the app under.
WEB_SERVERS = ("uvicorn", "granian")


class SettingsError(ValueError):
    """A configuration value is missing or invalid."""


@dataclass(frozen=True)
class Token:
    """A bearer token allowed to write, with the graphs it may change."""

    name: str
    secret: str = field(repr=False)
    graphs: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class SourceConfig:
    """One declared source: a kind, where it is read from, and its options."""

    name: str
    kind: str
    location: str
    options: Mapping[str, Any] = field(default_factory=dict)
    strict: bool = False


@dataclass(frozen=True)
class Settings:
    """Every setting of the Datathèque, with its default."""

    #: Base URI of every minted IRI (no trailing slash). The same for build, serve and validate.
    base_uri: str = "http://127.0.0.1:8000"
    #: Directory of the on-disk pyoxigraph store and its build generations.
    store: Path = PROJECT_ROOT / "var" / "store"
    #: Directory where `datatheque fetch` writes national files.
    national_dir: Path = PROJECT_ROOT / "var" / "national"
    #: URL of the npm tarball of `@etalab/decoupage-administratif` (all of France).
    national_url: str = (
        "https://registry.npmjs.org/@etalab/decoupage-administratif/-/"
        "decoupage-administratif-6.0.0.tgz"
    )
    #: Host and port of `datatheque serve`.
    host: str = "127.0.0.1"
    port: int = 8000
    #: Web server of `datatheque serve`: "uvicorn" or "granian" (a Rust HTTP server, measured no faster here).
    server: str = "uvicorn"
    #: Web processes of `datatheque serve`; 0 means one per CPU core.
    web_workers: int = 0
    #: Language of CLI messages when LANG does not choose one ("fr" or "en").
    language: str = "fr"
    #: HTTP timeout of harvests and fetches, in seconds.
    http_timeout: float = 30.0
    #: Query timeout of the SPARQL endpoint, in seconds.
    query_timeout: float = 5.0
    #: Query worker processes of each web process; 0 means one per CPU core. Also the cap on concurrent queries.
    query_workers: int = 0
    #: How long a query waits for a free worker before a 503 with Retry-After, in seconds.
    query_queue_wait: float = 1.0
    #: Maximum number of queries waiting for a worker; more get a 503 at once.
    query_queue_length: int = 64
    #: Maximum size of a serialised SELECT, CONSTRUCT or DESCRIBE result, in bytes; larger ones are refused with advice to page.
    max_result_bytes: int = 32_000_000
    #: Memory limit (RLIMIT_DATA) of each query worker process, in MiB (0: none). A query that needs more is stopped.
    query_worker_memory: int = 2048
    #: Directory where each web process writes its SPARQL metrics, so that /metrics sums them (empty: this process only).
    metrics_dir: str = ""
    #: Maximum size of a SPARQL query request (URL or body), in bytes; larger ones get 413.
    max_query_bytes: int = 1_000_000
    #: Maximum size of a SPARQL Update or Graph Store upload body, in bytes; larger ones get 413.
    max_upload_bytes: int = 64_000_000
    #: Sources of the build, in order.
    sources: tuple[SourceConfig, ...] = ()
    #: Write tokens of the SPARQL Update and Graph Store endpoints.
    tokens: tuple[Token, ...] = ()

    def __post_init__(self) -> None:
        if not self.base_uri.startswith(("http://", "https://")):
            raise SettingsError(f"base_uri {self.base_uri!r} is invalid: expected an http(s) URI")
        object.__setattr__(self, "base_uri", self.base_uri.rstrip("/"))
        object.__setattr__(self, "store", Path(self.store))
        if self.server not in WEB_SERVERS:
            raise SettingsError(f"server {self.server!r} is invalid: expected one of {', '.join(WEB_SERVERS)}")
        object.__setattr__(self, "national_dir", Path(self.national_dir))

    def graph_iri(self, source: str) -> str:
        """Return the named graph IRI of a source."""
        return f"{self.base_uri}/graph/{source}"

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources)
        raise SettingsError(f"unknown source {name!r}; known sources: {known}")


_SCALARS = {f.name: f.type for f in dataclasses.fields(Settings) if f.name not in ("sources", "tokens")}


def _coerce(name: str, value: Any) -> Any:
    kind = _SCALARS[name]
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "Path":
            return Path(value)
    except ValueError as error:
        raise SettingsError(f"setting {name} = {value!r} is invalid: {error}") from None
    return str(value)


def _read_sources(entries: list[dict[str, Any]], base_dir: Path) -> tuple[SourceConfig, ...]:
    sources = []
    for index, entry in enumerate(entries):
        entry = dict(entry)
        try:
            name, kind, location = entry.pop("name"), entry.pop("kind"), entry.pop("location")
        except KeyError as missing:
            raise SettingsError(f"source #{index + 1} misses the key {missing}") from None
        if "://" not in location:
            location = str((base_dir / location).resolve())
        strict = bool(entry.pop("strict", False))
        sources.append(SourceConfig(name, kind, location, entry, strict))
    return tuple(sources)


def _read_tokens(entries: list[dict[str, Any]]) -> tuple[Token, ...]:
    tokens = []
    for entry in entries:
        if not entry.get("name") or not entry.get("secret"):
            raise SettingsError("every [[tokens]] entry needs a name and a secret")
        tokens.append(Token(entry["name"], entry["secret"], tuple(entry.get("graphs", ["*"]))))
    return tuple(tokens)


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings from defaults, a TOML file, the environment and overrides.

    `config_file` defaults to `$DATATHEQUE_CONFIG` or `datatheque.toml` at the
    project root. Overrides whose value is None are ignored, so CLI options
    that were not given keep the lower layers. Raises SettingsError.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}

    path = config_file or Path(environ.get(ENV_PREFIX + "CONFIG", DEFAULT_CONFIG))
    if path.exists():
        try:
            document = tomllib.loads(path.read_text("utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise SettingsError(f"{path}: invalid TOML: {error}") from None
        for key, value in document.items():
            if key == "sources":
                values["sources"] = _read_sources(value, path.parent)
            elif key == "tokens":
                values["tokens"] = _read_tokens(value)
            elif key in _SCALARS:
                values[key] = _coerce(key, value)
            else:
                raise SettingsError(f"{path}: unknown setting {key!r}")
        if "store" in values and not values["store"].is_absolute():
            values["store"] = path.parent / values["store"]
    elif config_file is not None:
        raise SettingsError(f"configuration file {config_file} not found")

    for name in _SCALARS:
        env_value = environ.get(ENV_PREFIX + name.upper())
        if env_value is not None:
            values[name] = _coerce(name, env_value)

    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(name, value) if name in _SCALARS else value

    return Settings(**values)
