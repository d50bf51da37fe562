"""The on-disk pyoxigraph store, kept as a sequence of build generations.

`{store}/current` names the generation being served. A build copies it
(a RocksDB checkpoint, made of hard links) into a new generation, replaces
the graphs of the sources it rebuilt there, then switches `current` with an
atomic rename. So a failed or interrupted build never touches what is
served, and a source that fails keeps the graph it had in the copy.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

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
    name = time.strftime("gen-%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path = root / name
    previous = current_generation(root)
    if previous is not None:
        log.info("copying generation %s to %s", previous.name, name)
        Store.read_only(str(previous)).backup(str(path))
    return path, Store(str(path))


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
    """Delete a generation that was never published."""
    shutil.rmtree(path, ignore_errors=True)


class StoreHandle:
    """The store of a long-running process, reopened when a build publishes.

    Checks `current` at most once a second, so requests pay a stat call
    at most, and a rebuild is served without a restart.
    """

    def __init__(self, root: Path, read_only: bool = False) -> None:
        self.root = root
        self.read_only = read_only
        self._store: Store | None = None
        self._generation: Path | None = None
        self._checked = 0.0

    @property
    def generation(self) -> Path | None:
        return self._generation

    def get(self) -> Store:
        """Return the store of the current generation. Raises StoreNotBuilt."""
        now = time.monotonic()
        if self._store is None or now - self._checked > 1.0:
            self._checked = now
            generation = current_generation(self.root)
            if generation is None:
                raise StoreNotBuilt(str(self.root))
            if generation != self._generation:
                self._store = None
                self._store = open_current(self.root, self.read_only)
                self._generation = generation
                log.info("opened generation %s", generation.name)
        assert self._store is not None
        return self._store

    def last_modified(self) -> float:
        """Return the time the served generation was published, as a POSIX timestamp."""
        self.get()
        return (self.root / CURRENT).stat().st_mtime
