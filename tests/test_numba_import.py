"""``territoire.numba_import``: numba's array functions loaded without scipy.linalg, its BLAS check
still answered, and linear algebra still compiled. In a fresh interpreter: this one has imported
scipy long ago."""

from __future__ import annotations

import subprocess
import sys

import pytest

from territoire.numba_import import _cython_blas_installed


def test_a_kernel_loads_without_scipy_linalg_and_linear_algebra_still_compiles():
    script = (
        "import sys\n"
        "import numpy as np\n"
        "import territoire.model\n"
        "from territoire.model.rng import uniform\n"
        "uniform(np.uint64(1), 2, 3, 4)\n"  # a kernel of the model, compiled or loaded from numba's cache
        "import numba.np.arraymath as arraymath\n"
        "print('scipy.linalg' in sys.modules, arraymath._HAVE_BLAS)\n"
        "from numba import njit\n"
        "dot = njit(lambda a, b: np.dot(a, b))\n"  # numba's own check runs now, and imports scipy.linalg
        "print(dot(np.arange(3.0), np.arange(3.0)), 'scipy.linalg' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True", "5.0", "True"]


def test_the_blas_check_fails_where_numbas_own_would(monkeypatch):
    import importlib.util

    _cython_blas_installed()  # scipy is installed here: no error
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match="scipy 0.16"):
        _cython_blas_installed()
