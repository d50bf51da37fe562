"""The query engine behind /sparql: runs queries in killable worker processes, with a timeout and caps.

Each web process keeps a pool of query worker processes (`api.query_workers`,
one per CPU core unless the `query_workers` setting is positive), started at its first
query. The pool size is the cap on concurrent queries: a query that finds no
free worker waits up to `query_queue_wait` seconds, and is then rejected with
EngineOverloaded (503 and Retry-After), as is any query beyond
`query_queue_length` waiting ones. A query that runs past its timeout, or
whose client disconnects, has its worker killed and replaced, so the
evaluation really stops. Results are serialised by pyoxigraph in the worker,
up to `max_result_bytes`.

Two kinds of query run in the web process instead, without the round trip
to a worker and outside the cap: point lookups (`is_point_query`), whose
work is bounded by one subject, and queries that ran in at most 10 ms on
the served generation (api/query_costs.py). Queries with SERVICE are
rejected, so the engine never calls another server.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
import signal
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable

from api import query_workers
from api.metrics import METRICS, SparqlMetrics, shared_metrics
from api.query_costs import QUICK_BYTES, QueryCosts
from api.query_workers import CurrentStore, QueryReply, QueryRequest, WorkerProcess, evaluate, is_point_query
from api.sparql_text import calls_service
from graph.i18n import N_, localized
from graph.settings import Settings
from graph.store import StoreHandle, StoreNotBuilt

log = logging.getLogger(__name__)

#: Queries longer than this are shortened in the log.
LOGGED_QUERY_LENGTH = 300
#: A query still running after this many seconds starts watching for its client to disconnect.
DISCONNECT_WATCH_DELAY = 0.05
#: The position at the start of pyoxigraph's syntax error messages, such as `error at 1:25: expected …`.
SYNTAX_ERROR_POSITION = re.compile(r"error at (?P<line>\d+):(?P<column>\d+)")
#: Byte cap of point lookups run in the web process; larger results are computed again by a worker.
INLINE_MAX_BYTES = 256_000


class EngineError(Exception):
    """A query that the engine rejects or cannot evaluate.

    `status` is the HTTP status of the response, `code` a stable name (also the
    outcome label of the metrics), `msgid` an English message for the
    translation catalogue, formatted with `params`, and `message` that
    message in English.
    """

    status = 500
    code = "evaluation_error"
    msgid = N_("The query failed: %(error)s")

    def __init__(self, message: str | None = None, **params: object) -> None:
        self.params = params if params else {"error": message or ""}
        self.message = self.msgid % localized(self.params, "en")
        super().__init__(self.message)


class QuerySyntaxError(EngineError):
    """The query does not parse.

    `params["error"]` is the parser's message, unchanged, and `params["line"]`
    and `params["column"]` the position it reports (pyoxigraph 0.5 starts its
    messages with `error at LINE:COLUMN:`), when it reports one.

    >>> error = QuerySyntaxError("error at 1:25: expected one of LATERAL, SERVICE, [_]")
    >>> error.params["line"], error.params["column"]
    (1, 25)
    >>> error.message
    'Invalid SPARQL query, line 1, column 25: parser message “error at 1:25: expected one of LATERAL, SERVICE, [_]”.'
    """

    status = 400
    code = "syntax_error"
    msgid = N_("Invalid SPARQL query: parser message “%(error)s”.")

    def __init__(self, message: str | None = None) -> None:
        position = SYNTAX_ERROR_POSITION.match(message or "")
        if position is None:
            super().__init__(message)
            return
        self.msgid = N_("Invalid SPARQL query, line %(line)s, column %(column)s: parser message “%(error)s”.")
        super().__init__(error=message, line=int(position["line"]), column=int(position["column"]))


class InvalidQueryRequest(EngineError):
    """A parameter of the request is invalid, such as a graph IRI."""

    status = 400
    code = "invalid_request"
    msgid = N_("Invalid query request: %(error)s")


class QueryTooLarge(EngineError):
    """The query text is longer than `max_query_bytes`."""

    status = 413
    code = "query_too_large"
    msgid = N_("The query is %(size)s bytes long, more than the maximum of %(max)s bytes: shorten it.")


class QueryTimeout(EngineError):
    """The query ran past its timeout and was stopped."""

    status = 503
    code = "timeout"
    msgid = N_("The query timed out after %(timeout)s s and was stopped. Narrow it with more specific patterns or a LIMIT, or split it: the maximum timeout is %(max)s s.")


class EngineOverloaded(EngineError):
    """Every query worker stayed busy while the query waited. Retry after `retry_after` seconds."""

    status = 503
    code = "overloaded"
    msgid = N_("Too many queries are running: retry in %(retry_after)s s.")

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(retry_after=retry_after)
        self.retry_after = retry_after


class ResultTooLarge(EngineError):
    """The serialised result is larger than `max_result_bytes`."""

    status = 400
    code = "result_too_large"
    msgid = N_("The result is larger than %(max)s bytes. Page through it with ORDER BY, LIMIT and OFFSET (for example LIMIT 10000, then LIMIT 10000 OFFSET 10000), or select fewer variables.")


class QueryAborted(EngineError):
    """The worker process aborted while evaluating the query.

    It aborts when the query needs more memory than `query_worker_memory`, and
    also on a panic inside pyoxigraph (0.5.13 panics when sorting some mixes of terms).
    """

    status = 503
    code = "aborted"
    msgid = N_("The query made its worker process abort, for example by needing more than %(max)s MiB of memory. Narrow it with more specific patterns or a LIMIT, or split it.")


class ServiceRejected(EngineError):
    """The query calls another endpoint with SERVICE, which this endpoint does not do."""

    status = 400
    code = "service_rejected"
    msgid = N_("Federated queries (SERVICE) are not allowed on this endpoint: query the other endpoint directly, or load its data.")

    def __init__(self) -> None:
        super().__init__(error="SERVICE")


class StoreEmpty(EngineError):
    """No store generation has been published yet."""

    status = 503
    code = "store_empty"
    msgid = N_("The store %(store)s is empty: run `datatheque build` first.")


class ClientDisconnected(EngineError):
    """The client disconnected before the result was ready, so the query was stopped."""

    status = 499
    code = "client_disconnected"
    msgid = N_("The client disconnected and the query was stopped.")


@dataclass
class EngineResult:
    """The results of one query: their kind, the media type they are serialised in, and the bytes."""

    kind: str  # "boolean", "solutions" or "graph"
    media_type: str
    body: bytes | AsyncIterator[bytes]


_REPLY_ERRORS = {
    query_workers.SYNTAX_ERROR: QuerySyntaxError,
    query_workers.INVALID_REQUEST: InvalidQueryRequest,
    query_workers.EVALUATION_ERROR: EngineError,
}


def _shorten(query: str) -> str:
    text = " ".join(query.split())
    return text if len(text) <= LOGGED_QUERY_LENGTH else text[:LOGGED_QUERY_LENGTH] + "…"


class _DisconnectWatch:
    """Kill a query's worker if its client disconnects, watching from `DISCONNECT_WATCH_DELAY` on.

    Short queries end before the delay, so they cost no extra task. A killed
    worker closes its socket, so the pending reply fails with an OSError.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, receive: Callable[[], Awaitable[dict]], worker: WorkerProcess) -> None:
        self.disconnected = False
        self.task: asyncio.Task | None = None
        self.handle = loop.call_later(DISCONNECT_WATCH_DELAY, self._start, loop, receive, worker)

    def _start(self, loop, receive, worker: WorkerProcess) -> None:
        self.task = loop.create_task(self._watch(receive, worker))

    async def _watch(self, receive, worker: WorkerProcess) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                worker.process.kill()
                return

    def stop(self) -> None:
        self.handle.cancel()
        if self.task is not None:
            self.task.cancel()


def _stop_workers(workers: set[WorkerProcess]) -> None:
    for worker in list(workers):
        worker.kill()
    workers.clear()


class QueryEngine:
    """Run SPARQL queries over the current store generation, in a pool of worker processes."""

    def __init__(self, settings: Settings, store_handle: StoreHandle, metrics: SparqlMetrics = METRICS) -> None:
        self.settings = settings
        self.store_root = store_handle.root
        self.metrics = metrics
        self.size = settings.query_workers if settings.query_workers > 0 else (os.cpu_count() or 1)
        self._idle: deque[WorkerProcess] = deque()
        self._waiters: deque[asyncio.Future] = deque()
        self._workers: set[WorkerProcess] = set()
        self._started = False
        self._local_store = CurrentStore(store_handle.root)
        self._base_iri = settings.base_uri + "/"
        self.costs = QueryCosts()
        if metrics is METRICS:
            shared_metrics(settings.metrics_dir)
        self._finalizer = weakref.finalize(self, _stop_workers, self._workers)

    def start(self) -> None:
        """Start the worker processes (done by the first query otherwise)."""
        if not self._started:
            self._started = True
            for _ in range(self.size):
                self._idle.append(self._spawn())
            log.info("started %d query workers over %s", self.size, self.store_root)

    def close(self) -> None:
        """Stop every worker process; a later query starts new ones."""
        _stop_workers(self._workers)
        self._idle.clear()
        self._started = False

    def worker_pids(self) -> set[int]:
        """Return the process ids of the live worker processes."""
        return {worker.pid for worker in self._workers}

    def effective_timeout(self, requested: float | None) -> float:
        """Return the timeout of a query: the one requested, capped by `query_timeout`."""
        if requested is None or not requested > 0:
            return self.settings.query_timeout
        return min(requested, self.settings.query_timeout)

    async def execute(
        self,
        query: str,
        *,
        default_graphs: list[str] | None,
        named_graphs: list[str] | None,
        media_type: str | None,
        timeout: float | None,
        receive: Callable[[], Awaitable[dict]] | None = None,
        point: bool | None = None,
    ) -> EngineResult:
        """Run a query and return its serialised results.

        Without default or named graphs (and FROM clauses) the default graph is
        the union of the named graphs. `media_type` is an Accept header or a
        media type: the result is written in its best match, else in the
        default of its kind. `timeout` (seconds) may only lower `query_timeout`.
        `receive` is the ASGI receive callable of the request: when given, a
        client disconnection stops the query. `point` is whether the query is a point
        lookup (`is_point_query`), when the caller has checked it already.

        Raises QuerySyntaxError, InvalidQueryRequest, QueryTooLarge, ServiceRejected,
        QueryTimeout, QueryAborted, EngineOverloaded, ResultTooLarge,
        StoreEmpty, ClientDisconnected or EngineError (evaluation failure).
        """
        started = time.perf_counter()
        outcome, kind, size = "ok", "", 0
        self.metrics.in_progress.inc()
        try:
            size_of_query = len(query.encode("utf-8"))
            if size_of_query > self.settings.max_query_bytes:
                raise QueryTooLarge(size=size_of_query, max=self.settings.max_query_bytes)
            if calls_service(query):
                raise ServiceRejected()
            request = QueryRequest(
                query,
                tuple(default_graphs) if default_graphs is not None else None,
                tuple(named_graphs) if named_graphs is not None else None,
                media_type,
                self.settings.max_result_bytes,
            )
            if point is None:
                point = is_point_query(query)
            result = self._run_inline(request) if point else self._run_known_quick(request, timeout)
            if result is None:
                result = await self._run(request, self.effective_timeout(timeout), receive)
            kind = result.kind
            size = len(result.body) if isinstance(result.body, bytes) else 0
            return result
        except EngineError as error:
            outcome = error.code
            if isinstance(error, QueryTimeout):
                self.metrics.timeouts.inc()
            elif isinstance(error, (EngineOverloaded, ResultTooLarge, QueryTooLarge, QueryAborted)):
                self.metrics.rejected.inc(error.code)
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            duration = time.perf_counter() - started
            self.metrics.in_progress.dec()
            self.metrics.durations.observe(duration, outcome)
            self.metrics.changed()
            if log.isEnabledFor(logging.INFO):
                log.info("query %s in %.1f ms (%s, %d bytes): %s", outcome, duration * 1000, kind or "-", size, _shorten(query))

    def _run_inline(self, request: QueryRequest) -> EngineResult | None:
        """Run a point lookup in this process, or return None when its result passes `INLINE_MAX_BYTES`.

        A point lookup reads the triples of one subject, so it takes about the time
        of serialising its result, which the byte cap bounds. The event loop is
        blocked for no longer than that, and the round trip to a worker is saved.
        """
        evaluated = self._evaluate_here(request, INLINE_MAX_BYTES)
        return None if evaluated is None else self._result(request, *evaluated)

    def _run_known_quick(self, request: QueryRequest, timeout: float | None) -> EngineResult | None:
        """Run a query in this process if it ran quickly on the served generation, else return None.

        See api/query_costs.py. The run is measured again, so a query that
        turns out slower goes back to the workers next time.
        """
        generation = self._generation()
        key = _cost_key(request)
        if generation is None or not self.costs.is_quick(key, generation, self.effective_timeout(timeout)):
            return None
        started = time.perf_counter()
        evaluated = self._evaluate_here(request, QUICK_BYTES)
        if evaluated is None or evaluated[0].outcome != query_workers.OK:
            self.costs.forget(key)
        else:
            self.costs.record(key, self._local_store.stamp, time.perf_counter() - started, evaluated[0].size)
        return None if evaluated is None else self._result(request, *evaluated)

    def _evaluate_here(self, request: QueryRequest, max_bytes: int) -> tuple[QueryReply, bytes] | None:
        """Evaluate a query in this process, its result capped at `max_bytes`.

        Returns None when the result passes that cap but not the request's own,
        so that a worker computes it again. The query's work is bounded (a point
        lookup, or a query measured as quick), so pyoxigraph serialises the
        result in one call and its size is checked after.
        """
        cap = min(request.max_bytes, max_bytes)
        reply, parts = evaluate(self._local_store, self._base_iri, request, bounded=True, max_bytes=cap)
        if reply.outcome == query_workers.TOO_LARGE and cap < request.max_bytes:
            return None
        return reply, b"".join(parts)

    def _generation(self):
        """Return the stamp of the served generation, or None when there is none yet."""
        try:
            self._local_store.get()
        except StoreNotBuilt:
            return None
        return self._local_store.stamp

    async def _run(self, request: QueryRequest, timeout: float, receive) -> EngineResult:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        generation = self._generation()
        worker = await self._acquire(loop, min(self.settings.query_queue_wait, timeout))
        started = time.perf_counter()

        watch = _DisconnectWatch(loop, receive, worker) if receive is not None else None
        try:
            async with asyncio.timeout_at(deadline):
                reply, body = await worker.exchange(loop, request)
        except TimeoutError:
            self._replace(worker, "timed out")
            raise QueryTimeout(timeout=float(timeout), max=float(self.settings.query_timeout)) from None
        except asyncio.CancelledError:
            self._replace(worker, "was cancelled")
            raise
        except OSError as error:
            if watch is not None and watch.disconnected:
                self._replace(worker, "lost its client")
                raise ClientDisconnected() from None
            if await self._aborted(worker):
                self._replace(worker, "aborted")
                raise QueryAborted(max=self.settings.query_worker_memory) from None
            self._replace(worker, f"failed: {error}")
            raise EngineError(f"the query worker stopped ({error})") from None
        finally:
            if watch is not None:
                watch.stop()
        self._release(worker)
        if reply.outcome == query_workers.OK and generation is not None:
            self.costs.record(_cost_key(request), generation, time.perf_counter() - started, reply.size)
        return self._result(request, reply, body)

    async def _aborted(self, worker: WorkerProcess) -> bool:
        """Tell whether a worker that closed its socket was aborted (SIGABRT).

        Rust's default handler of a failed allocation aborts the process, which is how
        pyoxigraph 0.5.13 stops when a query passes the worker's memory limit.
        """
        for _ in range(50):
            status = worker.process.poll()
            if status is not None:
                return status == -signal.SIGABRT
            await asyncio.sleep(0.01)
        return False

    def _result(self, request: QueryRequest, reply: QueryReply, body: bytes) -> EngineResult:
        if reply.outcome == query_workers.OK:
            return EngineResult(reply.kind, reply.media_type, body)
        if reply.outcome == query_workers.TOO_LARGE:
            raise ResultTooLarge(max=request.max_bytes)
        if reply.outcome == query_workers.STORE_NOT_BUILT:
            raise StoreEmpty(store=reply.message)
        raise _REPLY_ERRORS[reply.outcome](reply.message)

    async def _acquire(self, loop, wait: float) -> WorkerProcess:
        self.start()
        if self._idle:
            return self._idle.pop()
        if len(self._waiters) >= self.settings.query_queue_length:
            raise EngineOverloaded(retry_after=math.ceil(self.settings.query_queue_wait) or 1)
        waiter = loop.create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(wait):
                return await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return waiter.result()
            raise EngineOverloaded(retry_after=math.ceil(self.settings.query_queue_wait) or 1) from None
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _release(self, worker: WorkerProcess) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _spawn(self) -> WorkerProcess:
        worker = WorkerProcess(self.store_root, self.settings.base_uri + "/", self.settings.query_worker_memory)
        self._workers.add(worker)
        return worker

    def _replace(self, worker: WorkerProcess, reason: str) -> None:
        log.warning("query worker %s %s: killed, starting another", worker.pid, reason)
        worker.kill()
        self._workers.discard(worker)
        self.metrics.worker_restarts.inc()
        if self._started:
            self._release(self._spawn())


def _cost_key(request: QueryRequest) -> tuple:
    return (request.query, request.default_graphs, request.named_graphs, request.accept)


def engine_of(state) -> QueryEngine:
    """Return the query engine of an app (its `app.state`), creating it at the first call."""
    engine = getattr(state, "engine", None)
    if engine is None:
        engine = state.engine = QueryEngine(state.settings, state.store)
    return engine
