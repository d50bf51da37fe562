"""The `udata` source kind: datasets from the data.gouv.fr API v1 (or any udata portal).

The location is an API URL (the datasets of an organisation, of a geographic
zone, a search) or a saved response. Both response shapes are read: a bare
JSON array of datasets, and the paginated envelope (`data`, `next_page`),
whose `next_page` links are followed up to the source's `max_pages`. The
records are lifted to raw DCAT by `mappings/udata-datasets.rq`, then
normalised to DCAT-AP 3 (graph/dcat_normalize.py).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pyoxigraph import Triple

from graph.dcat_harvest import harvest_client, is_remote, normalize_context, previous_graph
from graph.dcat_normalize import normalize_catalog
from graph.facade import Record, decode
from graph.http_client import FetchError, max_pages_problem
from graph.i18n import N_
from graph.mapping import load_mapping, run_mapping
from graph.report import Problem, SourceError
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, read_file, source_kind

log = logging.getLogger(__name__)


def page_records(document: Any, location: str, source: str) -> tuple[list[Record], str | None]:
    """Return the dataset records of one API response and the URL of the next page.

    Raises SourceError when the response is neither an array nor an envelope with `data`.
    """
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        items, following, pointer = document["data"], document.get("next_page"), "data/"
    elif isinstance(document, list):
        items, following, pointer = document, None, ""
    else:
        raise SourceError(
            Problem(
                "json-shape",
                source,
                N_("%(path)s: expected a JSON array of datasets or an object with `data`"),
                location=location,
                fix=N_("Give the URL of an API v1 list of datasets, such as /api/1/organizations/{id}/datasets/."),
                params={"path": location},
            )
        )
    records = [Record(item, f"{location}#/{pointer}{index}", index=index) for index, item in enumerate(items) if isinstance(item, dict)]
    return records, following if isinstance(following, str) and following else None


@source_kind("udata")
def lift_udata(source: SourceConfig, context: LiftContext) -> Lifted:
    """Harvest udata API datasets and normalise them to DCAT-AP 3."""
    result = Lifted()
    mapping = load_mapping("udata-datasets")
    raw: list[Triple] = []
    unchanged = True
    location: str | None = source.location
    visited: set[str] = set()
    with harvest_client(source, context) as client:
        while location is not None:
            if len(visited) >= client.limits.max_pages:
                result.problems.append(max_pages_problem(source.name, location, client.limits.max_pages))
                break
            visited.add(location)
            if is_remote(location):
                try:
                    fetched = client.get(location, accept="application/json")
                except FetchError as error:
                    raise SourceError(error.problem) from None
                body, input_file, not_modified = fetched.body, fetched.input_file, fetched.not_modified
            else:
                body, input_file = read_file(Path(location), source.name)
                not_modified = False
            result.inputs.append(input_file)
            unchanged = unchanged and not_modified
            text = decode(body, location, source.name, "utf-8")
            try:
                document = json.loads(text)
            except json.JSONDecodeError as error:
                raise SourceError(
                    Problem(
                        "json-syntax",
                        source.name,
                        N_("%(path)s line %(line)s column %(column)s: invalid JSON: %(error)s"),
                        location=f"{location}:{error.lineno}",
                        fix=N_("The file is truncated or not JSON: download it again."),
                        params={"path": location, "line": str(error.lineno), "column": str(error.colno), "error": error.msg},
                    )
                ) from None
            records, following = page_records(document, location, source.name)
            raw.extend(run_mapping(mapping, records, context.settings.base_uri))
            log.info("%s: %d datasets in %s", source.name, len(records), location)
            location = following if following and is_remote(following) and following not in visited else None
    result.mappings.append(mapping.path)
    if unchanged:
        previous = previous_graph(source, context)
        if previous is not None:
            log.info("%s: every page unchanged, previous graph kept", source.name)
            previous.inputs, previous.problems, previous.mappings = result.inputs, result.problems, result.mappings
            return previous
    normalize_catalog(raw, source.location, normalize_context(source, context), result)
    return result
