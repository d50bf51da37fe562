"""Prometheus metrics of the SPARQL endpoint, served at /metrics in the text exposition format 0.0.4.

The values live in the memory of each web process. Under `uvicorn --workers N`
a scrape reaches one process only. So with the `metrics_dir` setting, each
process also writes its values to `{metrics_dir}/{pid}.json` within a second
of a change, and /metrics returns the sum over the files. The files of stopped processes keep counting, so that counters never
go down, except for the in-progress gauge. Empty the directory when the server
is restarted.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import math
import os
import time
from pathlib import Path
from typing import Iterable

from fastapi import APIRouter, Request
from fastapi.responses import Response

log = logging.getLogger(__name__)

EXPOSITION_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: Upper bounds of the query duration histogram, in seconds.
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: tuple[str, ...], values: tuple[str, ...], extra: str = "") -> str:
    pairs = [f'{name}="{_escape(value)}"' for name, value in zip(names, values)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    """A monotonic counter, one value per combination of label values."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help_text, self.label_names = name, help_text, labels
        self.values: dict[tuple[str, ...], float] = {}

    def inc(self, *label_values: str, amount: float = 1.0) -> None:
        self.values[label_values] = self.values.get(label_values, 0.0) + amount

    def value(self, *label_values: str) -> float:
        return self.values.get(label_values, 0.0)

    @property
    def data(self) -> dict[tuple[str, ...], float]:
        return self.values

    def merge(self, label_values: tuple[str, ...], value: float) -> None:
        self.values[label_values] = self.values.get(label_values, 0.0) + value

    def samples(self) -> Iterable[str]:
        for label_values, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(self.label_names, label_values)} {_number(value)}"


class Gauge(Counter):
    """A value that goes up and down."""

    kind = "gauge"

    def dec(self, *label_values: str) -> None:
        self.inc(*label_values, amount=-1.0)


class Histogram:
    """Observations counted in cumulative buckets, with their sum and count."""

    kind = "histogram"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = (), buckets: tuple[float, ...] = DURATION_BUCKETS) -> None:
        self.name, self.help_text, self.label_names = name, help_text, labels
        self.bounds = tuple(buckets)
        self.series: dict[tuple[str, ...], list[float]] = {}

    def observe(self, value: float, *label_values: str) -> None:
        counts = self.series.get(label_values)
        if counts is None:
            # One count per bound, then +Inf, then the sum.
            counts = self.series[label_values] = [0.0] * (len(self.bounds) + 2)
        counts[bisect.bisect_left(self.bounds, value)] += 1
        counts[-1] += value

    def count(self, *label_values: str) -> int:
        counts = self.series.get(label_values)
        return int(sum(counts[:-1])) if counts else 0

    @property
    def data(self) -> dict[tuple[str, ...], list[float]]:
        return self.series

    def merge(self, label_values: tuple[str, ...], counts: list[float]) -> None:
        mine = self.series.setdefault(label_values, [0.0] * (len(self.bounds) + 2))
        for index, count in enumerate(counts):
            mine[index] += count

    def samples(self) -> Iterable[str]:
        for label_values, counts in sorted(self.series.items()):
            cumulative = 0.0
            for bound, count in zip(self.bounds + (math.inf,), counts[:-1]):
                cumulative += count
                le = 'le="' + _number(bound) + '"'
                yield f"{self.name}_bucket{_labels(self.label_names, label_values, le)} {_number(cumulative)}"
            yield f"{self.name}_sum{_labels(self.label_names, label_values)} {_number(counts[-1])}"
            yield f"{self.name}_count{_labels(self.label_names, label_values)} {_number(cumulative)}"


class SparqlMetrics:
    """The metrics of one web process."""

    def __init__(self) -> None:
        self.requests = Counter("datatheque_sparql_requests_total", "SPARQL HTTP responses, by status code and media type.", ("status", "format"))
        self.durations = Histogram("datatheque_sparql_query_duration_seconds", "Time from the start of a query to its result or error, by outcome.", ("outcome",))
        self.timeouts = Counter("datatheque_sparql_query_timeouts_total", "Queries stopped because they ran past their timeout.")
        self.rejected = Counter("datatheque_sparql_rejected_total", "Queries rejected before or after evaluation, by reason.", ("reason",))
        self.in_progress = Gauge("datatheque_sparql_queries_in_progress", "Queries being evaluated or waiting for a worker.")
        self.worker_restarts = Counter("datatheque_sparql_worker_restarts_total", "Query worker processes killed and replaced.")
        #: Called after each change, when the values are shared with other processes.
        self.listener = None

    def changed(self) -> None:
        if self.listener is not None:
            self.listener()

    def snapshot(self) -> dict[str, list]:
        """Return the values of every metric as JSON-ready lists of [label values, value]."""
        return {metric.name: [[list(labels), value] for labels, value in metric.data.items()] for metric in self.all()}

    def merged(self, snapshots: Iterable[dict[str, list]]) -> SparqlMetrics:
        """Return new metrics that contain the sum of these and of the snapshots."""
        total = SparqlMetrics()
        for snapshot in [self.snapshot(), *snapshots]:
            for metric in total.all():
                for labels, value in snapshot.get(metric.name, ()):
                    metric.merge(tuple(labels), value)
        return total

    def all(self) -> tuple:
        return (self.requests, self.durations, self.timeouts, self.rejected, self.in_progress, self.worker_restarts)

    def exposition(self) -> str:
        """Return every metric in the Prometheus text format."""
        lines = []
        for metric in self.all():
            lines.append(f"# HELP {metric.name} {metric.help_text}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            lines.extend(metric.samples())
        return "\n".join(lines) + "\n"


METRICS = SparqlMetrics()


def counting_send(send, metrics: SparqlMetrics = METRICS):
    """Wrap an ASGI send callable so that it counts the response by status and media type."""

    async def send_and_count(message) -> None:
        if message["type"] == "http.response.start":
            media_type = ""
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-type":
                    media_type = value.split(b";", 1)[0].strip().decode("latin-1")
                    break
            metrics.requests.inc(str(message["status"]), media_type)
            metrics.changed()
        await send(message)

    return send_and_count


class RequestMetricsMiddleware:
    """ASGI middleware counting the responses of `/sparql` by status and media type."""

    def __init__(self, app, metrics: SparqlMetrics = METRICS, prefix: str = "/sparql") -> None:
        self.app, self.metrics, self.prefix = app, metrics, prefix

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            send = counting_send(send, self.metrics)
        await self.app(scope, receive, send)


#: Shortest time between two writes of a process's metrics file, in seconds.
PUBLISH_INTERVAL = 1.0


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SharedMetrics:
    """The metrics of this process, shared with the other web processes through files in a directory."""

    def __init__(self, directory: Path, metrics: SparqlMetrics = METRICS) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.metrics = metrics
        self.path = directory / f"{os.getpid()}.json"
        self._published = 0.0
        self._pending: asyncio.TimerHandle | None = None
        metrics.listener = self.publish_soon

    def publish(self) -> None:
        """Write this process's values to its file, atomically."""
        self._pending = None
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.metrics.snapshot()), "utf-8")
        os.replace(temporary, self.path)
        self._published = time.monotonic()

    def publish_soon(self) -> None:
        """Schedule a write of this process's file, `PUBLISH_INTERVAL` seconds after the last one, unless one is pending."""
        if self._pending is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.publish()
            return
        delay = max(0.0, self._published + PUBLISH_INTERVAL - time.monotonic())
        self._pending = loop.call_later(delay, self.publish)

    def others(self) -> list[dict[str, list]]:
        """Return the snapshots of the other processes, without the gauge of those that stopped."""
        snapshots = []
        for path in self.directory.glob("*.json"):
            if path == self.path or not path.stem.isdigit():
                continue
            try:
                snapshot = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as error:
                log.warning("skipped the metrics file %s: %s", path, error)
                continue
            if not _process_exists(int(path.stem)):
                snapshot.pop(self.metrics.in_progress.name, None)
            snapshots.append(snapshot)
        return snapshots

    def exposition(self) -> str:
        """Return the sum of the metrics of every process in the Prometheus text format."""
        self.publish()
        return self.metrics.merged(self.others()).exposition()


_SHARED: dict[str, SharedMetrics] = {}


def shared_metrics(directory: str) -> SharedMetrics | None:
    """Return the shared metrics of this process for the `metrics_dir` setting, or None when it is empty."""
    if not directory:
        return None
    if directory not in _SHARED:
        _SHARED[directory] = SharedMetrics(Path(directory))
    return _SHARED[directory]


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Serve the metrics in the Prometheus text format: of this process, or of all with `metrics_dir`."""
    shared = shared_metrics(request.app.state.settings.metrics_dir)
    text = shared.exposition() if shared is not None else METRICS.exposition()
    return Response(text, media_type=EXPOSITION_MEDIA_TYPE)
