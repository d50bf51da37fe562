"""Worker processes that evaluate SPARQL queries, so that a query can be stopped by killing its process.

pyoxigraph 0.5 cannot cancel a running query, so the web process sends each
query to a worker process over a Unix socket pair and waits for its result
with a timeout. On timeout or client disconnection the worker is killed
(SIGKILL) and a new one is started.

Each worker opens the published store generation read-only through
`StoreHandle`. Published generations are never written again, so a read-only
opening beside a writer process is safe. pyoxigraph serialises the results
straight into one buffer, so no Python runs per row. Point lookups
(`is_point_query`) are also evaluated by `evaluate`, but in the web process.

Frames on the socket are a 4-byte big-endian length followed by a pickle,
except the result body, which follows its header frame as raw bytes.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from api.sparql_formats import GRAPH_ALIASES, GRAPH_MEDIA_TYPES, RESULT_ALIASES, RESULT_MEDIA_TYPES, negotiate
from api.sparql_text import top_level_keywords
from graph.store import CURRENT, StoreHandle, StoreNotBuilt

log = logging.getLogger(__name__)

LENGTH = struct.Struct("!I")

#: Outcome codes of a worker reply.
OK, SYNTAX_ERROR, TOO_LARGE, INVALID_REQUEST, EVALUATION_ERROR, STORE_NOT_BUILT = range(6)

def has_dataset_clause(query: str) -> bool:
    """Tell whether a query names its dataset with FROM or FROM NAMED, outside literals, IRIs and comments.

    >>> has_dataset_clause("SELECT * FROM <http://example.org/g> { ?s ?p ?o }")
    True
    >>> has_dataset_clause("SELECT ?from WHERE { ?s ex:from 'FROM' } # FROM")
    False
    """
    if "FROM" not in query.upper():
        return False
    return "FROM" in top_level_keywords(query)


#: Longer queries are never taken for point lookups, which bounds the time of the regular expression.
POINT_QUERY_MAX_LENGTH = 4096
_IRI = r"<[^<>\"{}|^`\\\s]*>"
_PREFIXED_NAME = r"[A-Za-z][\w.\-]*:[\w.\-%]*|:[\w.\-%]*"
_VARIABLE = r"[?$]\w+"
_CONSTANT = rf"(?:{_IRI}|{_PREFIXED_NAME})"
_POINT_QUERY = re.compile(
    rf"""
    \s*(?:(?:PREFIX\s+(?:[A-Za-z][\w.\-]*)?:\s*{_IRI}|BASE\s*{_IRI})\s*)*
    (?:
        (?P<describe>DESCRIBE)(?:\s+{_CONSTANT}|\s*{_IRI})+
    |
        (?:(?P<select>SELECT)\s*(?:\*|(?:\s*{_VARIABLE})+)|(?P<ask>ASK))\s*(?:WHERE\s*)?
        \{{\s*{_CONSTANT}\s+(?:{_CONSTANT}|{_VARIABLE}|a)\s+(?:{_CONSTANT}|{_VARIABLE}|"[^"\\\n]*")\s*\.?\s*\}}
        (?:\s*(?:LIMIT|OFFSET)\s+\d+)*
    )
    \s*
    """,
    re.IGNORECASE | re.VERBOSE,
)


def is_point_query(query: str) -> bool:
    """Tell whether a query is a point lookup, whose work is bounded by the triples of one subject.

    A point lookup is a DESCRIBE of IRIs only, or a SELECT or ASK of one triple
    pattern whose subject is an IRI, with no DISTINCT, expression, FILTER,
    property path, comment or other clause than LIMIT and OFFSET.

    >>> is_point_query("PREFIX c: <http://example.org/c/> SELECT ?p ?o WHERE { c:56260 ?p ?o } LIMIT 10")
    True
    >>> is_point_query("DESCRIBE <http://example.org/c/56260>")
    True
    >>> is_point_query("SELECT * WHERE { ?s ?p ?o }")
    False
    >>> is_point_query("SELECT * WHERE { _:b ?p ?o }")
    False
    >>> is_point_query("SELECT * WHERE { <http://example.org/c/1> <p>/<q> ?o }")
    False
    """
    return point_query_form(query) is not None


def point_query_form(query: str) -> str | None:
    """Return the form (DESCRIBE, SELECT or ASK) of a point lookup, or None when the query is not one.

    >>> point_query_form("ask { <http://example.org/c/1> a ?type }")
    'ASK'
    >>> point_query_form("SELECT * WHERE { ?s ?p ?o }") is None
    True
    """
    if len(query) > POINT_QUERY_MAX_LENGTH:
        return None
    match = _POINT_QUERY.fullmatch(query)
    if match is None:
        return None
    if match["describe"]:
        return "DESCRIBE"
    if match["select"]:
        return "SELECT"
    return "ASK"


@dataclass(frozen=True)
class QueryRequest:
    """One query sent to a worker: the text, its dataset, the accepted media types and the size cap."""

    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    accept: str | None
    max_bytes: int


@dataclass(frozen=True)
class QueryReply:
    """A worker's reply header; `size` bytes of result body follow it when `outcome` is OK."""

    outcome: int
    kind: str = ""
    media_type: str = ""
    message: str = ""
    size: int = 0


class ResultCapExceeded(Exception):
    """The serialised result grew past the byte cap."""


class CappedBuffer:
    """A binary writer for pyoxigraph's `serialize` that stops past `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise ResultCapExceeded
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


@functools.lru_cache(maxsize=512)
def choose_media_type(kind: str, accept: str | None) -> str:
    """Return the media type to write a result of `kind` in: the best match of `accept`, else the default."""
    if kind == "graph":
        return negotiate(accept, GRAPH_MEDIA_TYPES, GRAPH_ALIASES) or GRAPH_MEDIA_TYPES[0]
    return negotiate(accept, RESULT_MEDIA_TYPES, RESULT_ALIASES) or RESULT_MEDIA_TYPES[0]


class CurrentStore:
    """The read-only store of the served generation, checked with one `os.stat` per query."""

    def __init__(self, store_root: Path) -> None:
        self.handle = StoreHandle(store_root)
        self.pointer = str(store_root / CURRENT)
        self.stamp: tuple[int, int] | None = None
        self.store = None

    def get(self):
        """Return the store, reopened when a write has published a new generation. Raises StoreNotBuilt."""
        try:
            status = os.stat(self.pointer)
        except FileNotFoundError:
            raise StoreNotBuilt(str(self.handle.root)) from None
        stamp = (status.st_mtime_ns, status.st_ino)
        if stamp != self.stamp or self.store is None:
            self.store = self.handle.get()
            self.stamp = stamp
        return self.store


def evaluate(
    current: CurrentStore, base_iri: str, request: QueryRequest, bounded: bool = False, max_bytes: int | None = None
) -> tuple[QueryReply, list[bytes]]:
    """Run one query against the served generation and serialise its results.

    A `bounded` query (a point lookup) is serialised by pyoxigraph in one call
    and its size checked after, which saves a Python write per result; any
    other query is serialised into a buffer that stops past the byte cap.
    `max_bytes`, when given, replaces the request's byte cap.
    """
    try:
        store = current.get()
    except StoreNotBuilt:
        return QueryReply(STORE_NOT_BUILT, message=str(current.handle.root)), []

    # Graphs named by the request replace the dataset, as the SPARQL 1.1 Protocol requires. Without them
    # the default graph is the union of the named graphs, unless the query has its own FROM clauses.
    options: dict[str, object] = {}
    if request.default_graphs is not None or request.named_graphs is not None:
        try:
            options["default_graph"] = [NamedNode(iri) for iri in request.default_graphs or ()]
            options["named_graphs"] = [NamedNode(iri) for iri in request.named_graphs or ()]
        except ValueError as error:
            return QueryReply(INVALID_REQUEST, message=str(error)), []
    elif not has_dataset_clause(request.query):
        options["use_default_graph_as_union"] = True

    try:
        results = store.query(request.query, base_iri=base_iri, **options)
    except SyntaxError as error:
        return QueryReply(SYNTAX_ERROR, message=str(error)), []
    except (OSError, ValueError, RuntimeError) as error:
        return QueryReply(EVALUATION_ERROR, message=str(error)), []

    if isinstance(results, QueryBoolean):
        kind = "boolean"
    elif isinstance(results, QuerySolutions):
        kind = "solutions"
    else:
        kind = "graph"
    media_type = choose_media_type(kind, request.accept)
    if kind == "graph":
        output_format = RdfFormat.from_media_type(media_type)
    else:
        output_format = QueryResultsFormat.from_media_type(media_type)
    buffer = CappedBuffer(request.max_bytes if max_bytes is None else max_bytes)
    try:
        if bounded:
            buffer.write(results.serialize(format=output_format))
        else:
            results.serialize(buffer, output_format)
    except ResultCapExceeded:
        return QueryReply(TOO_LARGE, kind=kind, media_type=media_type), []
    except (OSError, ValueError, RuntimeError) as error:
        return QueryReply(EVALUATION_ERROR, kind=kind, message=str(error)), []
    return QueryReply(OK, kind, media_type, size=buffer.size), buffer.parts


def pack_frame(value: object) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(payload)) + payload


def _receive_exactly(connection: socket.socket, size: int) -> bytes | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = connection.recv_into(view[received:])
        if count == 0:
            return None
        received += count
    return bytes(buffer)


def serve(connection: socket.socket, store_root: Path, base_iri: str) -> None:
    """Evaluate the query requests read from `connection` until the web process closes it."""
    current = CurrentStore(store_root)
    while True:
        header = _receive_exactly(connection, LENGTH.size)
        if header is None:
            return
        payload = _receive_exactly(connection, LENGTH.unpack(header)[0])
        if payload is None:
            return
        reply, body = evaluate(current, base_iri, pickle.loads(payload))
        frame = pack_frame(reply)
        if len(body) == 1 and reply.size < 1 << 16:
            connection.sendall(frame + body[0])
        else:
            connection.sendall(frame)
            for part in body:
                connection.sendall(part)


class WorkerProcess:
    """One worker process and the web process's end of its socket."""

    def __init__(self, store_root: Path, base_iri: str, memory_mib: int = 0) -> None:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        command = [
            sys.executable, "-m", "api.query_workers", str(child_end.fileno()), str(store_root), base_iri, str(memory_mib)
        ]
        self.process = subprocess.Popen(command, pass_fds=[child_end.fileno()], stdin=subprocess.DEVNULL)
        child_end.close()
        parent_end.setblocking(False)
        self.socket = parent_end
        log.debug("started query worker %s", self.process.pid)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """Kill the process at once (SIGKILL) and reap it in a background thread."""
        self.socket.close()
        try:
            self.process.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        threading.Thread(target=self.process.wait, name=f"reap-{self.pid}", daemon=True).start()

    async def exchange(self, loop, request: QueryRequest) -> tuple[QueryReply, bytes]:
        """Send a request and return the reply and its body. Raises ConnectionError if the worker died."""
        await loop.sock_sendall(self.socket, pack_frame(request))
        data = bytearray()
        while len(data) < LENGTH.size:
            data += await self._receive(loop, 1 << 16)
        end = LENGTH.size + LENGTH.unpack_from(data)[0]
        while len(data) < end:
            data += await self._receive(loop, end - len(data))
        reply: QueryReply = pickle.loads(data[LENGTH.size:end])
        total = end + reply.size
        while len(data) < total:
            data += await self._receive(loop, min(total - len(data), 1 << 20))
        return reply, bytes(data[end:total])

    async def _receive(self, loop, size: int) -> bytes:
        chunk = await loop.sock_recv(self.socket, size)
        if not chunk:
            raise ConnectionError(f"query worker {self.pid} closed its socket")
        return chunk


def main(argv: list[str]) -> int:
    """Run a worker: `python -m api.query_workers FD STORE BASE_IRI MEMORY_MIB`.

    With MEMORY_MIB above 0 the data memory of the process (RLIMIT_DATA: heap and
    private writable mappings, not the address space that allocators merely
    reserve) is limited to it, so a query that allocates more makes pyoxigraph
    abort the process (SIGABRT).
    """
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    memory = int(argv[3]) * 2**20
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    connection = socket.socket(fileno=int(argv[0]))
    connection.setblocking(True)
    try:
        serve(connection, Path(argv[1]), argv[2])
    except (BrokenPipeError, ConnectionResetError):
        pass
    return 0


if __name__ == "__main__":
    # Run the imported module's `main`, so that pickled requests and replies name `api.query_workers`.
    from api.query_workers import main as run_worker

    sys.exit(run_worker(sys.argv[1:]))
