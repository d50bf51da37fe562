"""The metadata quality score that a dataset page shows, read from `{base}/graph/metadata-quality`.

After every build, graph/metadata_quality.py writes there one
`dqv:QualityMeasurement` per dataset and indicator, per dimension and in
total (the total carries its `dtq:mqaRating`). The metrics carry their
`dtq:maxPoints`, labels and `dtq:advice` (what to fix). One SPARQL query
reads all of it for one dataset, and only the measurements of the latest
build are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Store

from graph.i18n import N_
from graph.metadata_quality import DIMENSIONS, DQV, GRAPH_NAME, INDICATORS, MAX_POINTS, PROV

log = logging.getLogger(__name__)

SKOS = "http://www.w3.org/2004/02/skos/core#"
#: The MQA rating bands, by the local name of their concept in ontology/metadata-quality.ttl.
RATING_NAMES = {
    "mqaExcellent": N_("Excellent"),
    "mqaGood": N_("Good"),
    "mqaSufficient": N_("Sufficient"),
    "mqaBad": N_("Bad"),
}
DIMENSION_OF = {name: dimension for name, dimension, _, _ in INDICATORS}


@dataclass
class IndicatorPoints:
    """The points a dataset got for one indicator, and what to fix to get the rest."""

    metric: str
    label: str
    points: float
    max_points: float
    advice: str

    @property
    def gain(self) -> float:
        """Points the dataset would gain with the indicator fully met."""
        return round(self.max_points - self.points, 2)


@dataclass
class DimensionPoints:
    """The points of one MQA dimension, with the indicators of it that did not get their full points."""

    name: str
    label: str
    points: float
    max_points: float
    missing: list[IndicatorPoints] = field(default_factory=list)


@dataclass
class MetadataQuality:
    """The MQA score of a dataset in the latest build: total, rating, dimensions and advice."""

    total: float
    max_points: float
    rating: str | None
    computed: str
    dimensions: list[DimensionPoints]

    @property
    def advice(self) -> list[IndicatorPoints]:
        """The indicators with missing points, the largest gain first."""
        missing = [indicator for dimension in self.dimensions for indicator in dimension.missing]
        return sorted(missing, key=lambda indicator: -indicator.gain)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(term: Literal | None) -> float | None:
    if term is None:
        return None
    try:
        return float(term.value)
    except ValueError:
        log.warning("metadata quality: %r is not a number, measurement ignored", term.value)
        return None


def read_metadata_quality(store: Store, base_uri: str, dataset: str, language: str) -> MetadataQuality | None:
    """Read the latest MQA measurements of a dataset, or return None when no build scored it."""
    dtq = base_uri + "/def#"
    graph = f"{base_uri}/graph/{GRAPH_NAME}"
    language_literal = Literal(language)
    rows = store.query(
        f"SELECT ?metric ?value ?time ?rating ?max ?label ?advice WHERE {{ GRAPH <{graph}> {{ "
        f"?measurement <{DQV}computedOn> {NamedNode(dataset)} ; <{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value ; "
        f"<{PROV}generatedAtTime> ?time . "
        f"OPTIONAL {{ ?measurement <{dtq}mqaRating> ?rating }} "
        f"OPTIONAL {{ ?metric <{dtq}maxPoints> ?max }} "
        f"OPTIONAL {{ ?metric <{SKOS}prefLabel> ?label FILTER(LANG(?label) = {language_literal}) }} "
        f"OPTIONAL {{ ?metric <{dtq}advice> ?advice FILTER(LANG(?advice) = {language_literal}) }} }} }}"
    )
    rows = list(rows)
    if not rows:
        return None

    # The post-build hook clears the graph before writing. Measurements of an older build, if any remain, are skipped.
    latest = max(row["time"].value for row in rows)
    values: dict[str, tuple[float, float | None, str, str]] = {}
    rating = None
    for row in rows:
        if row["time"].value != latest:
            continue
        name = row["metric"].value.removeprefix(dtq)
        points = _number(row["value"])
        if points is None:
            continue
        label = row["label"].value if row["label"] else name
        values[name] = (points, _number(row["max"]), _capitalised(label), row["advice"].value if row["advice"] else "")
        if row["rating"] is not None:
            rating = RATING_NAMES.get(row["rating"].value.removeprefix(dtq))

    dimensions = []
    for dimension in DIMENSIONS:
        metric = "mqa" + dimension.capitalize()
        points, max_points, label, _ = values.get(metric, (0.0, None, _capitalised(dimension), ""))
        item = DimensionPoints(dimension, label, points, max_points or 0.0)
        for name, (indicator_points, indicator_max, indicator_label, advice) in values.items():
            if DIMENSION_OF.get(name) == dimension and indicator_max is not None and indicator_points < indicator_max:
                item.missing.append(IndicatorPoints(name, indicator_label, indicator_points, indicator_max, advice))
        item.missing.sort(key=lambda indicator: -indicator.gain)
        dimensions.append(item)

    total, total_max, _, _ = values.get("mqaScore", (sum(d.points for d in dimensions), None, "", ""))
    return MetadataQuality(total, total_max or MAX_POINTS, rating, latest, dimensions)
