"""Import numba without paying for scipy.linalg at start-up.

The first time numba compiles or loads a kernel, it imports ``numba.np.arraymath``, whose module code
checks that a BLAS is available (for ``np.dot`` and the like) by importing
``scipy.linalg.cython_blas``. That runs the whole ``scipy.linalg`` package, and what it imports in
turn: 0.2-0.35 s on the project's 2-core machine, for linear algebra that no territoire kernel does.

``import_numba`` imports ``numba.np.arraymath`` while that check only looks for the
``cython_blas`` extension file in the installed scipy, without importing it. numba's answer is the
same whenever scipy is installed whole. Anything that does compile linear algebra later still goes
through numba's own check, which then imports scipy.linalg as usual.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _cython_blas_installed() -> None:
    """numba's ``ensure_blas``, without the import: raises ImportError if scipy has no cython_blas."""
    spec = importlib.util.find_spec("scipy")
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders or not any(any((Path(f) / "linalg").glob("cython_blas.*")) for f in folders):
        raise ImportError("scipy 0.16+ is required for linear algebra")


def import_numba() -> None:
    """Import numba and its array functions (``numba.np.arraymath``) without scipy.linalg."""
    if "numba.np.arraymath" in sys.modules:
        return
    import numba.np.linalg as linalg

    ensure_blas = getattr(linalg, "ensure_blas", None)
    if ensure_blas is None:  # another numba: import as usual
        import numba.np.arraymath

        return
    linalg.ensure_blas = _cython_blas_installed
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        linalg.ensure_blas = ensure_blas
