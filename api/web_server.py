"""Serve the app under granian or uvicorn, with one web process per CPU core.

`datatheque serve` calls `serve(settings)`. The `server` setting chooses the
HTTP server: uvicorn (default) on uvloop and httptools, or granian, a Rust
server whose workers call the app through ASGI. On the SPARQL benchmark granian
was no faster than uvicorn (see benchmarks/README.md), so it is an option only. The `web_workers` setting
gives the number of web processes (0: one per core). Each process builds its
own app from the same settings and has its own pool of query workers. With
more than one web process and no `metrics_dir`, the processes share a
temporary metrics directory, so that /metrics sums them all.

Each web process logs as the CLI does (see `logging_config`): the app's
log, with one line per SPARQL query, goes to the log file, or to stderr
with -v, and the web server's own messages to the console. The web
server's access log is off, because the query lines give the duration
and outcome of each query, and a proxy in front logs every request.

Granian gives each ASGI request its `http.disconnect` message when the client
goes away, as uvicorn does, so the query engine stops the work of a client
that disconnects under both servers.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import importlib.util
import logging
import os
import tempfile
from pathlib import Path

from graph.cli import LOG_FORMAT
from graph.settings import ENV_PREFIX, Settings

log = logging.getLogger(__name__)


def web_processes(settings: Settings) -> int:
    """Return the number of web processes: the `web_workers` setting, or one per CPU core."""
    return settings.web_workers if settings.web_workers > 0 else os.cpu_count() or 1


def logging_config(base: dict, log_file: Path | None) -> dict:
    """Return the `logging.config.dictConfig` of a web server (`base`), with the app's log added.

    The app's loggers (the root logger, at INFO) write to `log_file`, or to
    stderr when it is None, in the CLI's format. Every web process applies it
    when it starts, so each writes its query lines to the same file.
    """
    config = copy.deepcopy(base)
    if log_file is None:
        handler = {"class": "logging.StreamHandler", "formatter": "datatheque", "stream": "ext://sys.stderr"}
    else:
        handler = {"class": "logging.FileHandler", "formatter": "datatheque", "filename": str(log_file), "encoding": "utf-8"}
    config.setdefault("formatters", {})["datatheque"] = {"format": LOG_FORMAT}
    config.setdefault("handlers", {})["datatheque"] = handler
    config["root"] = {"level": "INFO", "handlers": ["datatheque"]}
    return config


def load_app(target: str, settings: Settings):
    """Build the app in a web process (granian calls it with its target string)."""
    from api.app import create_app

    return create_app(settings)


def run_granian(settings: Settings, workers: int, log_file: Path | None) -> None:
    from granian.constants import Interfaces, Loops
    from granian.log import LOGGING_CONFIG
    from granian.server import Server

    server = Server(
        "api.app:create_app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop if importlib.util.find_spec("uvloop") else Loops.auto,
        log_access=False,
        log_dictconfig=logging_config(LOGGING_CONFIG, log_file),
    )
    # Each worker process calls the loader, which builds its app from these settings (pickled if granian spawns).
    server.serve(target_loader=functools.partial(load_app, settings=settings))


def run_uvicorn(settings: Settings, workers: int, config_file: Path | None, log_file: Path | None) -> None:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from api.app import create_app

    # uvloop and httptools are used when installed.
    options = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "log_config": logging_config(LOGGING_CONFIG, log_file),
        "access_log": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # uvicorn starts its workers afresh from an import string: they read the configuration file again, and
    # every other setting from the environment.
    if config_file is not None:
        os.environ[ENV_PREFIX + "CONFIG"] = str(config_file)
    for field in dataclasses.fields(settings):
        if field.name not in ("sources", "tokens"):
            os.environ[ENV_PREFIX + field.name.upper()] = str(getattr(settings, field.name))
    uvicorn.run("api.app:create_app", factory=True, workers=workers, **options)


def serve(settings: Settings, config_file: Path | None = None, log_file: Path | None = None) -> None:
    """Serve the app on the settings' host and port until interrupted.

    `config_file` is the file the settings came from, and `log_file` the file
    of the app's log (None: stderr).
    """
    workers = web_processes(settings)
    with tempfile.TemporaryDirectory(prefix="datatheque-metrics-") as scratch:
        if workers > 1 and not settings.metrics_dir:
            settings = dataclasses.replace(settings, metrics_dir=scratch)
        log.info("serving with %s, %d web process(es)", settings.server, workers)
        if settings.server == "granian":
            run_granian(settings, workers, log_file)
        else:
            run_uvicorn(settings, workers, config_file, log_file)
