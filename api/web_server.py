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
and outcome of each query, and a reverse proxy in front can log every
request.

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
import threading
import time
from pathlib import Path

from graph.cli import LOG_FORMAT
from graph.settings import ENV_PREFIX, Settings

log = logging.getLogger(__name__)


def web_processes(settings: Settings) -> int:
    """Return the number of web processes: the `web_workers` setting, or one per CPU core."""
    return settings.web_workers if settings.web_workers > 0 else os.cpu_count() or 1


#: Seconds between two writes of the app's buffered log lines to the log file.
LOG_FLUSH_INTERVAL = 0.5


class BufferedFileHandler(logging.FileHandler):
    """A log file handler that writes its lines in batches, at most `LOG_FLUSH_INTERVAL` seconds late.

    logging.FileHandler flushes the file after each record: one system call per
    SPARQL query. Here a daemon thread flushes twice a second instead, and
    every WARNING or worse is flushed at once.
    """

    def __init__(self, filename: str, encoding: str | None = "utf-8") -> None:
        super().__init__(filename, encoding=encoding)
        self._flusher: threading.Thread | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            with self.lock:
                if self.stream is None:
                    self.stream = self._open()
                self.stream.write(message + self.terminator)
                if record.levelno >= logging.WARNING:
                    self.stream.flush()
                if self._flusher is None:
                    self._flusher = threading.Thread(target=self._flush_periodically, name="log-flush", daemon=True)
                    self._flusher.start()
        except Exception:
            self.handleError(record)

    def _flush_periodically(self) -> None:
        while True:
            time.sleep(LOG_FLUSH_INTERVAL)
            self.flush()


class LogFormatter(logging.Formatter):
    """The log format of the CLI, with the date and time of each second formatted once."""

    _second: int | None = None
    _text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second = second
            self._text = time.strftime(self.default_time_format, self.converter(record.created))
        return self.default_msec_format % (self._text, record.msecs)


def lighten_log_records() -> None:
    """Stop filling the fields of log records that the log format does not show.

    These are the caller's file and line, and the thread and process names.
    The "Optimization" section of the logging HOWTO lists these switches; a
    web process writes one record per query, so they save part of its cost.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def create_web_app(settings: Settings | None = None):
    """Build the app in a web process, with lighter log records (settings: from the environment by default)."""
    from api.app import create_app

    lighten_log_records()
    return create_app(settings)


def logging_config(base: dict, log_file: Path | None) -> dict:
    """Return the `logging.config.dictConfig` of a web server (`base`), with the app's log added.

    The app's loggers (the root logger, at INFO) write to `log_file`, or to
    stderr when it is None, in the CLI's format. Every web process applies it
    when it starts, so each writes its query lines to the same file, in
    batches (`BufferedFileHandler`).
    """
    config = copy.deepcopy(base)
    if log_file is None:
        handler = {"class": "logging.StreamHandler", "formatter": "datatheque", "stream": "ext://sys.stderr"}
    else:
        handler = {"class": "api.web_server.BufferedFileHandler", "formatter": "datatheque", "filename": str(log_file)}
    config.setdefault("formatters", {})["datatheque"] = {"()": "api.web_server.LogFormatter", "fmt": LOG_FORMAT}
    config.setdefault("handlers", {})["datatheque"] = handler
    config["root"] = {"level": "INFO", "handlers": ["datatheque"]}
    return config


def load_app(target: str, settings: Settings):
    """Build the app in a web process (granian calls it with its target string)."""
    return create_web_app(settings)


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

    # uvloop and httptools are used when installed.
    options = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "log_config": logging_config(LOGGING_CONFIG, log_file),
        "access_log": False,
    }
    if workers == 1:
        uvicorn.run(create_web_app(settings), **options)
        return
    # uvicorn starts its workers afresh from an import string: they read the configuration file again, and
    # every other setting from the environment.
    if config_file is not None:
        os.environ[ENV_PREFIX + "CONFIG"] = str(config_file)
    for field in dataclasses.fields(settings):
        if field.name not in ("sources", "tokens"):
            os.environ[ENV_PREFIX + field.name.upper()] = str(getattr(settings, field.name))
    uvicorn.run("api.web_server:create_web_app", factory=True, workers=workers, **options)


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
