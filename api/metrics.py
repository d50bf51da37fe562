"""Prometheus metrics of the SPARQL endpoint, served at /metrics in the text exposition format 0.0.4.

The values live in the memory of each web process.

NOTE: under `uvicorn --workers N`, each scrape of /metrics reads the process
that accepted it, so the counters cover that process only. Scrape each
process, or run one web process with its pool of query workers.
"""

from __future__ import annotations

import bisect
import math
from typing import Iterable

from fastapi import APIRouter
from fastapi.responses import Response

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


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """Serve the metrics of this process in the Prometheus text format."""
    return Response(METRICS.exposition(), media_type=EXPOSITION_MEDIA_TYPE)
