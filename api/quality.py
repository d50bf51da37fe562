"""The quality pages: `/qualite` (every source and producer) and `/qualite/{producer}` with CSV and JSON exports.

Figures come from the quality graph (`graph/quality_queries.py`). The trend
of each source is an inline SVG drawn on the server, so it reads without
JavaScript, and a table gives the same figures to screen readers.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from api import http_cache
from api.iri import page_href
from api.negotiation import best_match
from api.rendering import render, request_language
from graph.i18n import N_, translate, translations
from graph.quality_queries import (
    HistoryPoint,
    ProblemRow,
    ProducerQuality,
    QualityQueries,
)

log = logging.getLogger(__name__)
router = APIRouter()

#: Problems listed on an HTML page; the CSV and JSON exports hold them all.
PAGE_PROBLEMS = 200
EXPORT_FIELDS = ("source", "severity", "resource", "property", "value", "message", "fix", "component", "shape", "code", "location", "file", "line")
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 240, 60, 6


@dataclass(frozen=True)
class TrendChart:
    """The coordinates of a score trend in an SVG of CHART_WIDTH × CHART_HEIGHT (scores 0 to 100)."""

    points: list[tuple[float, float]]
    history: list[HistoryPoint]

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


def trend_chart(history: list[HistoryPoint]) -> TrendChart:
    """Place each build's score on the chart: oldest on the left, 100 at the top.

    >>> trend_chart([HistoryPoint("a", 100.0, 0, 0), HistoryPoint("b", 50.0, 1, 0)]).polyline
    '6.0,6.0 234.0,30.0'
    """
    inner_width = CHART_WIDTH - 2 * CHART_MARGIN
    inner_height = CHART_HEIGHT - 2 * CHART_MARGIN
    step = inner_width / (len(history) - 1) if len(history) > 1 else 0
    points = [
        (CHART_MARGIN + index * step, CHART_MARGIN + (100 - point.score) / 100 * inner_height)
        for index, point in enumerate(history)
    ]
    return TrendChart(points, history)


def _queries(request: Request) -> QualityQueries:
    return QualityQueries(request.app.state.store.get(), request.app.state.settings)


def _problem_views(request: Request, problems: list[ProblemRow]) -> list[dict[str, object]]:
    """Return the problems shown on a page, each with the link and label of its resource."""
    base_uri = request.app.state.settings.base_uri
    queries = _queries(request)
    labels: dict[str, str] = {}
    views = []
    for problem in problems[:PAGE_PROBLEMS]:
        is_iri = problem.resource.startswith(("http://", "https://"))
        if is_iri and problem.resource not in labels:
            labels[problem.resource] = queries.label(problem.resource)
        views.append(
            {
                "problem": problem,
                "href": page_href(problem.resource, base_uri) if is_iri else None,
                "label": labels.get(problem.resource, problem.resource),
            }
        )
    return views


@router.api_route("/qualite", methods=["GET", "HEAD"], include_in_schema=False)
def quality_page(request: Request) -> Response:
    """Render the quality of every source and producer, with the latest problems."""
    queries = _queries(request)
    language = request_language(request)
    sources = queries.sources()
    producers = queries.producers(sources)
    problems = queries.problems(language)
    context = {
        "sources": [{"quality": item, "chart": trend_chart(item.history)} for item in sources],
        "producers": producers,
        "problems": _problem_views(request, problems),
        "problem_total": len(problems),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
        "ngettext": translations(language).ngettext,
    }
    headers = {"Vary": "Accept-Language, Cookie"}
    return http_cache.for_method(request, render(request, "quality.html", context, headers=headers))


def dataset_quality(request: Request, dataset: str) -> dict[str, object] | None:
    """Return the context of `quality_dataset.html` for a dataset, or None when no build measured it."""
    queries = _queries(request)
    measurements = queries.dataset_measurements(dataset)
    if not measurements.values:
        return None
    problems = queries.problems(request_language(request), dataset=dataset, reports=measurements.reports)
    return {"measurements": measurements, "problems": _problem_views(request, problems), "problem_total": len(problems)}


def _find_producer(producers: list[ProducerQuality], name: str) -> tuple[ProducerQuality | None, str | None]:
    """Return the producer a path segment names, and the export format its suffix requests."""
    for suffix in ("csv", "json"):
        if name.endswith("." + suffix):
            for producer in producers:
                if producer.key == name[: -len(suffix) - 1]:
                    return producer, suffix
    for producer in producers:
        if producer.key == name:
            return producer, None
    return None, None


@router.api_route("/qualite/{name}", methods=["GET", "HEAD"], include_in_schema=False)
def producer_page(request: Request, name: str, format: str | None = None) -> Response:
    """Render, or export as CSV or JSON, the problems of one producer."""
    queries = _queries(request)
    language = request_language(request)
    producer, suffix = _find_producer(queries.producers(), name)
    if producer is None:
        export_format = name.rsplit(".", 1)[-1] if name.endswith((".csv", ".json")) else format
        message = translate(N_("No producer %(name)s in the quality reports: the producers are listed on /qualite."), language, {"name": name})
        log.info("quality page of unknown producer %r", name)
        return _error(request, 404, message, export_format, language)
    problems = queries.problems(language, producer=producer.iri)
    chosen = suffix or format
    if chosen == "csv":
        return _csv_export(producer, problems)
    if chosen == "json":
        return _json_export(producer, problems, language)
    if chosen not in (None, "html"):
        message = translate(N_("Unknown format %(format)s: use csv, json or html."), language, {"format": chosen})
        return _error(request, 400, message, None, language)
    context = {
        "producer": producer,
        "problems": _problem_views(request, problems),
        "problem_total": len(problems),
        "trend": trend_chart(queries.producer_history(producer.iri)),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
        "ngettext": translations(language).ngettext,
    }
    headers = {"Vary": "Accept-Language, Cookie"}
    return http_cache.for_method(request, render(request, "quality_producer.html", context, headers=headers))


def _error(request: Request, status: int, message: str, export_format: str | None, language: str) -> Response:
    """Return the response to an unknown producer or format, in the request's language.

    An export (`.json`, `.csv` or `format=`) gets JSON or plain text; otherwise
    a browser gets the French (or English) HTML page, a program plain text.
    """
    headers = {"Vary": "Accept, Accept-Language, Cookie", "Content-Language": language}
    if export_format == "json":
        body = json.dumps({"detail": message}, ensure_ascii=False)
        return Response(body, status_code=status, media_type="application/json", headers=headers)
    if export_format is None and best_match(request.headers.get("accept"), ["text/plain", "text/html"]) == "text/html":
        return render(request, "quality_error.html", {"message": message}, status_code=status, headers=headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def _csv_export(producer: ProducerQuality, problems: list[ProblemRow]) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for problem in problems:
        writer.writerow(problem.as_dict())
    headers = {"Content-Disposition": f'attachment; filename="qualite-{producer.key}.csv"'}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _json_export(producer: ProducerQuality, problems: list[ProblemRow], language: str) -> Response:
    document = {
        "producer": {"key": producer.key, "iri": producer.iri, "label": producer.label, "score": producer.score},
        "language": language,
        "counts": {"violation": producer.violations, "warning": producer.warnings, "info": producer.infos},
        "problems": [problem.as_dict() for problem in problems],
    }
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json", headers={"Content-Disposition": f'inline; filename="qualite-{producer.key}.json"'})
