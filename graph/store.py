"""The on-disk pyoxigraph store, kept as a sequence of immutable generations.

`{store}/current` names the generation being served. Every write (a build,
a SPARQL Update, a Graph Store request) runs in `write_transaction`: under
an exclusive lock it copies the current generation (a RocksDB checkpoint,
made of hard links) into a new one, writes there, then switches `current`
with an atomic rename. A failed or interrupted write never touches what is
served, and a published generation is never written again, so readers
(any number of processes) open it read-only without the undefined
behaviour pyoxigraph documents for a read-only store beside a writer.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from pyoxigraph import Store

log = logging.getLogger(__name__)

CURRENT = "current"
KEPT_GENERATIONS = 3


class StoreNotBuilt(RuntimeError):
    """The store directory has no generation yet: run `datatheque build`."""


def current_generation(root: Path) -> Path | None:
    """Return the directory of the generation being served, or None."""
    pointer = root / CURRENT
    try:
        name = pointer.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    path = root / name
    return path if path.is_dir() else None


def open_current(root: Path, read_only: bool = False) -> Store:
    """Open the generation being served. Raises StoreNotBuilt when there is none."""
    path = current_generation(root)
    if path is None:
        raise StoreNotBuilt(str(root))
    return Store.read_only(str(path)) if read_only else Store(str(path))


def new_generation(root: Path) -> tuple[Path, Store]:
    """Create a new generation holding a copy of the current one, and open it."""
    root.mkdir(parents=True, exist_ok=True)
    for leftover in root.glob("discarded-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    # Names sort in creation order (microseconds, UTC), which publish_generation relies on.
    name = "gen-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    while (root / name).exists():
        time.sleep(0.000001)
        name = "gen-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = root / name
    previous = current_generation(root)
    if previous is not None:
        log.info("copying generation %s to %s", previous.name, name)
        _copy_generation(previous, path)
    return path, Store(str(path))


def _copy_generation(previous: Path, path: Path, attempts: int = 5) -> None:
    """Checkpoint `previous` into `path`, retrying when a file vanishes during the copy.

    The writer of the previous transaction may still hold its Store object
    while RocksDB finishes a background compaction, which deletes the files
    it merged. A checkpoint started meanwhile then fails with "No such file".
    """
    for attempt in range(1, attempts + 1):
        try:
            Store.read_only(str(previous)).backup(str(path))
            return
        except OSError as error:
            shutil.rmtree(path, ignore_errors=True)
            if attempt == attempts:
                raise
            log.warning("copy of generation %s failed (%s), retrying (%d/%d)", previous.name, error, attempt, attempts)
            time.sleep(0.05 * attempt)


def publish_generation(root: Path, path: Path) -> None:
    """Make `path` the generation being served, and delete old ones."""
    pointer = root / CURRENT
    temporary = root / (CURRENT + ".tmp")
    temporary.write_text(path.name + "\n", "utf-8")
    os.replace(temporary, pointer)
    log.info("serving generation %s", path.name)

    generations = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("gen-"))
    for old in generations[:-KEPT_GENERATIONS]:
        if old != path:
            shutil.rmtree(old, ignore_errors=True)


def discard_generation(path: Path) -> None:
    """Delete a generation that was never published.

    It is renamed first, because a Store object still referenced elsewhere
    may write files into it; `new_generation` deletes such leftovers later.
    """
    discarded = path.with_name("discarded-" + path.name)
    try:
        path.rename(discarded)
    except FileNotFoundError:
        return
    shutil.rmtree(discarded, ignore_errors=True)


@contextmanager
def write_lock(root: Path) -> Iterator[None]:
    """Hold the store's exclusive write lock (a flock on `{store}/.lock`), waiting for it."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@contextmanager
def write_transaction(root: Path) -> Iterator[tuple[Path, Store]]:
    """Yield the path and writable store of a copy of the current generation.

    The copy is published when the block ends.

    If the block raises, the copy is deleted and the served generation is unchanged.
    """
    with write_lock(root):
        path, store = new_generation(root)
        try:
            yield path, store
            store.flush()
            del store
        except BaseException:
            discard_generation(path)
            raise
        publish_generation(root, path)


class StoreHandle:
    """The read-only store of a long-running process, reopened when a write publishes.

    Each `get()` costs one stat of `{store}/current`, so a rebuild or an
    update is served by every process on its next request, without a restart.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._store: Store | None = None
        self._generation: Path | None = None
        self._stamp: tuple[int, int] | None = None

    @property
    def generation(self) -> Path | None:
        return self._generation

    def get(self) -> Store:
        """Return the store of the current generation. Raises StoreNotBuilt."""
        try:
            status = (self.root / CURRENT).stat()
        except FileNotFoundError:
            raise StoreNotBuilt(str(self.root)) from None
        stamp = (status.st_mtime_ns, status.st_ino)
        if self._store is None or stamp != self._stamp:
            generation = current_generation(self.root)
            if generation is None:
                raise StoreNotBuilt(str(self.root))
            self._store = Store.read_only(str(generation))
            self._generation = generation
            self._stamp = stamp
            log.info("opened generation %s", generation.name)
        return self._store

    def last_modified(self) -> float:
        """Return the time the served generation was published, as a POSIX timestamp."""
        self.get()
        return (self.root / CURRENT).stat().st_mtime
