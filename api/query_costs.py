"""The measured cost of recent queries, so that a query known to be quick runs in the web process.

A query sent to a query worker pays a round trip between two processes:
on the 2-core benchmark machine, about 0.35 ms on top of a join that
pyoxigraph evaluates in 0.6 ms. The worker is there so that a query can be
killed, but a query is deterministic work over a store generation that
never changes once published (and the engine rejects SERVICE, so no query
waits on another server). So when the same query text, over the same
dataset and generation, ran in at most `QUICK_SECONDS`, running it
again takes about as long, and the web process runs it itself. Its event
loop is then blocked for that time only.

The entries are the query texts seen last (at most `MAX_ENTRIES`), each with
the generation it was measured on, its duration and the size of its result.
Nothing of the result itself is kept: every query is evaluated again.

>>> costs = QueryCosts()
>>> key = ("SELECT * WHERE { ?s a ?c } LIMIT 5", None, None, "application/sparql-results+json")
>>> costs.is_quick(key, generation=(1, 2), timeout=5.0)
False
>>> costs.record(key, (1, 2), seconds=0.002, size=800)
>>> costs.is_quick(key, (1, 2), 5.0), costs.is_quick(key, (3, 4), 5.0), costs.is_quick(key, (1, 2), 0.004)
(True, False, False)
>>> costs.record(key, (1, 2), seconds=0.5, size=800)
>>> costs.is_quick(key, (1, 2), 5.0)
False
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Hashable

#: Longest measured duration of a query that the web process runs itself, in seconds.
QUICK_SECONDS = 0.01
#: Largest result of a query that the web process runs itself, in bytes.
QUICK_BYTES = 256_000
#: A query runs in the web process only if its timeout is this many times its measured duration.
TIMEOUT_MARGIN = 4
#: Query texts remembered, the least recently used forgotten first.
MAX_ENTRIES = 4096


class QueryCosts:
    """The last measured duration and result size of recent queries, per store generation."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[Hashable, float, int]] = OrderedDict()

    def is_quick(self, key: Hashable, generation: Hashable, timeout: float) -> bool:
        """Tell whether the query `key` ran quickly on this generation, well within `timeout`."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != generation:
            return False
        self._entries.move_to_end(key)
        _, seconds, size = entry
        return seconds <= QUICK_SECONDS and size <= QUICK_BYTES and seconds * TIMEOUT_MARGIN <= timeout

    def record(self, key: Hashable, generation: Hashable, seconds: float, size: int) -> None:
        """Remember the duration and result size of a query run on `generation`."""
        self._entries[key] = (generation, seconds, size)
        self._entries.move_to_end(key)
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        """Forget a query, so that its next run goes to a worker and is measured again."""
        self._entries.pop(key, None)
