"""Stale numba caches: dropped when the code they were compiled from has changed.

numba's on-disk cache (``model/__pycache__/*.nbi, *.nbc``) checks only the file of the function it
compiled. A kernel that calls helpers from other files (``patient_week.py``, ``tally.py``) or reads
their constants at compile time (``NO_GP``, ``WEEKS_PER_YEAR`` from ``agents/patients.py``) would
keep running the old code after a ``git pull`` that changed only those files: silently wrong
results. So before the first kernel of a process runs, ``ensure_fresh_kernel_cache`` hashes the
sources the kernels are built from, and when the hash differs from the one stored beside the cache,
deletes the cache (numba compiles again, ~20 s, once). An installed release replaces all its files
at once, which numba notices by itself.

It is called explicitly, never at import (importing a package must not delete files): by the
model's constructor and its ``step`` (a model unpickled from the burn-in cache or a checkpoint is
never constructed), and by the test session.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# model/ and agents/ (constants the kernels read)
KERNEL_SOURCES = (_PACKAGE, _PACKAGE.parent / "agents")
STAMP = "territoire-kernel-sources.sha256"


def sources_digest(folders=KERNEL_SOURCES) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(Path(folder).glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def drop_stale_kernel_cache(cache: Path = _PACKAGE / "__pycache__", folders=KERNEL_SOURCES) -> bool:
    """Delete numba's cache files in ``cache`` if the kernel sources changed since they were made;
    returns whether it did. A cache folder that cannot be written is left alone (numba then keeps
    its cache elsewhere, per installed release)."""
    digest = sources_digest(folders)
    stamp = Path(cache) / STAMP
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    try:
        Path(cache).mkdir(exist_ok=True)
        for old in Path(cache).glob("*.nb[ic]"):
            old.unlink(missing_ok=True)
        stamp.write_text(digest)
    except OSError:
        return False
    return True


_lock = threading.Lock()
_checked = False


def ensure_fresh_kernel_cache() -> None:
    """``drop_stale_kernel_cache`` on the package's own cache, once per process.

    Call it before the first kernel runs: numba loads a cached kernel on its first call, and a stale
    one loaded before the check would stay in use for the rest of the process. Later calls return at
    once, so every path that builds a model can call it. The lock keeps two threads that build
    models at the same time (the dashboard) from hashing and deleting side by side.
    """
    global _checked
    if _checked:  # every week of every model passes here: no lock once done
        return
    with _lock:
        if not _checked:
            drop_stale_kernel_cache()
            _checked = True
