"""Sections that pages show for the kinds of resources people look for.

A territory shows its key figures, its place in the hierarchy and its
communes. A dataset shows its distributions as download links, coverage,
themes and metadata quality score. A club shows its members, themes and annotations. Every
resource lists the annotations that target it and the documents and
datasets that concern it. Each function returns None when the section does
not apply, so a page shows only what the graph has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode

from api.describe import DCT, FOAF, IGEO, PAGE_SIZE, RDF, WEB_SCHEMES, Describer, ValueView, preferred_label, site_path
from api.literals import format_literal
from api.metadata_quality_view import read_metadata_quality
from graph.i18n import N_

DCAT = "http://www.w3.org/ns/dcat#"
DQV = "http://www.w3.org/ns/dqv#"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"

TERRITORY_RANKS = {
    IGEO + "Region": 0,
    IGEO + "Departement": 1,
    IGEO + "Arrondissement": 2,
    IGEO + "Intercommunalite": 3,
    IGEO + "Commune": 4,
    IGEO + "CommuneDeleguee": 5,
    IGEO + "CommuneAssociee": 5,
    IGEO + "ArrondissementMunicipal": 5,
}
#: Territories whose communes are listed on their page, with the property linking a commune to them.
COMMUNE_LINKS = {
    IGEO + "Region": IGEO + "subdivisionDe",
    IGEO + "Departement": IGEO + "subdivisionDe",
    IGEO + "Arrondissement": IGEO + "subdivisionDe",
    IGEO + "Intercommunalite": "{def}epci",
}
ORGANISATION_TYPES = {FOAF + "Organization", ORG + "Organization", ORG + "FormalOrganization", FOAF + "Group"}
#: Named graphs (under `{base}/graph/`) that contain the quality records written by the Datathèque's builds.
QUALITY_GRAPHS = ("quality", "metadata-quality")
CONCERNS = (DCT + "spatial", DCT + "subject", DCT + "coverage", DCT + "references", DCT + "relation", FOAF + "primaryTopic")


@dataclass
class Figure:
    """One key figure of a territory: its name (a msgid), its value and an optional note (e.g. the year)."""

    name: str
    values: list[ValueView]
    note: str | None = None


@dataclass
class PagedList:
    """One page of a long list of linked resources."""

    key: str
    values: list[ValueView]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


@dataclass
class Section:
    """A type-specific block of a page: its template and the values it shows."""

    template: str
    data: dict[str, object] = field(default_factory=dict)


class TypedViews:
    """Builds the sections of one resource page from the describer of the request."""

    def __init__(self, describer: Describer, node: NamedNode, types: list[str], pages: dict[str, int]) -> None:
        self.describer = describer
        self.store = describer.store
        self.node = node
        self.types = set(types)
        self.pages = pages
        self.dtq = describer.base_uri + "/def#"

    def sections(self) -> list[Section]:
        found = [self.territory(), self.dataset(), self.organisation(), self.annotation(), self.annotations(), self.concerning()]
        return [section for section in found if section is not None]

    def objects(self, node, predicate: str) -> list:
        return list(dict.fromkeys(q.object for q in self.store.quads_for_pattern(node, NamedNode(predicate), None)))

    def views(self, node, *predicates: str) -> list[ValueView]:
        values = [self.describer.value(term, depth=1) for p in predicates for term in self.objects(node, p)]
        return sorted(values, key=lambda view: view.text.casefold())

    def literal_text(self, node, predicate: str) -> str | None:
        for term in self.objects(node, predicate):
            if isinstance(term, Literal):
                return format_literal(term, self.describer.language)
        return None

    def paged(self, key: str, predicate: str, of_type: str | None) -> PagedList:
        values, total = self.describer.values_linking(self.node, predicate, of_type, self.pages.get(key, 1))
        page = min(max(self.pages.get(key, 1), 1), max(1, -(-total // PAGE_SIZE)))
        return PagedList(key, values, total, page)

    def territory(self) -> Section | None:
        kinds = [t for t in self.types if t in TERRITORY_RANKS]
        if not kinds:
            return None
        dtq = self.dtq
        figures = [
            Figure(N_("INSEE code"), self.views(self.node, IGEO + "codeINSEE")),
            Figure(N_("Population"), self.views(self.node, dtq + "population"), self.literal_text(self.node, dtq + "anneePopulation")),
            Figure(N_("Postal codes"), self.views(self.node, dtq + "codePostal")),
            Figure(N_("SIREN"), self.views(self.node, dtq + "siren")),
            Figure(N_("Former codes"), self.views(self.node, dtq + "ancienCode")),
        ]
        ancestors = []
        for term in self.objects(self.node, IGEO + "subdivisionDe"):
            types = [q.object.value for q in self.store.quads_for_pattern(term, NamedNode(RDF + "type"), None)]
            view = self.describer.value(term, depth=1)
            if types:
                view.note = self.describer.vocabulary.label(min(types, key=lambda t: TERRITORY_RANKS.get(t, 9)), self.describer.language)
            ancestors.append((min((TERRITORY_RANKS.get(t, 9) for t in types), default=9), view))
        ancestors.sort(key=lambda pair: pair[0])
        data: dict[str, object] = {
            "figures": [figure for figure in figures if figure.values],
            "ancestors": [view for _, view in ancestors],
            "epci": self.views(self.node, dtq + "epci"),
            "chef_lieu": self.views(self.node, IGEO + "chefLieu"),
            "deleguees": self.paged("deleguees", IGEO + "subdivisionDirecteDe", IGEO + "CommuneDeleguee"),
            "associees": self.paged("associees", IGEO + "subdivisionDirecteDe", IGEO + "CommuneAssociee"),
        }
        for kind in kinds:
            if kind in COMMUNE_LINKS:
                data["communes"] = self.paged("communes", COMMUNE_LINKS[kind].replace("{def}", dtq), IGEO + "Commune")
        return Section("sections/territory.html", data)

    def dataset(self) -> Section | None:
        if DCAT + "Dataset" not in self.types:
            return None
        distributions = []
        for term in self.objects(self.node, DCAT + "distribution"):
            download = self.objects(term, DCAT + "downloadURL") or self.objects(term, DCAT + "accessURL")
            href = download[0].value if download and download[0].value.startswith(WEB_SCHEMES) else None
            local_path = site_path(href, self.describer.base_uri) if href else None
            distributions.append({
                "title": preferred_label(self.store, term, self.describer.language),
                "formats": self.views(term, DCT + "format", DCAT + "mediaType"),
                "href": local_path or href,
                "external": href is not None and local_path is None,
                "size": self.literal_text(term, DCAT + "byteSize"),
                "page": None if isinstance(term, BlankNode) else self.describer.value(term, depth=1).href,
            })
        data = {
            "publisher": self.views(self.node, DCT + "publisher"),
            "license": self.views(self.node, DCT + "license", DCT + "rights"),
            "distributions": distributions,
            "spatial": self.views(self.node, DCT + "spatial"),
            "themes": self.views(self.node, DCAT + "theme"),
            "keywords": self.views(self.node, DCAT + "keyword"),
            "modified": self.literal_text(self.node, DCT + "modified"),
            "metadata_quality": read_metadata_quality(self.store, self.describer.base_uri, self.node.value, self.describer.language),
            "quality_notes": self.views(self.node, DQV + "hasQualityAnnotation"),
            "source_measurements": self.source_measurements(),
        }
        return Section("sections/dataset.html", data)

    def source_measurements(self) -> list[dict[str, object]]:
        """Return the quality measurements the sources state about the dataset, each once.

        The measurements written by the Datathèque's builds are left out because
        the page shows the latest of them in its score sections.
        """
        own_graphs = {f"{self.describer.base_uri}/graph/{name}" for name in QUALITY_GRAPHS}
        links = self.store.quads_for_pattern(self.node, NamedNode(DQV + "hasQualityMeasurement"), None)
        terms = dict.fromkeys(quad.object for quad in links if getattr(quad.graph_name, "value", None) not in own_graphs)
        measurements = [
            {"metric": self.views(term, DQV + "isMeasurementOf"), "value": self.literal_text(term, DQV + "value")}
            for term in terms
        ]
        return sorted(measurements, key=lambda item: [view.text.casefold() for view in item["metric"]])

    def organisation(self) -> Section | None:
        if not self.types & ORGANISATION_TYPES:
            return None
        members = self.views(self.node, ORG + "hasMember", FOAF + "member")
        members += [self.describer.value(term, depth=1) for term in self._subjects(ORG + "memberOf")]
        # W3C Organization memberships: a membership node names the member and its role.
        for membership in self._subjects(ORG + "organization", limit=None):
            for member in self.objects(membership, ORG + "member"):
                view = self.describer.value(member, depth=1)
                roles = self.views(membership, ORG + "role")
                view.note = ", ".join(role.text for role in roles) or None
                members.append(view)
        annotations = [*self._subjects(DCT + "creator", OA + "Annotation"), *self._subjects(self.dtq + "club", OA + "Annotation")]
        data = {
            "members": members,
            "themes": self.views(self.node, DCAT + "theme", FOAF + "topic_interest", DCT + "subject", self.dtq + "theme"),
            "annotations": self.annotation_views(list(dict.fromkeys(annotations))),
        }
        return Section("sections/organisation.html", data)

    def annotation(self) -> Section | None:
        """Show an annotation itself: its text, motivation, author, date and targets."""
        if OA + "Annotation" not in self.types:
            return None
        return Section("sections/annotation.html", {"annotations": self.annotation_views([self.node])})

    def annotations(self) -> Section | None:
        rows = self.store.query(
            f"""SELECT DISTINCT ?a WHERE {{
                  {{ ?a <{OA}hasTarget> {self.node} }} UNION {{ ?a <{OA}hasTarget> ?t . ?t <{OA}hasSource> {self.node} }}
                }} LIMIT {PAGE_SIZE}""",
            use_default_graph_as_union=True,
        )
        annotations = self.annotation_views([row["a"] for row in rows])
        return Section("sections/annotations.html", {"annotations": annotations}) if annotations else None

    def annotation_views(self, nodes: list) -> list[dict[str, object]]:
        """Describe annotations for a list: text of the body, motivation, author and date."""
        views = []
        for annotation in nodes:
            texts = [self.literal_text(annotation, OA + "bodyValue")]
            for body in self.objects(annotation, OA + "hasBody"):
                texts.append(self.literal_text(body, RDF + "value") if not isinstance(body, Literal) else body.value)
            views.append({
                "texts": [text for text in texts if text],
                "link": self.describer.value(annotation, depth=1),
                "motivations": self.views(annotation, OA + "motivatedBy"),
                "creators": self.views(annotation, DCT + "creator"),
                "created": self.literal_text(annotation, DCT + "created"),
                "targets": self.views(annotation, OA + "hasTarget"),
            })
        return views

    def concerning(self) -> Section | None:
        patterns = "|".join(f"<{p}>" for p in CONCERNS)
        rows = self.store.query(
            f"SELECT DISTINCT ?d WHERE {{ ?d {patterns} {self.node} . ?d a ?type }} LIMIT {PAGE_SIZE}",
            use_default_graph_as_union=True,
        )
        documents = [self.describer.value(row["d"], depth=1) for row in rows]
        return Section("sections/concerning.html", {"documents": documents}) if documents else None

    def _subjects(self, predicate: str, of_type: str | None = None, limit: int | None = PAGE_SIZE) -> list:
        subjects = list(dict.fromkeys(q.subject for q in self.store.quads_for_pattern(None, NamedNode(predicate), self.node)))
        if of_type is None:
            return subjects[:limit]
        kind = NamedNode(of_type)
        typed = [s for s in subjects if next(self.store.quads_for_pattern(s, NamedNode(RDF + "type"), kind), None) is not None]
        return typed[:limit]
